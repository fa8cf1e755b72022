-- The response rate counts an answer given in time in the month it was given.
CREATE INDEX requests_responded ON requests (responded_at);
