//! The temperature_reading table: readings with a passage or alone (a re-measure), and the
//! review desk's reading lists.

use chrono::{DateTime, Utc};
use kadian_domain::records;
use kadian_domain::records::{RecordKind, Source, TemperatureReading};
use rusqlite::{params, OptionalExtension, Transaction};
use uuid::Uuid;

use super::error::{Result, StoreError};
use super::outbox::enqueue;
use super::{parse_utc, ts, uuid_opt, Store};
use crate::Recorded;

/// What a re-measure links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadingLinks {
    /// The first reading (not a re-measure).
    pub first: Uuid,
    /// Its passage.
    pub passage: Option<Uuid>,
    /// Its person.
    pub person: Option<Uuid>,
}

/// A reading as the lists read it from the store.
pub(crate) struct ReadingRow {
    pub(crate) id: String,
    pub(crate) at: DateTime<Utc>,
    pub(crate) person_id: Option<String>,
    pub(crate) name: String,
    pub(crate) tenths: i64,
    pub(crate) fever: bool,
    pub(crate) remeasure_of: Option<String>,
    pub(crate) checkpoint_id: String,
    pub(crate) recorded_by: String,
    /// Voided, itself or with its passage.
    pub(crate) voided: bool,
}

const SQL_READINGS: &str =
    "SELECT r.id, r.at_utc, r.person_id, coalesce(pe.name, p.walk_in_name, ''),
        r.celsius_tenths, r.fever, r.remeasure_of, r.checkpoint_id, r.recorded_by,
        EXISTS (SELECT 1 FROM correction c WHERE c.action = 'void'
                AND (c.target_id = r.id OR c.target_id = r.passage_id))
    FROM temperature_reading r
    LEFT JOIN person pe ON pe.id = r.person_id
    LEFT JOIN passage p ON p.id = r.passage_id";

pub(crate) fn insert_reading(
    tx: &Transaction<'_>,
    r: &TemperatureReading,
    source: Source,
) -> Result<usize> {
    records::check_reading(r).map_err(StoreError::Invalid)?;
    tx.prepare_cached(
        "INSERT INTO temperature_reading (id, passage_id, person_id, checkpoint_id, at_utc,
                 offset_minutes, celsius_tenths, fever, remeasure_of, recorded_by, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        r.id.to_string(),
        r.passage_id.map(|u| u.to_string()),
        r.person_id.map(|u| u.to_string()),
        r.checkpoint_id,
        ts(r.at.utc),
        r.at.offset_minutes,
        r.celsius.tenths(),
        r.fever,
        r.remeasure_of.map(|u| u.to_string()),
        r.recorded_by,
        source.as_str(),
    ])?;
    enqueue(
        tx,
        RecordKind::TemperatureReading,
        r.id,
        "create",
        None,
        r,
        source,
    )
}

impl Store {
    /// Stores a temperature reading on its own (a re-measure, a reading without a passage).
    pub fn record_reading(&mut self, r: &TemperatureReading, source: Source) -> Result<Recorded> {
        self.write(|tx| {
            let outbox_rows = insert_reading(tx, r, source)?;
            Ok(Recorded {
                ids: vec![r.id],
                outbox_rows,
            })
        })
    }

    /// The reading a re-measure refers to: the first reading (a re-measure of a re-measure
    /// refers to the same first one), with its passage and person.
    pub fn reading_links(&self, id: Uuid) -> Result<Option<ReadingLinks>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, passage_id, person_id, remeasure_of FROM temperature_reading WHERE id = ?1",
            )?
            .query_row([id.to_string()], |r| {
                let id: String = r.get(0)?;
                Ok(ReadingLinks {
                    first: uuid_opt(r.get(3)?)
                        .or_else(|| Uuid::parse_str(&id).ok())
                        .unwrap_or_default(),
                    passage: uuid_opt(r.get(1)?),
                    person: uuid_opt(r.get(2)?),
                })
            })
            .optional()?)
    }

    /// Readings between two instants, newest first, at most `limit`.
    pub(crate) fn readings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<ReadingRow>> {
        let (f, t, n) = (super::ts(from), super::ts(to), limit as i64);
        self.readings_where(
            "WHERE r.at_utc >= ?1 AND r.at_utc < ?2 ORDER BY r.at_utc DESC LIMIT ?3",
            &[&f, &t, &n],
        )
    }

    /// A person's readings, newest first.
    pub(crate) fn readings_of_person(&self, id: Uuid) -> Result<Vec<ReadingRow>> {
        self.readings_where(
            "WHERE r.person_id = ?1 ORDER BY r.at_utc DESC",
            &[&id.to_string()],
        )
    }

    fn readings_where(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<ReadingRow>> {
        let sql = format!("{SQL_READINGS} {clause}");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(args, |r| {
                Ok(ReadingRow {
                    id: r.get(0)?,
                    at: parse_utc(&r.get::<_, String>(1)?),
                    person_id: r.get(2)?,
                    name: r.get(3)?,
                    tenths: r.get(4)?,
                    fever: r.get(5)?,
                    remeasure_of: r.get(6)?,
                    checkpoint_id: r.get(7)?,
                    recorded_by: r.get(8)?,
                    voided: r.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
