-- Schema 9: when a device last had nothing waiting to send (its pull said pending = 0; server
-- clock). Everything it recorded before then is on the server: the daily report's 数据截至 is
-- the oldest of these among a unit's devices.
ALTER TABLE device ADD COLUMN complete_at TIMESTAMPTZ;
