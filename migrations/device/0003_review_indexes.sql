-- Kadian device store, schema 3: what the review desk (laptops) and the gate's re-measure need.

-- Passages, readings and travel declarations of a date range at every checkpoint in scope.
CREATE INDEX passage_at ON passage (at_utc);
CREATE INDEX reading_at ON temperature_reading (at_utc);
CREATE INDEX travel_declared_at ON travel_declaration (declared_at_utc);
-- The re-measures of a reading.
CREATE INDEX reading_remeasure_of ON temperature_reading (remeasure_of);
