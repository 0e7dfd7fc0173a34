//! The correction table: a void or an amendment of an earlier event, with its reason; the
//! target stays.

use kadian_domain::records;
use kadian_domain::records::{Correction, RecordKind, Source};
use rusqlite::{params, Transaction};

use super::error::{Result, StoreError};
use super::outbox::enqueue;
use super::{table_of, ts, Store};
use crate::Recorded;

/// The table of an event kind that can be corrected.
pub(crate) fn correctable_table(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Passage | RecordKind::TemperatureReading | RecordKind::TravelDeclaration => {
            Some(table_of(kind))
        }
        RecordKind::Person
        | RecordKind::Correction
        | RecordKind::Volunteer
        | RecordKind::ObservationCase
        | RecordKind::FollowUpVisit
        | RecordKind::CaseTransition
        | RecordKind::Referral
        | RecordKind::Household
        | RecordKind::Screening
        | RecordKind::KeyArea
        | RecordKind::KeyAreaChange
        | RecordKind::HouseholdVisit
        | RecordKind::PersonLink
        | RecordKind::HotlineReport
        | RecordKind::ReportAction
        | RecordKind::DisinfectionSite
        | RecordKind::Disinfection
        | RecordKind::StockMovement
        | RecordKind::Donation
        | RecordKind::ShiftEvent => None,
    }
}

pub(crate) fn insert_correction(
    tx: &Transaction<'_>,
    c: &Correction,
    table: &str,
    source: Source,
) -> Result<usize> {
    records::check_correction(c).map_err(StoreError::Invalid)?;
    if source == Source::User {
        let found: bool = tx.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
            [c.target_id.to_string()],
            |r| r.get(0),
        )?;
        if !found {
            return Err(StoreError::NotFound {
                kind: c.target_kind.as_str(),
                id: c.target_id.to_string(),
            });
        }
    }
    let action = match c.action {
        kadian_domain::records::CorrectionAction::Void => "void",
        kadian_domain::records::CorrectionAction::Amend => "amend",
    };
    tx.prepare_cached(
        "INSERT INTO correction (id, target_kind, target_id, action, replacement_id, reason,
                at_utc, offset_minutes, recorded_by, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        c.id.to_string(),
        c.target_kind.as_str(),
        c.target_id.to_string(),
        action,
        c.replacement_id.map(|u| u.to_string()),
        c.reason.trim(),
        ts(c.at.utc),
        c.at.offset_minutes,
        c.recorded_by,
        source.as_str(),
    ])?;
    enqueue(tx, RecordKind::Correction, c.id, "create", None, c, source)
}

impl Store {
    /// Voids or amends an earlier event with a reason: a new correction event; the target stays.
    ///
    /// Errors: [`StoreError::Invalid`] for an empty reason or a target kind that is not an
    /// event; [`StoreError::NotFound`] when the target does not exist here.
    pub fn record_correction(&mut self, c: &Correction, source: Source) -> Result<Recorded> {
        // The kind's rule names what is wrong (`reason_missing`, `not_correctable`, ...).
        records::check_correction(c).map_err(StoreError::Invalid)?;
        let Some(table) = correctable_table(c.target_kind) else {
            return Err(StoreError::EventImmutable);
        };
        self.write(|tx| {
            let outbox_rows = insert_correction(tx, c, table, source)?;
            Ok(Recorded {
                ids: vec![c.id],
                outbox_rows,
            })
        })
    }
}
