-- Kadian device store, schema 5: the outbox by record id. The sync bar counts what waits as people
-- see it (a registration with its reading and travel declaration is one entry), which asks, per
-- waiting reading, whether its passage waits too; pulled reference data asks whether a local
-- change of the same record waits. Both look the outbox up by record id.
CREATE INDEX outbox_record ON outbox (record_id, state);
