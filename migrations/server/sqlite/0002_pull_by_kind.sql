-- Schema 2: a compound's pull reads its compound's records and its community's own record in two
-- index range scans merged by seq. With one OR-ed query the planner read every remaining record
-- of the compound on every page: pulling N records cost O(N²).
CREATE INDEX record_kind_seq ON record (kind, seq);
