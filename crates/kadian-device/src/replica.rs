//! The store's side of sync: the enrolment, the outbox as the sync engine drains it, receipts,
//! and pulled changes merged into the local replica.

use chrono::Utc;
use kadian_domain::records::{
    Correction, Passage, Person, Source, TemperatureReading, TravelDeclaration,
};
use kadian_domain::sync::{Change, EnrolResponse, Receipt, ReceiptStatus, Role, Scope};
use kadian_domain::volunteer::Volunteer;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::store::{OutboxEntry, Store};
use crate::write::{
    correctable_table, insert_correction, insert_passage, insert_reading, insert_travel, ts,
    upsert_person_tx,
};

/// This device's enrolment with a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    /// Server base URL (`http://127.0.0.1:8470`).
    pub server_url: String,
    /// Device id on the server.
    pub device_id: String,
    /// Bearer token (kept in the encrypted store only).
    pub token: String,
    /// Role.
    pub role: Role,
    /// Scope.
    pub scope: Scope,
    /// The server certificate's SHA-256 fingerprint (hex) pinned at enrolment, from the QR code;
    /// `None`: the public CAs are trusted.
    #[serde(default)]
    pub cert_sha256: Option<String>,
}

impl Enrolment {
    /// From the server's answer.
    pub fn from_response(server_url: &str, r: EnrolResponse) -> Self {
        Enrolment {
            server_url: server_url.trim_end_matches('/').to_owned(),
            device_id: r.device_id,
            token: r.token,
            role: r.role,
            scope: r.scope,
            cert_sha256: None,
        }
    }
}

/// Where one record stands in sync, for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordSyncState {
    /// Waiting to be sent.
    Pending,
    /// Sent, no receipt yet.
    Sent,
    /// The server has it (or it came from the server).
    Acknowledged,
    /// The server refused it; see the outbox row's error.
    Rejected,
    /// Merged with a concurrent change; see the conflict list.
    Conflict,
}

/// A value that lost a merge, for review.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SyncConflict {
    /// Id.
    pub id: String,
    /// Kind of the record.
    pub record_kind: String,
    /// Its id.
    pub record_id: String,
    /// Field.
    pub field: String,
    /// Value kept (JSON).
    pub kept_value: Option<String>,
    /// Value not applied (JSON).
    pub lost_value: Option<String>,
    /// `server` (merged there) or `device` (a local edit overtaken by the server's version).
    pub origin: String,
}

/// A rejected outbox row with the server's reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedRecord {
    /// The row.
    pub entry: OutboxEntry,
    /// Server's code.
    pub code: String,
    /// Server's message.
    pub message: String,
}

const META_ENROLMENT: &str = "enrolment";
const META_REENROL: &str = "reenrol_needed";
const META_CURSOR: &str = "pull_cursor";
const META_LAST_SYNC: &str = "last_sync_at";

fn meta_get(tx: &Transaction<'_>, key: &str) -> Result<Option<String>> {
    Ok(tx
        .query_row("SELECT value FROM device_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

fn meta_set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO device_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
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

fn exists(tx: &Transaction<'_>, table: &str, id: &str) -> Result<bool> {
    Ok(tx.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
        [id],
        |r| r.get(0),
    )?)
}

impl Store {
    /// The enrolment, if the device is enrolled.
    pub fn enrolment(&self) -> Result<Option<Enrolment>> {
        Ok(self
            .meta(META_ENROLMENT)?
            .and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Records a new enrolment (a re-enrolment keeps the outbox, the data and the cursor of the
    /// same scope; a different scope starts pulling from the beginning).
    pub fn set_enrolment(&mut self, e: &Enrolment) -> Result<()> {
        let json = serde_json::to_string(e)?;
        self.write(|tx| {
            let previous: Option<Enrolment> =
                meta_get(tx, META_ENROLMENT)?.and_then(|j| serde_json::from_str(&j).ok());
            if previous.is_none_or(|p| p.scope != e.scope || p.server_url != e.server_url) {
                meta_set(tx, META_CURSOR, "0")?;
            }
            meta_set(tx, META_ENROLMENT, &json)?;
            meta_set(tx, META_REENROL, "0")
        })
    }

    /// True after the server refused the token (revoked or unknown): sync stops until the device
    /// is enrolled again. Nothing local is deleted.
    pub fn reenrol_needed(&self) -> Result<bool> {
        Ok(self.meta(META_REENROL)?.as_deref() == Some("1"))
    }

    /// Marks that the device must enrol again.
    pub fn set_reenrol_needed(&mut self) -> Result<()> {
        self.set_meta(META_REENROL, "1")
    }

    /// The pull cursor (the server sequence of the last change applied).
    pub fn pull_cursor(&self) -> Result<i64> {
        Ok(self
            .meta(META_CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// When the last sync round succeeded (RFC 3339), if ever.
    pub fn last_sync_at(&self) -> Result<Option<String>> {
        self.meta(META_LAST_SYNC)
    }

    /// Records a successful sync round.
    pub fn set_last_sync_now(&mut self) -> Result<()> {
        self.set_meta(META_LAST_SYNC, &ts(Utc::now()))
    }

    /// The next rows to push: pending or sent (a sent row without a receipt goes again; the
    /// server answers `duplicate` if it already has it), oldest first.
    pub fn push_batch(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, kind, record_id, op, base_version, body, hash, state FROM outbox
             WHERE state IN ('pending', 'sent') ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit as i64], row_to_entry)?
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
                        tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?.execute([entry.seq])?;
                        if let Some(v) = r.version {
                            if entry.kind == "person" {
                                tx.prepare_cached("UPDATE person SET version = max(version, ?2) WHERE id = ?1")?
                                    .execute(params![entry.record_id, v])?;
                            } else if entry.kind == "volunteer" {
                                tx.prepare_cached(
                                    "UPDATE reference SET version = max(version, ?2) WHERE kind = 'volunteer' AND id = ?1",
                                )?
                                .execute(params![entry.record_id, v])?;
                            }
                        }
                    }
                    // The server could not store it this time: it goes again with the next push.
                    ReceiptStatus::Rejected if r.error.as_ref().is_some_and(|e| e.code == "storage_error") => {
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
            Ok(())
        })
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

    /// Unresolved conflicts, newest first.
    pub fn conflicts(&self) -> Result<Vec<SyncConflict>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, record_kind, record_id, field, kept_value, lost_value, origin FROM sync_conflict
             WHERE resolved = 0 ORDER BY at_utc DESC",
        )?;
        let rows = stmt
            .query_map([], conflict_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One unresolved conflict by its id.
    pub fn conflict(&self, id: &str) -> Result<Option<SyncConflict>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, record_kind, record_id, field, kept_value, lost_value, origin FROM sync_conflict
                 WHERE id = ?1 AND resolved = 0",
            )?
            .query_row([id], conflict_from_row)
            .optional()?)
    }

    /// Settles every unresolved conflict of one record's field (staff chose a value), in one
    /// transaction with `chosen`: the person with the value not applied, written as a local
    /// edit (checked by the person's rules, queued for the server), or `None` to keep the stored
    /// value. Returns how many conflicts were settled.
    pub fn settle_conflicts(
        &mut self,
        record_id: &str,
        field: &str,
        chosen: Option<&kadian_domain::records::Person>,
    ) -> Result<usize> {
        self.write(|tx| {
            if let Some(p) = chosen {
                crate::write::upsert_person_tx(tx, p, kadian_domain::records::Source::User)?;
            }
            Ok(tx.execute(
                "UPDATE sync_conflict SET resolved = 1 WHERE record_id = ?1 AND field = ?2 AND resolved = 0",
                params![record_id, field],
            )?)
        })
    }

    /// Applies pulled changes and the new cursor in one transaction. Events are inserted once;
    /// a person is merged: where this device holds an unacknowledged edit of a field the server
    /// changed too, the server's value is stored and the local one goes to the conflict list.
    ///
    /// A change this device cannot apply (it breaks a rule of its kind, or a rule of this store
    /// such as one person per document number) never stops the sync: it goes to the quarantine
    /// list ([`Store::quarantined`]) with the reason, and the rest of the page is applied and the
    /// cursor moves on. Only a failure of the store itself (disk full, busy) fails the page, which
    /// is then pulled again. Returns the number of changes applied.
    pub fn apply_pull(&mut self, changes: &[Change], cursor: i64) -> Result<usize> {
        self.write(|tx| {
            let mut applied = 0;
            for c in changes {
                tx.execute_batch("SAVEPOINT one_change")?;
                match apply_change(tx, c) {
                    Ok(()) => {
                        tx.execute_batch("RELEASE one_change")?;
                        tx.prepare_cached(
                            "DELETE FROM sync_quarantine WHERE kind = ?1 AND record_id = ?2 AND version <= ?3",
                        )?
                        .execute(params![c.kind, c.id, c.version])?;
                        applied += 1;
                    }
                    Err(e) if e.is_record_fault() => {
                        tx.execute_batch("ROLLBACK TO one_change; RELEASE one_change")?;
                        let (code, message) = match &e {
                            StoreError::Invalid(n) => {
                                (n.code.clone(), format!("{} / {}", n.message, n.message_en))
                            }
                            other => (other.code().to_owned(), other.to_string()),
                        };
                        let body = c.body.to_string();
                        tx.prepare_cached(
                            "INSERT INTO sync_quarantine (kind, record_id, version, body, code, message, at_utc)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                             ON CONFLICT (kind, record_id, version) DO UPDATE SET
                                 body = excluded.body, code = excluded.code, message = excluded.message, at_utc = excluded.at_utc",
                        )?
                        .execute(params![
                            clip(&c.kind, 64),
                            clip(&c.id, 64),
                            c.version,
                            clip(&body, 64 * 1024),
                            code,
                            clip(&message, 1000),
                            ts(Utc::now()),
                        ])?;
                    }
                    Err(e) => return Err(e),
                }
            }
            meta_set(tx, META_CURSOR, &cursor.to_string())?;
            Ok(applied)
        })
    }

    /// Pulled changes this device could not apply, newest first (the sync panel lists them for
    /// compound staff; a technician reads the reason).
    pub fn quarantined(&self) -> Result<Vec<QuarantinedChange>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, record_id, version, code, message, at_utc FROM sync_quarantine ORDER BY at_utc DESC, record_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(QuarantinedChange {
                    kind: r.get(0)?,
                    record_id: r.get(1)?,
                    version: r.get(2)?,
                    code: r.get(3)?,
                    message: r.get(4)?,
                    at: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// How many pulled changes are in quarantine.
    pub fn quarantined_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM sync_quarantine", [], |r| r.get(0))?)
    }

    /// Reference data of a kind (`community`, `compound`, `checkpoint`) as pulled: (id, body).
    pub fn reference(&self, kind: &str) -> Result<Vec<(String, serde_json::Value)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM reference WHERE kind = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map([kind], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .map(|(id, b)| {
                (
                    id,
                    serde_json::from_str(&b).unwrap_or(serde_json::Value::Null),
                )
            })
            .collect())
    }
}

/// The first `max` bytes of `s` (on a character boundary): a hostile change is kept for
/// review, not all of it.
fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Applies one pulled change. Record kinds go through the same rules as a local write
/// ([`kadian_domain::record_rules::check_record`], inside the insert functions).
fn apply_change(tx: &Transaction<'_>, c: &Change) -> Result<()> {
    let parse_err = |e: serde_json::Error| {
        StoreError::Invalid(kadian_domain::Notice::error(
            kadian_domain::Field::Record,
            "invalid_record",
            format!("记录格式不对（{}）", c.kind),
            format!("malformed {}: {e}", c.kind),
        ))
    };
    match c.kind.as_str() {
        "person" => {
            let p: Person = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            merge_person(tx, &p, c.version)?;
        }
        "passage" => {
            let p: Passage = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            if !exists(tx, "passage", &p.id.to_string())? {
                insert_passage(tx, &p, Source::Sync)?;
            }
        }
        "temperature_reading" => {
            let r: TemperatureReading =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            if !exists(tx, "temperature_reading", &r.id.to_string())? {
                insert_reading(tx, &r, Source::Sync)?;
            }
        }
        "travel_declaration" => {
            let t: TravelDeclaration = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            if !exists(tx, "travel_declaration", &t.id.to_string())? {
                insert_travel(tx, &t, Source::Sync)?;
            }
        }
        "correction" => {
            let k: Correction = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            if let Some(table) = correctable_table(k.target_kind) {
                if !exists(tx, "correction", &k.id.to_string())? {
                    insert_correction(tx, &k, table, Source::Sync)?;
                }
            }
        }
        "volunteer" => {
            let v: Volunteer = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            kadian_domain::record_rules::check_volunteer(&v).map_err(StoreError::Invalid)?;
            put_reference_row(tx, c)?;
        }
        "conflict" => {
            let b = &c.body;
            let s = |k: &str| {
                b.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            tx.execute(
                "INSERT INTO sync_conflict (id, record_kind, record_id, field, kept_value, lost_value, origin, at_utc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'server', ?7) ON CONFLICT (id) DO NOTHING",
                params![
                    c.id,
                    s("record_kind"),
                    s("record_id"),
                    s("field"),
                    b.get("server_value").map(|v| v.to_string()),
                    b.get("device_value").map(|v| v.to_string()),
                    s("at"),
                ],
            )?;
        }
        _ => put_reference_row(tx, c)?,
    }
    Ok(())
}

/// Reference data (community, compound, checkpoint, volunteer) as pulled. A volunteer changed
/// here and not yet acknowledged keeps the local body: the push that follows carries it to the
/// server.
fn put_reference_row(tx: &Transaction<'_>, c: &Change) -> Result<()> {
    tx.execute(
        "INSERT INTO reference (kind, id, version, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, body = excluded.body
         WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE record_id = excluded.id AND state IN ('pending', 'sent'))",
        params![c.kind, c.id, c.version, c.body.to_string()],
    )?;
    Ok(())
}

fn conflict_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SyncConflict> {
    Ok(SyncConflict {
        id: r.get(0)?,
        record_kind: r.get(1)?,
        record_id: r.get(2)?,
        field: r.get(3)?,
        kept_value: r.get(4)?,
        lost_value: r.get(5)?,
        origin: r.get(6)?,
    })
}

/// A pulled change this device could not apply.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct QuarantinedChange {
    /// Record kind as pulled.
    pub kind: String,
    /// Its id.
    pub record_id: String,
    /// The server's version of it.
    #[ts(type = "number")]
    pub version: i64,
    /// Why (`invalid_record`, `document_number_in_use`, `too_long`, ...).
    pub code: String,
    /// The reason in zh-CN and en.
    pub message: String,
    /// When it was pulled (UTC, RFC 3339).
    pub at: String,
}

/// Stores the server's version of a person. Fields this device changed and has not had
/// acknowledged are recorded as conflicts (the server's value wins).
fn merge_person(tx: &Transaction<'_>, server: &Person, version: i64) -> Result<()> {
    let id = server.id.to_string();
    let local: Option<(i64, bool)> = tx
        .query_row(
            "SELECT version, EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1 AND state IN ('pending', 'sent', 'rejected'))
             FROM person WHERE id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((local_version, pending)) = local {
        if local_version > version {
            return Ok(()); // an older change arriving late
        }
        if pending {
            let body: Option<String> = tx
                .query_row(
                    "SELECT body FROM outbox WHERE record_id = ?1 AND state IN ('pending', 'sent', 'rejected') ORDER BY seq DESC LIMIT 1",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            let mine: serde_json::Value = body
                .and_then(|b| serde_json::from_str(&b).ok())
                .unwrap_or_default();
            let theirs = serde_json::to_value(server)?;
            if let (Some(mine), Some(theirs)) = (mine.as_object(), theirs.as_object()) {
                for (field, value) in mine {
                    let kept = theirs.get(field);
                    if kept != Some(value) {
                        tx.execute(
                            "INSERT INTO sync_conflict (id, record_kind, record_id, field, kept_value, lost_value, origin, at_utc)
                             VALUES (?1, 'person', ?2, ?3, ?4, ?5, 'device', ?6)",
                            params![
                                uuid::Uuid::now_v7().to_string(),
                                id,
                                field,
                                kept.map(|v| v.to_string()),
                                value.to_string(),
                                ts(Utc::now()),
                            ],
                        )?;
                    }
                }
            }
        }
    }
    upsert_person_tx(tx, server, Source::Sync)?;
    tx.execute(
        "UPDATE person SET version = ?2 WHERE id = ?1",
        params![id, version],
    )?;
    Ok(())
}
