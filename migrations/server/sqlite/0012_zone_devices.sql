-- Schema 12: a grid zone leader's laptop (role `zone`) is bound to its zone: enrolment codes and
-- devices say which. NULL for every other role.
ALTER TABLE enrol_code ADD COLUMN zone_id TEXT;
ALTER TABLE device ADD COLUMN zone_id TEXT;
