-- A category question's answer that means danger ("someone is trapped"):
-- given, it raises the request's urgency and the answer is shown first.
ALTER TABLE category_attributes ADD COLUMN urgent_answer TEXT NOT NULL DEFAULT '';
