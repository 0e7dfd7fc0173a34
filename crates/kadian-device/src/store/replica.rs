//! The store's side of sync: the enrolment, the pull cursor, pulled changes merged into the
//! local replica (a change that cannot be applied is quarantined, never stops the page), the
//! conflicts and the reference data.

use chrono::Utc;
use kadian_domain::observation::ObservationSetting;
use kadian_domain::places::{Checkpoint, Community, Compound, Zone};
use kadian_domain::records::Volunteer;
use kadian_domain::records::{
    CaseTransition, ChangeKind, Correction, FollowUpVisit, Household, ObservationCase, Passage,
    Person, RecordKind, ReferenceKind, Referral, Source, TemperatureReading, TravelDeclaration,
};
use kadian_domain::sync::{Change, EnrolResponse, Role, Scope};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::corrections::{correctable_table, insert_correction};
use super::error::{Result, StoreError};
use super::households::{
    held_household_version, held_key_area_version, insert_household_visit_tx,
    insert_key_area_change_tx, insert_screening_tx, upsert_household_tx, upsert_key_area_tx,
};
use super::observation::{insert_transition_tx, insert_visit_tx, upsert_case_tx};
use super::outbox::OutboxEntry;
use super::passages::insert_passage;
use super::persons::upsert_person_tx;
use super::readings::insert_reading;
use super::referrals::{held_referral_version, upsert_referral_tx};
use super::travels::insert_travel;
use super::{table_of, ts, Store};

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
    /// The name it was enrolled under (党支部笔记本): who recorded what, when no staff member
    /// is named. Older enrolments have none.
    #[serde(default)]
    pub device_name: Option<String>,
    /// The street's name (`平原街道`), as the server said at enrolment; older enrolments have
    /// none (the street is then named by its county and code).
    #[serde(default)]
    pub street_name: Option<String>,
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
            device_name: None,
            street_name: r.street_name,
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

const META_ENROLMENT: &str = "enrolment";

const META_REENROL: &str = "reenrol_needed";

const META_CURSOR: &str = "pull_cursor";

const META_LAST_SYNC: &str = "last_sync_at";

/// The server generation last synced with.
const META_GENERATION: &str = "server_generation";

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
    /// same scope; a different scope or server starts pulling from the beginning and learns the
    /// server's generation anew).
    pub fn set_enrolment(&mut self, e: &Enrolment) -> Result<()> {
        let json = serde_json::to_string(e)?;
        self.write(|tx| {
            let previous: Option<Enrolment> =
                meta_get(tx, META_ENROLMENT)?.and_then(|j| serde_json::from_str(&j).ok());
            if previous.is_none_or(|p| p.scope != e.scope || p.server_url != e.server_url) {
                meta_set(tx, META_CURSOR, "0")?;
                // Another server or scope: its generation is learnt anew, and what the last one
                // acknowledged is not sent to this one after a restore.
                tx.execute(
                    "DELETE FROM device_meta WHERE key = 'server_generation'",
                    [],
                )?;
                tx.execute("DELETE FROM acknowledged", [])?;
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

    /// Takes note of the server's generation and its number (from its health answer, before a
    /// round pushes). The first one seen is kept, unless the device has pulled before and the
    /// number is above 1 (a restore it did not see: an app before schema 7). A different one
    /// means the server's data went back in time (restored from a backup, `kadian-server
    /// restore`): in one transaction, every acknowledged record goes back to the outbox (ahead
    /// of what waits), the pull cursor goes back to the start, and the new generation is kept.
    /// Returns `Some(records queued again)` then, `None` when nothing changed.
    pub fn adopt_server_generation(
        &mut self,
        generation: &str,
        number: Option<i64>,
    ) -> Result<Option<usize>> {
        self.write(|tx| {
            let known = meta_get(tx, META_GENERATION)?;
            let cursor: i64 = meta_get(tx, META_CURSOR)?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let unseen_restore = cursor > 0 && number.is_some_and(|n| n > 1);
            let restored = match known.as_deref() {
                Some(k) if k == generation => return Ok(None),
                None => unseen_restore,
                Some(_) => true,
            };
            let requeued = if restored {
                meta_set(tx, super::outbox::META_RESTORED_AT, &ts(Utc::now()))?;
                meta_set(tx, META_CURSOR, "0")?;
                Some(Self::requeue_acknowledged(tx)?)
            } else {
                None
            };
            meta_set(tx, META_GENERATION, generation)?;
            Ok(requeued)
        })
    }

    /// The server generation this device last synced with, if any.
    pub fn server_generation(&self) -> Result<Option<String>> {
        self.meta(META_GENERATION)
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
                upsert_person_tx(tx, p, Source::User)?;
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
    ///
    /// On a zone leader's laptop, its zone arriving with a compound it did not hold before
    /// sends the cursor back to the start instead: the server sends a compound's records from
    /// the moment it joins the zone's scope, and its older ones come with the next pages
    /// (applying a change twice changes nothing).
    pub fn apply_pull(&mut self, changes: &[Change], cursor: i64) -> Result<usize> {
        self.write(|tx| {
            let own_zone = meta_get(tx, META_ENROLMENT)?
                .and_then(|j| serde_json::from_str::<Enrolment>(&j).ok())
                .and_then(|e| e.scope.zone);
            let mut rewind = false;
            let mut applied = 0;
            for c in changes {
                let own_zone_before = (c.kind == ReferenceKind::Zone.as_str()
                    && own_zone.as_deref() == Some(c.id.as_str()))
                .then(|| zone_compounds_held(tx, &c.id))
                .transpose()?;
                tx.execute_batch("SAVEPOINT one_change")?;
                match apply_change(tx, c) {
                    Ok(()) => {
                        if let Some(Some(before)) = &own_zone_before {
                            let now: Vec<String> = c
                                .body
                                .get("compounds")
                                .and_then(|v| serde_json::from_value(v.clone()).ok())
                                .unwrap_or_default();
                            rewind |= now.iter().any(|compound| !before.contains(compound));
                        }
                        tx.execute_batch("RELEASE one_change")?;
                        tx.prepare_cached(
                            "DELETE FROM sync_quarantine WHERE kind = ?1 AND record_id = ?2 AND version <= ?3",
                        )?
                        .execute(params![c.kind, c.id, c.version])?;
                        applied += 1;
                    }
                    Err(e) if e.is_record_fault() => {
                        tx.execute_batch("ROLLBACK TO one_change; RELEASE one_change")?;
                        let (code, message) = quarantine_reason(&e);
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
            let cursor = if rewind { 0 } else { cursor };
            meta_set(tx, META_CURSOR, &cursor.to_string())?;
            Ok(applied)
        })
    }

    /// Applies again the changes quarantined as `unknown_kind` whose kind this version knows
    /// (pulled by an older app: a newer server's kind, such as `zone`), each as if just pulled;
    /// one that now applies leaves the quarantine, one that still fails stays with its new
    /// reason. The cursor does not move. Returns how many now applied.
    pub fn retry_known_kinds(&mut self) -> Result<usize> {
        self.write(|tx| {
            let waiting: Vec<Change> = tx
                .prepare_cached(
                    "SELECT kind, record_id, version, body FROM sync_quarantine WHERE code = 'unknown_kind'
                     ORDER BY kind, record_id, version",
                )?
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .filter(|(kind, ..)| ChangeKind::parse(kind).is_some())
                .filter_map(|(kind, id, version, body)| {
                    Some(Change {
                        kind,
                        id,
                        version,
                        deleted: false,
                        body: serde_json::from_str(&body).ok()?,
                    })
                })
                .collect();
            let mut applied = 0;
            for c in &waiting {
                tx.execute_batch("SAVEPOINT one_change")?;
                match apply_change(tx, c) {
                    Ok(()) => {
                        tx.execute_batch("RELEASE one_change")?;
                        tx.execute(
                            "DELETE FROM sync_quarantine WHERE kind = ?1 AND record_id = ?2 AND version = ?3",
                            params![c.kind, c.id, c.version],
                        )?;
                        applied += 1;
                    }
                    Err(e) if e.is_record_fault() => {
                        tx.execute_batch("ROLLBACK TO one_change; RELEASE one_change")?;
                        let (code, message) = quarantine_reason(&e);
                        tx.execute(
                            "UPDATE sync_quarantine SET code = ?4, message = ?5 WHERE kind = ?1 AND record_id = ?2 AND version = ?3",
                            params![c.kind, c.id, c.version, code, clip(&message, 1000)],
                        )?;
                    }
                    Err(e) => return Err(e),
                }
            }
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
/// ([`kadian_domain::records::check_record`], inside the insert functions).
fn apply_change(tx: &Transaction<'_>, c: &Change) -> Result<()> {
    let parse_err = |e: serde_json::Error| {
        StoreError::Invalid(kadian_domain::Notice::error(
            kadian_domain::Field::Record,
            "invalid_record",
            format!("记录格式不对（{}）", c.kind),
            format!("malformed {}: {e}", c.kind),
        ))
    };
    let Some(kind) = ChangeKind::parse(&c.kind) else {
        // A kind this version does not know (a newer server's): quarantined, never guessed.
        return Err(StoreError::Invalid(kadian_domain::Notice::error(
            kadian_domain::Field::Record,
            "unknown_kind",
            format!(
                "本机版本不认识这类记录（{}），请更新应用",
                clip(&c.kind, 64)
            ),
            format!(
                "this version does not know the kind {}; update the app",
                clip(&c.kind, 64)
            ),
        )));
    };
    match kind {
        ChangeKind::Record(RecordKind::Person) => {
            let p: Person = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            merge_person(tx, &p, c.version)?;
        }
        ChangeKind::Record(RecordKind::Passage) => {
            let p: Passage = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            if !exists(tx, table_of(RecordKind::Passage), &p.id.to_string())? {
                insert_passage(tx, &p, Source::Sync)?;
            }
        }
        ChangeKind::Record(RecordKind::TemperatureReading) => {
            let r: TemperatureReading =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            if !exists(
                tx,
                table_of(RecordKind::TemperatureReading),
                &r.id.to_string(),
            )? {
                insert_reading(tx, &r, Source::Sync)?;
            }
        }
        ChangeKind::Record(RecordKind::TravelDeclaration) => {
            let t: TravelDeclaration = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            if !exists(
                tx,
                table_of(RecordKind::TravelDeclaration),
                &t.id.to_string(),
            )? {
                insert_travel(tx, &t, Source::Sync)?;
            }
        }
        ChangeKind::Record(RecordKind::Correction) => {
            let k: Correction = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            if let Some(table) = correctable_table(k.target_kind) {
                if !exists(tx, table_of(RecordKind::Correction), &k.id.to_string())? {
                    insert_correction(tx, &k, table, Source::Sync)?;
                }
            }
        }
        ChangeKind::Record(RecordKind::ObservationCase) => {
            let k: ObservationCase = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            // The server's version is the merge of every device's: a newer one replaces what
            // is held (a change made here since goes up with its outbox row and comes back
            // merged).
            let held: Option<i64> = tx
                .query_row(
                    "SELECT version FROM observation_case WHERE id = ?1",
                    [k.id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if takes_servers(tx, held, c.version, &k.id.to_string())? {
                upsert_case_tx(tx, &k, Source::Sync, Some(c.version))?;
            }
        }
        ChangeKind::Record(RecordKind::Referral) => {
            let r: Referral = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            // As a case: a newer version from the server replaces what is held.
            let held = held_referral_version(tx, &r.id.to_string())?;
            if takes_servers(tx, held, c.version, &r.id.to_string())? {
                upsert_referral_tx(tx, &r, Source::Sync, Some(c.version))?;
            }
        }
        ChangeKind::Record(RecordKind::Household) => {
            let h: Household = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            // As a case: a newer version from the server replaces what is held.
            let held = held_household_version(tx, &h.id.to_string())?;
            if takes_servers(tx, held, c.version, &h.id.to_string())? {
                upsert_household_tx(tx, &h, Source::Sync, Some(c.version))?;
            }
        }
        ChangeKind::Record(RecordKind::Screening) => {
            let s: kadian_domain::records::Screening =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            insert_screening_tx(tx, &s, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::KeyArea) => {
            let k: kadian_domain::records::KeyArea =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            let held = held_key_area_version(tx, &k.id.to_string())?;
            if takes_servers(tx, held, c.version, &k.id.to_string())? {
                upsert_key_area_tx(tx, &k, Source::Sync, Some(c.version))?;
            }
        }
        ChangeKind::Record(RecordKind::KeyAreaChange) => {
            let k: kadian_domain::records::KeyAreaChange =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            insert_key_area_change_tx(tx, &k, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::HotlineReport) => {
            let r: kadian_domain::records::HotlineReport =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            let held = super::hotline::held_hotline_report_version(tx, &r.id.to_string())?;
            if takes_servers(tx, held, c.version, &r.id.to_string())? {
                super::hotline::upsert_hotline_report_tx(tx, &r, Source::Sync, Some(c.version))?;
            }
        }
        ChangeKind::Record(RecordKind::ReportAction) => {
            let a: kadian_domain::records::ReportAction =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            super::hotline::insert_report_action_tx(tx, &a, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::DisinfectionSite) => {
            let site: kadian_domain::records::DisinfectionSite =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            let held = super::disinfection::held_site_version(tx, &site.id.to_string())?;
            if takes_servers(tx, held, c.version, &site.id.to_string())? {
                super::disinfection::upsert_site_tx(tx, &site, Source::Sync, Some(c.version))?;
            }
        }
        ChangeKind::Record(RecordKind::Donation) => {
            let d: kadian_domain::records::Donation =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            let held = super::supplies::held_donation_version(tx, &d.id.to_string())?;
            if takes_servers(tx, held, c.version, &d.id.to_string())? {
                super::supplies::upsert_donation_tx(tx, &d, Source::Sync, Some(c.version))?;
            }
        }
        ChangeKind::Record(RecordKind::ShiftEvent) => {
            let e: kadian_domain::records::ShiftEvent =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            super::shifts::insert_shift_event_tx(tx, &e, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::StockMovement) => {
            let m: kadian_domain::records::StockMovement =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            super::supplies::insert_stock_movement_tx(tx, &m, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::Disinfection) => {
            let d: kadian_domain::records::Disinfection =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            super::disinfection::insert_disinfection_tx(tx, &d, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::PersonLink) => {
            let l: kadian_domain::records::PersonLink =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            super::person_links::insert_person_link_tx(tx, &l, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::HouseholdVisit) => {
            let v: kadian_domain::records::HouseholdVisit =
                serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            insert_household_visit_tx(tx, &v, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::FollowUpVisit) => {
            let v: FollowUpVisit = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            insert_visit_tx(tx, &v, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::CaseTransition) => {
            let t: CaseTransition = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            insert_transition_tx(tx, &t, Source::Sync)?;
        }
        ChangeKind::Record(RecordKind::Volunteer) => {
            let v: Volunteer = serde_json::from_value(c.body.clone()).map_err(parse_err)?;
            kadian_domain::records::check_volunteer(&v).map_err(StoreError::Invalid)?;
            put_reference_row(tx, c)?;
        }
        ChangeKind::Reference(k) => {
            // Checked against its type, like a record: a place the areas could not read is
            // quarantined here rather than left out of every list silently.
            match k {
                ReferenceKind::Community => {
                    serde_json::from_value::<Community>(c.body.clone()).map_err(parse_err)?;
                }
                ReferenceKind::Compound => {
                    serde_json::from_value::<Compound>(c.body.clone()).map_err(parse_err)?;
                }
                ReferenceKind::Checkpoint => {
                    serde_json::from_value::<Checkpoint>(c.body.clone()).map_err(parse_err)?;
                }
                ReferenceKind::Zone => {
                    serde_json::from_value::<Zone>(c.body.clone()).map_err(parse_err)?;
                }
                ReferenceKind::ObservationPolicy => {
                    let s: ObservationSetting =
                        serde_json::from_value(c.body.clone()).map_err(parse_err)?;
                    kadian_domain::observation::check_setting(&s).map_err(StoreError::Invalid)?;
                }
                ReferenceKind::HotlinePolicy => {
                    let p: kadian_domain::hotline::HotlinePolicy =
                        serde_json::from_value(c.body.clone()).map_err(parse_err)?;
                    kadian_domain::hotline::check_hotline_policy(&p)
                        .map_err(StoreError::Invalid)?;
                }
                ReferenceKind::DisinfectionPolicy => {
                    let p: kadian_domain::disinfection::DisinfectionPolicy =
                        serde_json::from_value(c.body.clone()).map_err(parse_err)?;
                    kadian_domain::disinfection::check_disinfection_policy(&p)
                        .map_err(StoreError::Invalid)?;
                }
                ReferenceKind::SupplyItems => {
                    let l: kadian_domain::records::SupplyItems =
                        serde_json::from_value(c.body.clone()).map_err(parse_err)?;
                    kadian_domain::records::check_supply_items(&l).map_err(StoreError::Invalid)?;
                }
            }
            put_reference_row(tx, c)?;
        }
        ChangeKind::Conflict => {
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
    }
    Ok(())
}

/// Why a change goes to (or stays in) quarantine: its code, and its message in both languages.
fn quarantine_reason(e: &StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(n) => (n.code.clone(), format!("{} / {}", n.message, n.message_en)),
        other => (other.code().to_owned(), other.to_string()),
    }
}

/// The compounds of a zone as this device holds it, or `None` when it holds no such zone.
fn zone_compounds_held(tx: &Transaction<'_>, zone: &str) -> Result<Option<Vec<String>>> {
    let body: Option<String> = tx
        .query_row(
            "SELECT body FROM reference WHERE kind = 'zone' AND id = ?1",
            [zone],
            |r| r.get(0),
        )
        .optional()?;
    Ok(body.map(|b| {
        serde_json::from_str::<Zone>(&b)
            .map(|z| z.compounds)
            .unwrap_or_default()
    }))
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

/// Whether a pulled version of a merged entity (a case, a referral) replaces what is held: a
/// newer one always; the version held too unless an edit made here waits to be sent. After a
/// push answered `conflict` the device holds the server's version number with its own body,
/// and the server's merged body comes with the pull under that same number.
fn takes_servers(tx: &Transaction<'_>, held: Option<i64>, pulled: i64, id: &str) -> Result<bool> {
    Ok(match held {
        None => true,
        Some(v) if v < pulled => true,
        Some(v) if v == pulled => !tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1 AND state IN ('pending', 'sent', 'rejected'))",
            [id],
            |r| r.get::<_, bool>(0),
        )?,
        Some(_) => false,
    })
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
                        // Once: the same version pulled again (a zone laptop starting its pull
                        // over) finds the conflict already listed, settled or not.
                        tx.execute(
                            "INSERT INTO sync_conflict (id, record_kind, record_id, field, kept_value, lost_value, origin, at_utc)
                             SELECT ?1, 'person', ?2, ?3, ?4, ?5, 'device', ?6
                             WHERE NOT EXISTS (SELECT 1 FROM sync_conflict WHERE record_kind = 'person' AND record_id = ?2
                                 AND field = ?3 AND kept_value IS ?4 AND lost_value IS ?5)",
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

#[cfg(test)]
mod tests {
    use super::super::{DbKey, StoreOptions};
    use super::*;

    #[test]
    fn a_change_an_older_app_could_not_read_is_applied_once_this_one_knows_its_kind() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store = Store::open(
            &dir.path().join("kadian.db"),
            &StoreOptions::encrypted(DbKey::from_bytes([7; 32])),
        )
        .expect("store");
        // What an app before zones left: a zone, and a kind no version knows yet.
        for (kind, body) in [
            (
                "zone",
                r#"{"id":"z1","name":"第一片区","leader":"王敏","phone":null,"compounds":["c1"]}"#,
            ),
            ("hovercraft", r#"{"id":"h1"}"#),
        ] {
            store
                .conn
                .execute(
                    "INSERT INTO sync_quarantine (kind, record_id, version, body, code, message, at_utc)
                     VALUES (?1, ?2, 1, ?3, 'unknown_kind', 'old app', '2026-12-01T00:00:00Z')",
                    params![kind, if kind == "zone" { "z1" } else { "h1" }, body],
                )
                .expect("quarantined");
        }
        assert_eq!(store.retry_known_kinds().expect("retry"), 1);
        assert_eq!(
            store.quarantined_count().expect("count"),
            1,
            "the unknown kind stays"
        );
        assert_eq!(store.reference("zone").expect("zones").len(), 1);
        // Nothing left to do the next round.
        assert_eq!(store.retry_known_kinds().expect("retry"), 0);
    }
}
