-- Found by bench/run on a million requests: the scheduler reads the open
-- and the resolved requests every minute, and no index led with status,
-- so each run read the whole table.
CREATE INDEX requests_status ON requests (status);
