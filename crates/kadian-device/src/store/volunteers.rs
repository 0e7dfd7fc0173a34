//! Volunteers of a compound's sign-in list, kept as reference data and queued as records when
//! compound staff set them here.

use chrono::Utc;
use kadian_domain::records;
use kadian_domain::records::Volunteer;
use kadian_domain::records::{RecordKind, Source};
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::error::{Result, StoreError};
use super::outbox::enqueue;
use super::{ts, Store};

impl Store {
    /// Stores a volunteer of a compound's sign-in list as compound staff set it (new, a new PIN,
    /// or retired) and queues it for the server, or folds it into the change of the same
    /// volunteer still waiting in the outbox. Like a person's edit, the change is based on the
    /// server's version this device last had; our own create not yet acknowledged counts as
    /// version 1.
    pub fn put_volunteer(&mut self, v: &Volunteer) -> Result<()> {
        records::check_volunteer(v).map_err(StoreError::Invalid)?;
        self.write(|tx| {
            let id = v.id.to_string();
            let version: Option<i64> = tx
                .query_row(
                    "SELECT version FROM reference WHERE kind = 'volunteer' AND id = ?1",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            tx.execute(
                "INSERT INTO reference (kind, id, version, body) VALUES ('volunteer', ?1, 0, ?2)
                 ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
                params![id, serde_json::to_string(v)?],
            )?;
            // A change still waiting in the outbox takes this one's body: the server gets the
            // latest state once. (Queued one after another, a later change equal to an earlier
            // one in the same series would look to the server like a resend of it.)
            let body = serde_json::to_string(v)?;
            let merged = tx.execute(
                "UPDATE outbox SET body = ?2, hash = ?3, updated_at = ?4
                 WHERE seq = (SELECT max(seq) FROM outbox
                              WHERE kind = 'volunteer' AND record_id = ?1 AND state = 'pending')",
                params![
                    id,
                    body,
                    hex::encode(Sha256::digest(body.as_bytes())),
                    ts(Utc::now())
                ],
            )?;
            if merged == 0 {
                let (op, base) = match version {
                    None => ("create", None),
                    Some(known) => ("update", Some(known.max(1))),
                };
                enqueue(tx, RecordKind::Volunteer, v.id, op, base, v, Source::User)?;
            }
            Ok(())
        })
    }
}
