-- The gate finds people by the full pinyin of their name too (luohanxiao → 罗汉晓), not only by
-- its initials. The column is filled for existing persons by the Rust step of this migration
-- (`migrate.rs`): SQLite has no pinyin table.
ALTER TABLE person ADD COLUMN name_pinyin TEXT NOT NULL DEFAULT '';
CREATE INDEX person_pinyin ON person (name_pinyin);
