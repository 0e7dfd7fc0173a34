-- Kadian device store, schema 16: screening coverage (入户排查, and the dashboard's 排查 tile)
-- reads who passed a gate in the last 7 days: 150,000 passages on a street laptop. `passage_at`
-- now carries the person too, so that range is read from the index alone (through the old one,
-- each passage was looked up in its table by id, a page read and decrypted per row). It replaces
-- the index it extends: a registration at the gate writes no more index entries than before.
DROP INDEX passage_at;
CREATE INDEX passage_at ON passage (at_utc, checkpoint_id, direction, plate, id, person_id);
