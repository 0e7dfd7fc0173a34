//! The passage table: a registration at the gate (passage, reading, travel declaration) stored
//! with its outbox rows in one transaction; today's passages at a checkpoint, who is inside now,
//! a range and a person's passages.

use chrono::{DateTime, NaiveDate, Utc};
use kadian_domain::records;
use kadian_domain::records::{
    Direction, ObservationCase, Passage, RecordKind, Referral, Source, TemperatureReading,
    TravelDeclaration,
};
use rusqlite::{params, Row, Transaction};
use serde::Serialize;
use uuid::Uuid;

use super::error::{Result, StoreError};
use super::observation::open_case_once_tx;
use super::outbox::enqueue;
use super::persons::{
    SQL_BY_DOCUMENT_SUFFIX, SQL_BY_INITIALS, SQL_BY_NAME_PREFIX, SQL_BY_PHONE_SUFFIX,
    SQL_BY_PINYIN, SQL_BY_PLATE,
};
use super::readings::insert_reading;
use super::referrals::raise_referral_once_tx;
use super::search_keys::prefix_upper;
use super::travels::insert_travel;
use super::{parse_utc, ts, Store};

/// A registration at the gate: the passage, and the reading and travel declaration taken with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageRegistration {
    /// The passage.
    pub passage: Passage,
    /// The temperature reading taken at it, if any.
    pub reading: Option<TemperatureReading>,
    /// The travel declaration made at it, if any.
    pub travel: Option<TravelDeclaration>,
}

/// What a registration stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// Ids written, in order.
    pub ids: Vec<Uuid>,
    /// Outbox rows written.
    pub outbox_rows: usize,
}

/// One passage as the gate's "today" list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageRow {
    /// Passage id.
    pub id: Uuid,
    /// In or out.
    pub direction: Direction,
    /// When (UTC).
    pub at_utc: DateTime<Utc>,
    /// The person's id, if registered.
    pub person_id: Option<Uuid>,
    /// The person's or walk-in's name.
    pub name: String,
    /// Vehicle plate.
    pub plate: Option<String>,
    /// Companions.
    pub companions: i64,
    /// Latest reading at this passage, tenths of °C.
    pub celsius_tenths: Option<i64>,
    /// The first reading at this passage (not a re-measure), tenths of °C.
    pub first_celsius_tenths: Option<i64>,
    /// How many readings were taken at this passage (a re-measure makes two).
    pub readings: i64,
    /// Any reading at this passage was a fever.
    pub fever: bool,
    /// Voided by a correction.
    pub voided: bool,
    /// The checkpoint.
    pub checkpoint_id: String,
    /// The first reading at this passage (not a re-measure), if any.
    pub reading_id: Option<Uuid>,
    /// Who registered it (the volunteer's id).
    pub recorded_by: String,
    /// Purpose (事由), as typed. In passages made before the destination had a field of its own,
    /// the destination is in here, labelled 「去往 …」.
    pub purpose: Option<String>,
    /// Where a visitor was going (去往), as typed.
    pub destination: Option<String>,
}

/// Someone whose last passage (not voided) was in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresentPerson {
    /// Person id.
    pub person_id: Uuid,
    /// Name.
    pub name: String,
    /// When they came in (UTC).
    pub since_utc: DateTime<Utc>,
    /// At which checkpoint.
    pub checkpoint_id: String,
}

/// `SELECT <the passage columns passage_from_row reads>` followed by the rest. The latest reading
/// is the newest; a re-measure taken in the same millisecond as its first reading wins the tie.
macro_rules! select_passage {
    ($rest:literal) => {
        concat!(
            "SELECT p.id, p.direction, p.at_utc, p.person_id,
        coalesce(pe.name, p.walk_in_name, ''), p.plate, p.companions,
        (SELECT r.celsius_tenths FROM temperature_reading r WHERE r.passage_id = p.id
          ORDER BY r.at_utc DESC, r.remeasure_of IS NULL, r.id DESC LIMIT 1),
        coalesce((SELECT max(r.fever) FROM temperature_reading r WHERE r.passage_id = p.id), 0),
        EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id AND c.action = 'void'),
        p.checkpoint_id,
        (SELECT r.id FROM temperature_reading r WHERE r.passage_id = p.id AND r.remeasure_of IS NULL
          ORDER BY r.at_utc LIMIT 1),
        p.recorded_by, p.purpose,
        (SELECT r.celsius_tenths FROM temperature_reading r WHERE r.passage_id = p.id
          AND r.remeasure_of IS NULL ORDER BY r.at_utc LIMIT 1),
        (SELECT count(*) FROM temperature_reading r WHERE r.passage_id = p.id),
        p.destination
    FROM passage p LEFT JOIN person pe ON pe.id = p.person_id ",
            $rest
        )
    };
}

pub(crate) const SQL_PASSAGES_BETWEEN: &str = select_passage!(
    "WHERE p.checkpoint_id = ?1 AND p.at_utc >= ?2 AND p.at_utc < ?3 ORDER BY p.at_utc DESC"
);

pub(crate) const SQL_PASSAGES_RANGE: &str =
    select_passage!("WHERE p.at_utc >= ?1 AND p.at_utc < ?2 ORDER BY p.at_utc DESC LIMIT ?3");

pub(crate) const SQL_PASSAGES_OF_PERSON: &str =
    select_passage!("WHERE p.person_id = ?1 ORDER BY p.at_utc DESC LIMIT ?2");

pub(crate) const SQL_INSIDE_NOW: &str = "SELECT pe.id, pe.name, p.at_utc, p.checkpoint_id
    FROM passage p JOIN person pe ON pe.id = p.person_id
    WHERE p.direction = 'in'
      AND NOT EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id AND c.action = 'void')
      AND p.at_utc = (SELECT max(q.at_utc) FROM passage q
                      WHERE q.person_id = p.person_id
                        AND NOT EXISTS (SELECT 1 FROM correction c2
                                        WHERE c2.target_id = q.id AND c2.action = 'void'))
    ORDER BY p.at_utc DESC";

pub(crate) fn passage_from_row(r: &Row<'_>) -> rusqlite::Result<PassageRow> {
    let direction: String = r.get(1)?;
    let uuid = |s: Option<String>| s.and_then(|s| Uuid::parse_str(&s).ok());
    Ok(PassageRow {
        id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
        direction: if direction == "in" {
            Direction::In
        } else {
            Direction::Out
        },
        at_utc: parse_utc(&r.get::<_, String>(2)?),
        person_id: uuid(r.get(3)?),
        name: r.get(4)?,
        plate: r.get(5)?,
        companions: r.get(6)?,
        celsius_tenths: r.get(7)?,
        fever: r.get(8)?,
        voided: r.get(9)?,
        checkpoint_id: r.get(10)?,
        reading_id: uuid(r.get(11)?),
        recorded_by: r.get(12)?,
        purpose: r.get(13)?,
        first_celsius_tenths: r.get(14)?,
        readings: r.get(15)?,
        destination: r.get(16)?,
    })
}

pub(crate) fn insert_passage(tx: &Transaction<'_>, p: &Passage, source: Source) -> Result<usize> {
    records::check_passage(p).map_err(StoreError::Invalid)?;
    if source == Source::User {
        if let Some(person) = p.person_id {
            let known: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM person WHERE id = ?1)")?
                .query_row([person.to_string()], |r| r.get(0))?;
            if !known {
                return Err(StoreError::NotFound {
                    kind: RecordKind::Person.as_str(),
                    id: person.to_string(),
                });
            }
        }
    }
    // A passage with no destination is written in the columns every schema since 1 has: the
    // rows an older app left unsynced, and those written before an upgrade (the upgrade tests
    // write at each schema), are the same rows.
    let sql = if p.destination.is_some() {
        "INSERT INTO passage (id, checkpoint_id, direction, at_utc, offset_minutes, person_id,
                              walk_in_name, plate, companions, purpose, recorded_by, source,
                              destination)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    } else {
        "INSERT INTO passage (id, checkpoint_id, direction, at_utc, offset_minutes, person_id,
                              walk_in_name, plate, companions, purpose, recorded_by, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    };
    let mut stmt = tx.prepare_cached(sql)?;
    let common = params![
        p.id.to_string(),
        p.checkpoint_id,
        p.direction.as_str(),
        ts(p.at.utc),
        p.at.offset_minutes,
        p.person_id.map(|u| u.to_string()),
        p.walk_in_name,
        p.plate,
        p.companions,
        p.purpose,
        p.recorded_by,
        source.as_str(),
    ];
    match &p.destination {
        Some(d) => {
            let mut all: Vec<&dyn rusqlite::ToSql> = common.to_vec();
            all.push(d);
            stmt.execute(all.as_slice())?
        }
        None => stmt.execute(common)?,
    };
    enqueue(tx, RecordKind::Passage, p.id, "create", None, p, source)
}

impl Store {
    /// The persons registered going out between `from` and `to` (UTC, RFC 3339, `to`
    /// excluded), voided passages left out: one query for a whole list.
    pub fn people_out_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<std::collections::HashSet<String>> {
        let ids = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT p.person_id FROM passage p
                 WHERE p.person_id IS NOT NULL AND p.direction = 'out'
                   AND p.at_utc >= ?1 AND p.at_utc < ?2
                   AND NOT EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id AND c.action = 'void')",
            )?
            .query_map(params![from, to], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// Whether the person went out through a gate between `from` and `to` (UTC, RFC 3339): a
    /// passage `out` that was not voided (the laptop flags a person under observation).
    pub fn went_out_between(&self, person_id: &str, from: &str, to: &str) -> Result<bool> {
        Ok(self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM passage p WHERE p.person_id = ?1 AND p.direction = 'out'
                 AND p.at_utc >= ?2 AND p.at_utc < ?3
                 AND NOT EXISTS (SELECT 1 FROM correction c WHERE c.target_id = p.id AND c.action = 'void'))",
        )?
        .query_row(params![person_id, from, to], |r| r.get(0))?)
    }

    /// Stores a registration at the gate (passage, optional reading, optional travel
    /// declaration) with one outbox row each, in one transaction. Returns once it is durable.
    ///
    /// Errors: [`StoreError::Invalid`] (no person and no name), [`StoreError::DiskFull`],
    /// foreign-key errors for an unknown person; nothing is written on error.
    pub fn record_passage(
        &mut self,
        reg: &PassageRegistration,
        source: Source,
    ) -> Result<Recorded> {
        self.record_registration(reg, None, None, source)
    }

    /// [`Store::record_passage`], and in the same transaction the home-observation case its
    /// travel declaration opens by the street's setting, and the referral its fever raises for a
    /// person under observation (each stored unless this device holds it already; its id is then
    /// not among those returned).
    pub fn record_registration(
        &mut self,
        reg: &PassageRegistration,
        case: Option<&ObservationCase>,
        referral: Option<&Referral>,
        source: Source,
    ) -> Result<Recorded> {
        self.write(|tx| {
            let mut ids = vec![reg.passage.id];
            let mut outbox_rows = insert_passage(tx, &reg.passage, source)?;
            if let Some(r) = &reg.reading {
                ids.push(r.id);
                outbox_rows += insert_reading(tx, r, source)?;
            }
            if let Some(t) = &reg.travel {
                ids.push(t.id);
                outbox_rows += insert_travel(tx, t, source)?;
            }
            if let Some(c) = case {
                let rows = open_case_once_tx(tx, c, source)?;
                if rows > 0 {
                    ids.push(c.id);
                }
                outbox_rows += rows;
            }
            if let Some(r) = referral {
                let rows = raise_referral_once_tx(tx, r, source)?;
                if rows > 0 {
                    ids.push(r.id);
                }
                outbox_rows += rows;
            }
            Ok(Recorded { ids, outbox_rows })
        })
    }

    /// Stores many registrations in one transaction (imported gate logs, benchmarks): all or
    /// nothing.
    pub fn record_passages(
        &mut self,
        regs: &[PassageRegistration],
        source: Source,
    ) -> Result<usize> {
        self.write(|tx| {
            let mut rows = 0;
            for reg in regs {
                rows += insert_passage(tx, &reg.passage, source)?;
                if let Some(r) = &reg.reading {
                    rows += insert_reading(tx, r, source)?;
                }
                if let Some(t) = &reg.travel {
                    rows += insert_travel(tx, t, source)?;
                }
            }
            Ok(rows)
        })
    }

    /// Passages at a checkpoint between two instants (`from` inclusive, `to` exclusive), newest
    /// first, voided ones flagged. For "today" pass the local day's bounds in UTC.
    pub fn passages_between(
        &self,
        checkpoint_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PassageRow>> {
        let mut stmt = self.conn.prepare_cached(SQL_PASSAGES_BETWEEN)?;
        let rows = stmt
            .query_map(
                params![checkpoint_id, super::ts(from), super::ts(to)],
                passage_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Passages at a checkpoint on a local calendar day, given the UTC offset in minutes
    /// (China: 480).
    pub fn passages_on_day(
        &self,
        checkpoint_id: &str,
        day: NaiveDate,
        offset_minutes: i32,
    ) -> Result<Vec<PassageRow>> {
        let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            - chrono::Duration::minutes(i64::from(offset_minutes));
        self.passages_between(checkpoint_id, start, start + chrono::Duration::days(1))
    }

    /// People whose last passage that was not voided is an entry: who is inside now.
    pub fn inside_now(&self) -> Result<Vec<PresentPerson>> {
        let mut stmt = self.conn.prepare_cached(SQL_INSIDE_NOW)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PresentPerson {
                    person_id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    name: r.get(1)?,
                    since_utc: parse_utc(&r.get::<_, String>(2)?),
                    checkpoint_id: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The query plan of every lookup the gate runs, by name, with sample parameters: each
    /// must use an index (a test checks it).
    pub fn gate_query_plans(&self) -> Result<Vec<(&'static str, Vec<String>)>> {
        let lo = "4321".to_owned();
        let hi = prefix_upper(&lo);
        let n = 20i64;
        let mut out = Vec::new();
        for (name, sql) in [
            ("id_suffix", SQL_BY_DOCUMENT_SUFFIX),
            ("phone_suffix", SQL_BY_PHONE_SUFFIX),
            ("name_prefix", SQL_BY_NAME_PREFIX),
            ("pinyin_initials", SQL_BY_INITIALS),
            ("pinyin_full", SQL_BY_PINYIN),
            ("plate", SQL_BY_PLATE),
        ] {
            out.push((name, self.explain(sql, &[&lo, &hi, &n])?));
        }
        out.push((
            "passages_today",
            self.explain(SQL_PASSAGES_BETWEEN, &[&"cp", &lo, &hi])?,
        ));
        Ok(out)
    }

    /// Passages at every checkpoint on this device between two instants, newest first, at most
    /// `limit`.
    pub fn passages_in_range(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PassageRow>> {
        Ok(self
            .conn
            .prepare_cached(SQL_PASSAGES_RANGE)?
            .query_map(
                params![super::ts(from), super::ts(to), limit as i64],
                passage_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A person's passages, newest first, at most `limit`.
    pub fn passages_of_person(&self, id: Uuid, limit: usize) -> Result<Vec<PassageRow>> {
        Ok(self
            .conn
            .prepare_cached(SQL_PASSAGES_OF_PERSON)?
            .query_map(params![id.to_string(), limit as i64], passage_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
