-- Schema 6: compounds and checkpoints can be retired (`kadian-server compound|checkpoint retire`).
-- A retired place takes no new records made after `retired_at` (UTC), leaves every
-- choice list, and keeps its history; NULL while it is in use. The reference body devices pull
-- carries the same instant. A checkpoint retired by its compound's retirement is marked so, and
-- comes back when the compound does; one retired on its own stays retired.
ALTER TABLE compound ADD COLUMN retired_at TIMESTAMPTZ;
ALTER TABLE checkpoint ADD COLUMN retired_at TIMESTAMPTZ;
ALTER TABLE checkpoint ADD COLUMN retired_with_compound BOOLEAN NOT NULL DEFAULT FALSE;
