-- Schema 3: a person's document number is unique on the server, as on every device (a device
-- store has a unique index on (document_type, document_number): two persons with one number
-- would stop it applying a pull). `document_key` is `document_type:number`; the rule is kept by
-- the arrival logic (a second holder is refused `document_number_in_use`), so records stored
-- before this schema stay readable even if two of them share a number.
ALTER TABLE record ADD COLUMN document_key TEXT;
UPDATE record SET document_key = (body::json ->> 'document_type') || ':' || (body::json ->> 'document_number')
 WHERE kind = 'person' AND (body::json ->> 'document_number') IS NOT NULL;
CREATE INDEX record_document_key ON record (document_key) WHERE document_key IS NOT NULL;
