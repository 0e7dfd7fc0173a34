//! The outbox: one row per local change, written in the same transaction as the record, drained
//! by the sync engine in batches and marked only from the server's receipts.

use chrono::Utc;
use kadian_domain::records::{RecordKind, Source};
use kadian_domain::sync::{Receipt, ReceiptStatus};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::error::Result;
use super::{ts, Store};
use crate::RecordSyncState;
use crate::RejectedRecord;

/// Days after a server restore during which a correction refused `unknown_target` goes again
/// with the next round (the device that made its target may not have sent it again yet); outside
/// them it is a refusal for a person to look at. `storage_error` always goes again.
pub const RESENDING_DAYS: i64 = 7;

/// Device meta key: when this device last saw the server restored (a new generation).
pub(super) const META_RESTORED_AT: &str = "server_restored_at";

/// Days an acknowledged record is kept, to be sent again to a server restored from a backup.
pub const ACKNOWLEDGED_DAYS: i64 = 30;

/// One row of the outbox (待同步队列).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxEntry {
    /// Local sequence: the push order.
    pub seq: i64,
    /// Record kind (`passage`, `person`, ...).
    pub kind: String,
    /// The record's UUIDv7.
    pub record_id: String,
    /// `create` or `update`.
    pub op: String,
    /// The version an update was made on.
    pub base_version: Option<i64>,
    /// The record as JSON.
    pub body: String,
    /// SHA-256 of `body`, hex.
    pub hash: String,
    /// `pending`, `sent`, `rejected` or `conflict` (an acknowledged row leaves the outbox).
    pub state: String,
}

impl OutboxEntry {
    /// The row as the sync protocol pushes it.
    pub fn to_push_record(&self) -> kadian_domain::sync::PushRecord {
        kadian_domain::sync::PushRecord {
            kind: self.kind.clone(),
            id: self.record_id.clone(),
            op: self.op.clone(),
            base_version: self.base_version,
            hash: self.hash.clone(),
            body: serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Appends one outbox row for `record` (skipped for writes that came from sync).
/// The outbox row of an entity written here (a case, a referral, a household, a key area):
/// a `create` when this device did not hold it (`held` none), else an `update` on the server's
/// version held, where 0 (this device's create not acknowledged yet) becomes 1, the version
/// that create will be (as for a person).
pub(super) fn enqueue_entity<T: Serialize>(
    tx: &Transaction<'_>,
    kind: RecordKind,
    id: Uuid,
    held: Option<i64>,
    record: &T,
    source: Source,
) -> Result<usize> {
    match held {
        Some(v) => enqueue(tx, kind, id, "update", Some(v.max(1)), record, source),
        None => enqueue(tx, kind, id, "create", None, record, source),
    }
}

pub(super) fn enqueue<T: Serialize>(
    tx: &Transaction<'_>,
    kind: RecordKind,
    id: Uuid,
    op: &str,
    base_version: Option<i64>,
    record: &T,
    source: Source,
) -> Result<usize> {
    if source == Source::Sync {
        return Ok(0);
    }
    let body = serde_json::to_string(record)?;
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    let now = ts(Utc::now());
    tx.prepare_cached(
        "INSERT INTO outbox (kind, record_id, op, base_version, body, hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?
    .execute(params![
        kind.as_str(),
        id.to_string(),
        op,
        base_version,
        body,
        hash,
        now
    ])?;
    Ok(1)
}

fn row_to_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        seq: r.get(0)?,
        kind: r.get(1)?,
        record_id: r.get(2)?,
        op: r.get(3)?,
        base_version: r.get(4)?,
        body: r.get(5)?,
        hash: r.get(6)?,
        state: r.get(7)?,
    })
}

impl Store {
    /// Outbox rows in `state` (`pending`, ...), oldest first, at most `limit`.
    pub fn outbox(&self, state: &str, limit: usize) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, kind, record_id, op, base_version, body, hash, state
             FROM outbox WHERE state = ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(rusqlite::params![state, limit as i64], row_to_entry)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// When the oldest outbox row not yet acknowledged was made (this device's clock), if any:
    /// how long the backlog has waited.
    pub fn oldest_pending_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let at: Option<String> = self.conn.query_row(
            "SELECT min(created_at) FROM outbox WHERE state IN ('pending', 'sent')",
            [],
            |r| r.get(0),
        )?;
        Ok(at.as_deref().map(super::parse_utc))
    }

    /// Number of outbox rows not yet acknowledged (pending or sent).
    pub fn pending_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sent')",
            [],
            |r| r.get(0),
        )?)
    }

    /// Entries waiting for the server as people count them: a registration (the passage with
    /// its reading and travel declaration) is one, and so is a person, a lone reading, a
    /// re-measure of a passage already sent, a correction or a volunteer change. The outbox's own
    /// count is [`Store::pending_count`].
    pub fn pending_entries(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox o
             WHERE o.state IN ('pending', 'sent')
               AND NOT (o.kind = 'temperature_reading' AND EXISTS (
                     SELECT 1 FROM temperature_reading r JOIN outbox p
                       ON p.record_id = r.passage_id AND p.state IN ('pending', 'sent')
                     WHERE r.id = o.record_id))
               AND NOT (o.kind = 'travel_declaration' AND EXISTS (
                     SELECT 1 FROM travel_declaration t JOIN outbox p
                       ON p.record_id = t.passage_id AND p.state IN ('pending', 'sent')
                     WHERE t.id = o.record_id))",
            [],
            |r| r.get(0),
        )?)
    }

    /// Ids of records of `kind` with a change the server has not taken: waiting (pending,
    /// sent) or refused (rejected, listed in the sync bar's panel).
    pub fn unsent_ids(&self, kind: &str) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT record_id FROM outbox WHERE kind = ?1 AND state IN ('pending', 'sent', 'rejected')",
        )?;
        let ids = stmt
            .query_map([kind], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// The next rows to push: pending or sent (a sent row without a receipt goes again; the
    /// server answers `duplicate` if it already has it), oldest first.
    pub fn push_batch(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        self.push_batch_after(i64::MIN, limit)
    }

    /// Like [`Store::push_batch`], of the rows after `seq` only: a round pushes each row once,
    /// and a row that goes back to pending (the server could not store it this time) waits for
    /// the next round instead of heading every batch of this one.
    pub fn push_batch_after(&self, seq: i64, limit: usize) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, kind, record_id, op, base_version, body, hash, state FROM outbox
             WHERE state IN ('pending', 'sent') AND seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![seq, limit as i64], row_to_entry)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Marks rows as sent (before the request goes out).
    pub fn mark_sent(&mut self, seqs: &[i64]) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached("UPDATE outbox SET state = 'sent', updated_at = ?2 WHERE seq = ?1 AND state = 'pending'")?;
            let now = ts(Utc::now());
            for s in seqs {
                stmt.execute(params![s, now])?;
            }
            Ok(())
        })
    }

    /// Applies the server's receipts to the rows that were sent, in one transaction: an
    /// accepted, duplicate or conflict receipt removes the row (the record is acknowledged; a
    /// person or a volunteer takes the server's version); a rejected one keeps it with the reason (a transient
    /// `storage_error` goes back to pending). Rows without a receipt stay and go again.
    pub fn apply_receipts(&mut self, sent: &[OutboxEntry], receipts: &[Receipt]) -> Result<()> {
        let by_id: std::collections::HashMap<&str, &OutboxEntry> =
            sent.iter().map(|e| (e.record_id.as_str(), e)).collect();
        self.write(|tx| {
            let now = ts(Utc::now());
            // A correction's target may be missing only while the devices send again what a
            // restored server lost; later, `unknown_target` is a refusal like any other.
            let restored_lately = tx
                .query_row(
                    "SELECT value FROM device_meta WHERE key = ?1",
                    [META_RESTORED_AT],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .is_some_and(|at| at >= ts(Utc::now() - chrono::Duration::days(RESENDING_DAYS)));
            let retried = |code: &str| {
                code == "storage_error" || (code == "unknown_target" && restored_lately)
            };
            for (i, r) in receipts.iter().enumerate() {
                // Receipts come in the order of the records; the id confirms it (and finds the
                // row when a server answers out of order).
                let entry = match sent.get(i) {
                    Some(e) if e.record_id == r.id => e,
                    _ => match by_id.get(r.id.as_str()) {
                        Some(e) => e,
                        None => continue,
                    },
                };
                match r.status {
                    ReceiptStatus::Accepted | ReceiptStatus::Duplicate | ReceiptStatus::Conflict => {
                        // Kept as acknowledged: sent again if the server is restored from a
                        // backup that does not hold it.
                        tx.prepare_cached(
                            "INSERT INTO acknowledged (kind, record_id, op, base_version, body, hash, acked_at)
                             SELECT kind, record_id, op, base_version, body, hash, ?2 FROM outbox WHERE seq = ?1",
                        )?
                        .execute(params![entry.seq, now])?;
                        tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?.execute([entry.seq])?;
                        // An entity takes the server's version: its next change is based on it.
                        let kind = entry.kind.parse::<RecordKind>().ok();
                        if let (Some(v), Some(kind)) = (r.version, kind) {
                            match kind {
                                RecordKind::Person => {
                                    tx.prepare_cached("UPDATE person SET version = max(version, ?2) WHERE id = ?1")?
                                        .execute(params![entry.record_id, v])?;
                                }
                                RecordKind::Volunteer => {
                                    tx.prepare_cached(
                                        "UPDATE reference SET version = max(version, ?2) WHERE kind = 'volunteer' AND id = ?1",
                                    )?
                                    .execute(params![entry.record_id, v])?;
                                }
                                RecordKind::ObservationCase => {
                                    tx.prepare_cached("UPDATE observation_case SET version = max(version, ?2) WHERE id = ?1")?
                                        .execute(params![entry.record_id, v])?;
                                }
                                RecordKind::Referral => {
                                    tx.prepare_cached("UPDATE referral SET version = max(version, ?2) WHERE id = ?1")?
                                        .execute(params![entry.record_id, v])?;
                                }
                                RecordKind::Household => {
                                    tx.prepare_cached("UPDATE household SET version = max(version, ?2) WHERE id = ?1")?
                                        .execute(params![entry.record_id, v])?;
                                }
                                RecordKind::KeyArea => {
                                    tx.prepare_cached("UPDATE key_area SET version = max(version, ?2) WHERE id = ?1")?
                                        .execute(params![entry.record_id, v])?;
                                }
                                RecordKind::HotlineReport => {
                                    tx.prepare_cached("UPDATE hotline_report SET version = max(version, ?2) WHERE id = ?1")?
                                        .execute(params![entry.record_id, v])?;
                                }
                                RecordKind::DisinfectionSite => {
                                    tx.prepare_cached("UPDATE disinfection_site SET version = max(version, ?2) WHERE id = ?1")?
                                        .execute(params![entry.record_id, v])?;
                                }
                                RecordKind::Donation => {
                                    tx.prepare_cached("UPDATE donation SET version = max(version, ?2) WHERE id = ?1")?
                                        .execute(params![entry.record_id, v])?;
                                }
                                // Events have no version to follow.
                                RecordKind::Passage
                                | RecordKind::TemperatureReading
                                | RecordKind::TravelDeclaration
                                | RecordKind::Correction
                                | RecordKind::FollowUpVisit
                                | RecordKind::CaseTransition
                                | RecordKind::Screening
                                | RecordKind::KeyAreaChange
                                | RecordKind::HouseholdVisit
                                | RecordKind::PersonLink
                                | RecordKind::ReportAction
                                | RecordKind::Disinfection
                                | RecordKind::StockMovement
                                | RecordKind::ShiftEvent => {}
                            }
                        }
                    }
                    // The server could not store it this time, or a correction's target has not
                    // reached it yet (after a restore, the device that made the target sends it
                    // again): it goes again with the next push.
                    ReceiptStatus::Rejected if r.error.as_ref().is_some_and(|e| retried(&e.code)) => {
                        tx.prepare_cached("UPDATE outbox SET state = 'pending', updated_at = ?2 WHERE seq = ?1")?
                            .execute(params![entry.seq, now])?;
                    }
                    ReceiptStatus::Rejected => {
                        let (code, message) = r
                            .error
                            .as_ref()
                            .map(|e| (e.code.clone(), e.message.clone()))
                            .unwrap_or_else(|| ("rejected".into(), String::new()));
                        tx.prepare_cached(
                            "UPDATE outbox SET state = 'rejected', error_code = ?2, error_message = ?3, updated_at = ?4 WHERE seq = ?1",
                        )?
                        .execute(params![entry.seq, code, message, now])?;
                    }
                }
            }
            tx.prepare_cached("DELETE FROM acknowledged WHERE acked_at < ?1")?
                .execute([ts(Utc::now() - chrono::Duration::days(ACKNOWLEDGED_DAYS))])?;
            Ok(())
        })
    }

    /// Puts every acknowledged record back in the outbox, ahead of what waits there, in the
    /// order they were first sent (for a server restored from a backup:
    /// `Store::adopt_server_generation`). Returns how many.
    pub(super) fn requeue_acknowledged(tx: &Transaction<'_>) -> Result<usize> {
        let first: i64 =
            tx.query_row("SELECT COALESCE(MIN(seq), 1) FROM outbox", [], |r| r.get(0))?;
        let count: i64 = tx.query_row("SELECT count(*) FROM acknowledged", [], |r| r.get(0))?;
        // Seqs below every waiting row (negative ones are fine for an INTEGER PRIMARY KEY), so
        // a record goes before the changes made on it since.
        let now = ts(Utc::now());
        let moved = tx.execute(
            "INSERT INTO outbox (seq, kind, record_id, op, base_version, body, hash, state, created_at, updated_at)
             SELECT ?1 + row_number() OVER (ORDER BY seq), kind, record_id, op, base_version, body, hash, 'pending', acked_at, ?2
             FROM acknowledged ORDER BY seq",
            params![first.min(1) - count - 1, now],
        )?;
        tx.execute("DELETE FROM acknowledged", [])?;
        Ok(moved)
    }

    /// Number of acknowledged records kept for a restored server (the last 30 days').
    pub fn acknowledged_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM acknowledged", [], |r| r.get(0))?)
    }

    /// Number of outbox rows the server refused (waiting for a person on this device).
    pub fn rejected_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE state = 'rejected'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Rejected rows with the server's reasons (the sync panel lists them).
    pub fn rejected(&self) -> Result<Vec<RejectedRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, kind, record_id, op, base_version, body, hash, state, error_code, error_message
             FROM outbox WHERE state = 'rejected' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RejectedRecord {
                    entry: row_to_entry(r)?,
                    code: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                    message: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Puts a rejected row back in the queue (after the cause was fixed).
    pub fn requeue(&mut self, seq: i64) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE outbox SET state = 'pending', error_code = NULL, error_message = NULL WHERE seq = ?1 AND state = 'rejected'",
                [seq],
            )? > 0)
        })
    }

    /// Where a record stands.
    pub fn record_sync_state(&self, record_id: &str) -> Result<RecordSyncState> {
        let state: Option<String> = self
            .conn
            .query_row(
                "SELECT state FROM outbox WHERE record_id = ?1 ORDER BY seq DESC LIMIT 1",
                [record_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match state.as_deref() {
            Some("pending") => RecordSyncState::Pending,
            Some("sent") => RecordSyncState::Sent,
            Some("rejected") => RecordSyncState::Rejected,
            Some("conflict") => RecordSyncState::Conflict,
            _ => {
                let conflicted: bool = self.conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM sync_conflict WHERE record_id = ?1 AND resolved = 0)",
                    [record_id],
                    |r| r.get(0),
                )?;
                if conflicted {
                    RecordSyncState::Conflict
                } else {
                    RecordSyncState::Acknowledged
                }
            }
        })
    }
}
