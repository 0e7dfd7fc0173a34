-- Kadian device store, schema 9: a passage's destination (去往: a building, a household) in a
-- column of its own. Before, the gate kept it inside 事由, labelled 「去往 …」; those rows stay as
-- they were written (their records on the server say the same).
ALTER TABLE passage ADD COLUMN destination TEXT;
