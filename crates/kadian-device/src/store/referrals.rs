//! The referral table (转诊 to the street's emergency response group): entities with a version,
//! written with their outbox row in the same transaction; a visit or a gate reading that raises
//! one is stored with it, and a change of the case's status that goes with it too.

use kadian_domain::records::{self, CaseTransition, FollowUpVisit, RecordKind, Referral, Source};
use rusqlite::{params, OptionalExtension, Transaction};

use super::error::{Result, StoreError};
use super::observation::{insert_transition_tx, insert_visit_tx, require_case};
use super::outbox::enqueue_entity;
use super::{ts, Store};
use crate::Recorded;

/// The version held of a referral, if it is held.
pub(crate) fn held_referral_version(tx: &Transaction<'_>, id: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row("SELECT version FROM referral WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Writes a referral: a new one (`create`) or a change of one held here (`update`, on the
/// version held). Pulled ones (`Source::Sync`) take the server's version and queue nothing.
pub(crate) fn upsert_referral_tx(
    tx: &Transaction<'_>,
    r: &Referral,
    source: Source,
    version: Option<i64>,
) -> Result<usize> {
    records::check_referral(r).map_err(StoreError::Invalid)?;
    let id = r.id.to_string();
    let held = held_referral_version(tx, &id)?;
    tx.prepare_cached(
        "INSERT INTO referral (id, person_id, case_id, compound, opened_utc, body, version, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET person_id = excluded.person_id, case_id = excluded.case_id,
             compound = excluded.compound, opened_utc = excluded.opened_utc, body = excluded.body,
             version = excluded.version",
    )?
    .execute(params![
        id,
        r.person_id.to_string(),
        r.case_id.map(|c| c.to_string()),
        r.compound,
        ts(r.opened_at.utc),
        serde_json::to_string(r)?,
        version.unwrap_or_else(|| held.unwrap_or(0)),
        source.as_str(),
    ])?;
    enqueue_entity(tx, RecordKind::Referral, r.id, held, r, source)
}

/// Raises a referral unless this device holds it already (its id comes from its source: one
/// per visit or reading). Returns the outbox rows written.
pub(crate) fn raise_referral_once_tx(
    tx: &Transaction<'_>,
    r: &Referral,
    source: Source,
) -> Result<usize> {
    if held_referral_version(tx, &r.id.to_string())?.is_some() {
        return Ok(0);
    }
    upsert_referral_tx(tx, r, source, None)
}

impl Store {
    /// Records a visit, and with it the referral it raises and the case's change of status
    /// (referred) that goes with it, in one transaction. Errors: `NotFound` for a case not held
    /// here; each record's rules (nothing is written then).
    pub fn record_visit_with_referral(
        &mut self,
        v: &FollowUpVisit,
        referral: Option<&Referral>,
        refer: Option<&CaseTransition>,
        source: Source,
    ) -> Result<Recorded> {
        self.write(|tx| {
            require_case(tx, v.case_id)?;
            let mut ids = vec![v.id];
            let mut rows = insert_visit_tx(tx, v, source)?;
            if let Some(r) = referral {
                let n = raise_referral_once_tx(tx, r, source)?;
                if n > 0 {
                    ids.push(r.id);
                }
                rows += n;
            }
            if let Some(t) = refer {
                ids.push(t.id);
                rows += insert_transition_tx(tx, t, source)?;
            }
            Ok(Recorded {
                ids,
                outbox_rows: rows,
            })
        })
    }

    /// Saves a change of a referral (taken, disposed) and the case's change of status that goes
    /// with it, in one transaction. Errors: the referral's and the transition's rules.
    pub fn save_referral(
        &mut self,
        r: &Referral,
        then: Option<&CaseTransition>,
        source: Source,
    ) -> Result<Recorded> {
        self.write(|tx| {
            let mut rows = upsert_referral_tx(tx, r, source, None)?;
            let mut ids = vec![r.id];
            if let Some(t) = then {
                ids.push(t.id);
                rows += insert_transition_tx(tx, t, source)?;
            }
            Ok(Recorded {
                ids,
                outbox_rows: rows,
            })
        })
    }

    /// Every referral held here with its version, the newest raised first.
    pub fn referrals(&self) -> Result<Vec<(Referral, i64)>> {
        let rows: Vec<(String, i64)> = self
            .conn
            .prepare_cached("SELECT body, version FROM referral ORDER BY opened_utc DESC, id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(body, v)| Ok((serde_json::from_str(&body)?, v)))
            .collect()
    }

    /// One referral held here, with its version.
    pub fn referral(&self, id: &str) -> Result<Option<(Referral, i64)>> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT body, version FROM referral WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(body, v)| Ok((serde_json::from_str(&body)?, v)))
            .transpose()
    }
}
