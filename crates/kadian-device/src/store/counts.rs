//! What the dashboard's counts read: a range of days' passages and readings across every
//! checkpoint held here, every travel declaration with where its person lives, the corrected
//! records and the days a visit noted symptoms. Columns only, no JSON bodies (a street laptop
//! reads 300,000 passages for its 14-day trend: a range scan of `passage_at` and `reading_at`).
//! Places are ids here; the area places them.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::error::Result;
use super::{parse_utc, ts, uuid_opt, Store};

/// A passage as the counts read it.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedPassage {
    /// Passage id.
    pub id: Uuid,
    /// Its checkpoint.
    pub checkpoint_id: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// In (进), else out.
    pub inward: bool,
    /// Plate, if recorded.
    pub plate: Option<String>,
}

/// A temperature reading as the counts read it.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedReading {
    /// Reading id.
    pub id: Uuid,
    /// Its checkpoint.
    pub checkpoint_id: String,
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
    /// Passages between two instants (`from` inclusive, `to` exclusive), every checkpoint.
    pub fn gate_rows(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<CountedPassage>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, checkpoint_id, at_utc, direction, plate FROM passage
             WHERE at_utc >= ?1 AND at_utc < ?2",
        )?;
        let rows = stmt
            .query_map([ts(from), ts(to)], |r| {
                Ok(CountedPassage {
                    id: uuid_opt(r.get(0)?).unwrap_or_default(),
                    checkpoint_id: r.get(1)?,
                    at: parse_utc(&r.get::<_, String>(2)?),
                    inward: r.get::<_, String>(3)? == "in",
                    plate: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Temperature readings between two instants, every checkpoint.
    pub fn reading_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CountedReading>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, checkpoint_id, at_utc, celsius_tenths, remeasure_of, passage_id
             FROM temperature_reading WHERE at_utc >= ?1 AND at_utc < ?2",
        )?;
        let rows = stmt
            .query_map([ts(from), ts(to)], |r| {
                Ok(CountedReading {
                    id: uuid_opt(r.get(0)?).unwrap_or_default(),
                    checkpoint_id: r.get(1)?,
                    at: parse_utc(&r.get::<_, String>(2)?),
                    celsius_tenths: r.get(3)?,
                    remeasure_of: uuid_opt(r.get(4)?),
                    passage_id: uuid_opt(r.get(5)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
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
