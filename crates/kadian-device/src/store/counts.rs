//! What the dashboard's counts read: a range of days' passages and readings across every
//! checkpoint held here, every travel declaration with where its person lives, the corrected
//! records and the days a visit noted symptoms. Columns only, no JSON bodies (a street laptop
//! reads 300,000 passages for its 14-day trend: a range scan of `passage_at` and `reading_at`).
//! Places are ids here; the area places them.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::error::Result;
use super::{parse_utc, ts, uuid_opt, Store};

/// The passages of a time range, read from the `passage_at` index alone (it carries every
/// column named), in its order.
pub const SQL_COUNTED_PASSAGES: &str =
    "SELECT id, checkpoint_id, at_utc, direction, plate FROM passage
     WHERE at_utc >= ?1 AND at_utc < ?2 ORDER BY at_utc";

/// The lowest fever threshold (tenths of °C) the `reading_counted` index serves: 37.0 °C.
pub const COUNTED_FROM_TENTHS: i16 = 370;

/// The readings of a time range at or above 37.0 °C and the re-measures, from the
/// `reading_counted` partial index alone (its condition is repeated word for word: SQLite uses a
/// partial index only for a query that states it).
pub const SQL_COUNTED_READINGS: &str =
    "SELECT id, checkpoint_id, at_utc, celsius_tenths, remeasure_of, passage_id
     FROM temperature_reading
     WHERE at_utc >= ?1 AND at_utc < ?2
       AND (celsius_tenths >= 370 OR remeasure_of IS NOT NULL)
     ORDER BY at_utc";

/// The readings re-measured in a time range (whatever their temperature): looked up by id.
pub const SQL_REMEASURED_READINGS: &str =
    "SELECT id, checkpoint_id, at_utc, celsius_tenths, remeasure_of, passage_id
     FROM temperature_reading
     WHERE id IN (SELECT remeasure_of FROM temperature_reading
                  WHERE at_utc >= ?1 AND at_utc < ?2
                    AND (celsius_tenths >= 370 OR remeasure_of IS NOT NULL)
                    AND remeasure_of IS NOT NULL)";

/// Every reading of a time range (a fever threshold below 37.0 °C: the partial index does not
/// serve it).
const SQL_ALL_READINGS: &str =
    "SELECT id, checkpoint_id, at_utc, celsius_tenths, remeasure_of, passage_id
     FROM temperature_reading WHERE at_utc >= ?1 AND at_utc < ?2 ORDER BY at_utc";

/// A reading row of the counted-readings queries.
fn counted_reading<'r>(r: &'r rusqlite::Row<'_>) -> rusqlite::Result<CountedReading<'r>> {
    Ok(CountedReading {
        id: uuid_ref(r, 0)?.unwrap_or_default(),
        checkpoint_id: text(r, 1)?,
        at: parse_utc(text(r, 2)?),
        celsius_tenths: r.get(3)?,
        remeasure_of: uuid_ref(r, 4)?,
        passage_id: uuid_ref(r, 5)?,
    })
}

/// A text column borrowed from the row (no copy), or none when NULL.
fn text_or_null<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A NOT NULL text column borrowed from the row.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    Ok(text_or_null(r, i)?.unwrap_or_default())
}

/// A UUID column read without copying it (a malformed one reads as none).
fn uuid_ref(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Uuid>> {
    Ok(text_or_null(r, i)?.and_then(|s| Uuid::parse_str(s).ok()))
}

/// A passage as the counts read it, borrowed from the row being read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountedPassage<'r> {
    /// Passage id.
    pub id: Uuid,
    /// Its checkpoint.
    pub checkpoint_id: &'r str,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// In (进), else out.
    pub inward: bool,
    /// Plate, if recorded.
    pub plate: Option<&'r str>,
}

/// A temperature reading as the counts read it, borrowed from the row being read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountedReading<'r> {
    /// Reading id.
    pub id: Uuid,
    /// Its checkpoint.
    pub checkpoint_id: &'r str,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Tenths of °C.
    pub celsius_tenths: i16,
    /// The first reading it re-measures.
    pub remeasure_of: Option<Uuid>,
    /// The passage it was taken at.
    pub passage_id: Option<Uuid>,
}

/// A travel declaration as the counts read it.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedArrival {
    /// Declaration id.
    pub id: Uuid,
    /// Its person, if registered.
    pub person_id: Option<Uuid>,
    /// The person's compound and community, when the person is held here.
    pub person_compound: Option<String>,
    /// The person's community code.
    pub person_community: Option<String>,
    /// The checkpoint of the passage it was declared at, if any.
    pub checkpoint_id: Option<String>,
    /// Arrival date (China), if given.
    pub to_date: Option<NaiveDate>,
    /// When declared (UTC).
    pub declared_at: DateTime<Utc>,
    /// A place of it has a Hubei division code (42…).
    pub hubei: bool,
}

impl Store {
    /// The passages out between two instants (`from` inclusive, `to` exclusive) of persons
    /// with an observation case held here, whatever its status: (passage id, person id, when,
    /// UTC). The count keeps those of active cases on their day (外出违规); voided ones are
    /// left to the count's corrections. A look-up of `passage_person_at` per case.
    pub fn outings_of_cases(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(Uuid, Uuid, DateTime<Utc>)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.person_id, p.at_utc FROM passage p
             WHERE p.person_id IN (SELECT person_id FROM observation_case)
               AND p.direction = 'out' AND p.at_utc >= ?1 AND p.at_utc < ?2",
        )?;
        let rows = stmt.query_map([ts(from), ts(to)], |r| {
            Ok((uuid_ref(r, 0)?, uuid_ref(r, 1)?, parse_utc(text(r, 2)?)))
        })?;
        let mut out = Vec::new();
        for row in rows {
            if let (Some(id), Some(person), at) = row? {
                out.push((id, person, at));
            }
        }
        Ok(out)
    }

    /// Passages between two instants (`from` inclusive, `to` exclusive), every checkpoint, in
    /// time order, each handed to `each` as it is read (nothing is kept here: a street's 14 days
    /// are 300,000 rows, read from the `passage_at` index alone).
    pub fn each_counted_passage(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        mut each: impl FnMut(CountedPassage<'_>),
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(SQL_COUNTED_PASSAGES)?;
        let mut rows = stmt.query([ts(from), ts(to)])?;
        while let Some(r) = rows.next()? {
            each(CountedPassage {
                id: uuid_ref(r, 0)?.unwrap_or_default(),
                checkpoint_id: text(r, 1)?,
                at: parse_utc(text(r, 2)?),
                inward: text(r, 3)? == "in",
                plate: text_or_null(r, 4)?,
            });
        }
        Ok(())
    }

    /// The temperature readings between two instants a count can use: those at or above
    /// `fever_tenths` (tenths of °C), the re-measures, and the readings they re-measure (a first
    /// reading below the threshold that nothing re-measures counts nowhere). Every checkpoint,
    /// each handed to `each` once, those of the range in time order, then the re-measured ones
    /// of the range not handed yet.
    pub fn each_counted_reading(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        fever_tenths: i16,
        mut each: impl FnMut(CountedReading<'_>),
    ) -> Result<()> {
        let read = counted_reading;
        let range = [ts(from), ts(to)];
        if fever_tenths < COUNTED_FROM_TENTHS {
            let mut stmt = self.conn.prepare_cached(SQL_ALL_READINGS)?;
            let mut rows = stmt.query(rusqlite::params![range[0], range[1]])?;
            while let Some(r) = rows.next()? {
                each(read(r)?);
            }
            return Ok(());
        }
        let mut handed = std::collections::HashSet::new();
        let mut stmt = self.conn.prepare_cached(SQL_COUNTED_READINGS)?;
        let mut rows = stmt.query(rusqlite::params![range[0], range[1]])?;
        while let Some(r) = rows.next()? {
            let reading = read(r)?;
            if reading.celsius_tenths >= fever_tenths || reading.remeasure_of.is_some() {
                handed.insert(reading.id);
                each(reading);
            }
        }
        let mut stmt = self.conn.prepare_cached(SQL_REMEASURED_READINGS)?;
        let mut rows = stmt.query(rusqlite::params![range[0], range[1]])?;
        while let Some(r) = rows.next()? {
            let reading = read(r)?;
            if handed.insert(reading.id) {
                each(reading);
            }
        }
        Ok(())
    }

    /// Every travel declaration held, with its person's place and its passage's checkpoint.
    pub fn arrival_rows(&self) -> Result<Vec<CountedArrival>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, t.person_id, p.compound, p.community_code, g.checkpoint_id, t.to_date,
                    t.declared_at_utc,
                    EXISTS (SELECT 1 FROM travel_place x
                            WHERE x.declaration_id = t.id AND x.division_code LIKE '42%')
             FROM travel_declaration t
             LEFT JOIN person p ON p.id = t.person_id
             LEFT JOIN passage g ON g.id = t.passage_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(CountedArrival {
                    id: uuid_opt(r.get(0)?).unwrap_or_default(),
                    person_id: uuid_opt(r.get(1)?),
                    person_compound: r.get(2)?,
                    person_community: r.get(3)?,
                    checkpoint_id: r.get(4)?,
                    to_date: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                    declared_at: parse_utc(&r.get::<_, String>(6)?),
                    hubei: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The ids of every record a correction voided or replaced.
    pub fn corrected_ids(&self) -> Result<Vec<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT target_id FROM correction")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .filter_map(|s| s.ok().and_then(|s| Uuid::parse_str(&s).ok()))
            .collect();
        Ok(ids)
    }

    /// (case id, China date) of every follow-up visit that noted a symptom.
    pub fn symptom_days(&self) -> Result<Vec<(Uuid, NaiveDate)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT case_id, date FROM follow_up_visit
             WHERE json_array_length(body, '$.symptoms') > 0",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .filter_map(|row| {
                let (case, date) = row.ok()?;
                Some((
                    Uuid::parse_str(&case).ok()?,
                    NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok()?,
                ))
            })
            .collect();
        Ok(rows)
    }
}
