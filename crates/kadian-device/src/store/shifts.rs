//! The shift_event table (签到, 交班): events, each written with its outbox row in the same
//! transaction. Shifts are their fold ([`kadian_domain::duty::shifts`]), made where they are
//! shown.

use chrono::{DateTime, Utc};
use kadian_domain::records::{self, RecordKind, ShiftEvent, Source};
use rusqlite::{params, Transaction};

use super::error::{Result, StoreError};
use super::outbox::enqueue;
use super::Store;

/// Stores a shift event once. Errors: its rules.
pub(crate) fn insert_shift_event_tx(
    tx: &Transaction<'_>,
    e: &ShiftEvent,
    source: Source,
) -> Result<usize> {
    records::check_shift_event(e).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO shift_event (id, checkpoint_id, at_utc, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            e.id.to_string(),
            e.checkpoint_id,
            super::ts(e.at.utc),
            serde_json::to_string(e)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    enqueue(tx, RecordKind::ShiftEvent, e.id, "create", None, e, source)
}

impl Store {
    /// Stores a shift event (a sign-in or a hand-over at this tablet). Errors: its rules.
    pub fn write_shift_event(&mut self, e: &ShiftEvent) -> Result<usize> {
        self.write(|tx| insert_shift_event_tx(tx, e, Source::User))
    }

    /// The shift events held here from `since` (UTC) on, by time: a shift that began before
    /// it and ended after is not among them (callers read a day or two more than they show).
    pub fn shift_events_since(&self, since: DateTime<Utc>) -> Result<Vec<ShiftEvent>> {
        self.bodies(
            "SELECT body FROM shift_event WHERE at_utc >= ?1 ORDER BY at_utc, id",
            [super::ts(since)],
        )
    }
}
