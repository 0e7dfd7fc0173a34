-- Kadian device store, schema 10: the dashboard (概况) reads 14 days of a street's passages and
-- readings across every checkpoint (300,000 of each).
--
-- `passage_at` now carries the columns the counts read, so a range is read from the index alone,
-- in time order: through the old index every passage was then looked up in its table by id, a
-- page read (and decrypted) per row. It replaces the index it extends (the desk's date ranges use
-- it the same way), so a registration at the gate writes no more index entries than before.
DROP INDEX passage_at;
CREATE INDEX passage_at ON passage (at_utc, checkpoint_id, direction, plate, id);

-- Of the readings, only fevers and re-measures (and the readings re-measured) can count: a first
-- reading below the threshold counts nowhere. This partial index holds the readings at 37.0 °C or
-- above and the re-measures, with what the counts read: a street's 300,000 normal readings are
-- never touched. (37.0 °C: any fever threshold a street sets from 37.0 up is served by it.)
CREATE INDEX reading_counted ON temperature_reading
    (at_utc, checkpoint_id, celsius_tenths, remeasure_of, passage_id, id)
    WHERE celsius_tenths >= 370 OR remeasure_of IS NOT NULL;
