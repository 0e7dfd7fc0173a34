//! The arrival of one pushed record, decided once for both backends.
//!
//! A backend answers the [`Questions`] an arrival asks of what is stored (in the push's
//! transaction), [`plan`] turns the answers into the receipt and the rows to write — pure, no
//! I/O — and the backend executes the [`Write`]s in order. What to read, what the arrival means
//! ([`crate::rules::decide`]), which rows change, how sequence numbers are taken and what the
//! device is told all live here; a backend only speaks its SQL dialect.

use chrono::{DateTime, SecondsFormat, Utc};
use kadian_domain::sync::{ApiError, Receipt, ReceiptStatus};

use super::PushMeta;
use crate::rules::{
    canonical, decide, Decision, Device, Existing, FieldConflict, Incoming, Reference, Stored,
};

/// What an arrival asks of the store, in two steps: the record under the id first (with the
/// corrected record and the holder of the document number), then, for an entity update, what
/// depends on the stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Questions<'a> {
    /// The arrival's id: read the record stored under it.
    pub id: &'a str,
    /// A correction's target id: read the record stored under it.
    pub target: Option<&'a str>,
    /// A person's `document_type:number`: read the id of another record holding it.
    pub document_key: Option<&'a str>,
}

impl<'a> Questions<'a> {
    /// The first step's questions.
    pub fn of(inc: &'a Incoming) -> Self {
        Questions {
            id: &inc.id,
            target: inc.target.as_ref().map(|(_, id)| id.as_str()),
            document_key: inc.document_key.as_deref(),
        }
    }

    /// The second step, once the stored record is known: the version an entity update was
    /// made on, when it is not the current one (`(id, version)`: read that version's body).
    pub fn base_version(inc: &'a Incoming, existing: Option<&Existing>) -> Option<(&'a str, i64)> {
        match (existing, inc.base_version) {
            (Some(e), Some(b)) if !inc.kind.is_event() && b != e.version => Some((&inc.id, b)),
            _ => None,
        }
    }

    /// The second step: a hotline report's update asks for the steps that follow it (`id`: read
    /// the ids of its report actions other than reassignments, by seq), so that a report moved
    /// to another unit takes its history along ([`Write::Replace`]).
    pub fn followers(inc: &'a Incoming, existing: Option<&Existing>) -> Option<&'a str> {
        (inc.kind == kadian_domain::records::RecordKind::HotlineReport && existing.is_some())
            .then_some(inc.id.as_str())
    }

    /// The second step: whether this exact pushed body was applied to the entity already
    /// (`(id, incoming hash, above version)`: is there a version above it made from that hash?).
    pub fn applied_before(
        inc: &'a Incoming,
        existing: Option<&Existing>,
    ) -> Option<(&'a str, &'a str, i64)> {
        match existing {
            Some(e) if !inc.kind.is_event() && e.hash != inc.hash => {
                Some((&inc.id, &inc.hash, inc.base_version.unwrap_or(0)))
            }
            _ => None,
        }
    }
}

/// The answers to [`Questions`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The record under the arrival's id.
    pub existing: Option<Existing>,
    /// The record under a correction's target id.
    pub target: Option<Existing>,
    /// The id of another record holding the person's document number.
    pub document_holder: Option<String>,
    /// The body of the version the update was made on (see [`Questions::base_version`]).
    pub base: Option<String>,
    /// See [`Questions::applied_before`].
    pub applied_before: bool,
    /// See [`Questions::followers`]: the ids of the report's actions that follow it.
    pub followers: Vec<String>,
}

/// A row of the `record` table as an arrival writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    /// Id.
    pub id: String,
    /// Kind name (`conflict` for the values that lost a merge).
    pub kind: &'static str,
    /// Position in the street's change sequence.
    pub seq: i64,
    /// Version (1 for a new record).
    pub version: i64,
    /// SHA-256 of the canonical body, hex.
    pub hash: String,
    /// Canonical JSON body.
    pub body: String,
    /// Placement.
    pub community: Option<String>,
    /// Placement.
    pub compound: Option<String>,
    /// For events: when it happened (UTC).
    pub event_at: Option<DateTime<Utc>>,
    /// For persons: `document_type:number`.
    pub document_key: Option<String>,
    /// The pushing device's clock (UTC) and whether it was off by more than 5 minutes; `None`
    /// for rows the server makes (conflicts).
    pub device_clock: Option<(DateTime<Utc>, bool)>,
}

/// One write of an arrival, executed in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Insert a new `record` row.
    Insert(RecordRow),
    /// Replace the `record` row under `row.id` with the next version.
    Update(RecordRow),
    /// Place an existing record anew (a report's action that follows the report to the unit
    /// it was moved to), at the next `seq` so the devices there pull it.
    Replace {
        /// Id.
        id: String,
        /// Its new position in the change sequence.
        seq: i64,
        /// Placement.
        community: Option<String>,
        /// Placement.
        compound: Option<String>,
    },
    /// Keep an entity's version in `record_version` (for the field merge of later updates).
    Version {
        /// Id.
        id: String,
        /// Version.
        version: i64,
        /// The body stored as that version.
        body: String,
        /// The hash of the pushed body it was made from.
        incoming_hash: String,
    },
}

/// The arrival's outcome: what to tell the device and what to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The receipt.
    pub receipt: Receipt,
    /// The rows to write, in order; empty for a duplicate or a refusal.
    pub writes: Vec<Write>,
}

/// Decides one arrival against `facts` and plans its writes, taking sequence numbers from
/// `seq` (the last one used; advanced by every row written).
pub fn plan(
    inc: &Incoming,
    meta: &PushMeta,
    device: &Device,
    reference: &Reference,
    facts: &Facts,
    seq: &mut i64,
) -> Plan {
    let stored = Stored {
        existing: facts.existing.as_ref(),
        base: facts.base.as_deref(),
        applied_before: facts.applied_before,
        target: facts.target.as_ref(),
        document_holder: facts.document_holder.as_deref(),
    };
    let receipt = |status, seq: Option<i64>, version: Option<i64>, error| Receipt {
        id: inc.id.clone(),
        status,
        server_seq: seq,
        version,
        error,
    };
    let device_clock = Some((meta.device_time, meta.clock_flagged));
    match decide(inc, device, reference, stored) {
        Decision::Duplicate => {
            let e = facts.existing.as_ref();
            Plan {
                receipt: receipt(
                    ReceiptStatus::Duplicate,
                    e.map(|e| e.seq),
                    e.map(|e| e.version),
                    None,
                ),
                writes: Vec::new(),
            }
        }
        Decision::Reject(err) => Plan {
            receipt: receipt(ReceiptStatus::Rejected, None, None, Some(err)),
            writes: Vec::new(),
        },
        Decision::Insert {
            community,
            compound,
        } => {
            *seq += 1;
            let mut writes = vec![Write::Insert(RecordRow {
                id: inc.id.clone(),
                kind: inc.kind.as_str(),
                seq: *seq,
                version: 1,
                hash: inc.hash.clone(),
                body: inc.body.clone(),
                community,
                compound,
                event_at: inc.event_at,
                document_key: inc.document_key.clone(),
                device_clock,
            })];
            if !inc.kind.is_event() {
                writes.push(Write::Version {
                    id: inc.id.clone(),
                    version: 1,
                    body: inc.body.clone(),
                    incoming_hash: inc.hash.clone(),
                });
            }
            Plan {
                receipt: receipt(ReceiptStatus::Accepted, Some(*seq), Some(1), None),
                writes,
            }
        }
        Decision::Update {
            body,
            conflicts,
            community,
            compound,
            document_key,
        } => {
            let Some(e) = facts.existing.as_ref() else {
                // decide() updates only what is stored; should that ever change, refuse.
                tracing::warn!(id = %inc.id, "an update without a stored record; refused");
                return Plan {
                    receipt: receipt(ReceiptStatus::Rejected, None, None, Some(storage_error())),
                    writes: Vec::new(),
                };
            };
            let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let (text, hash) = canonical(&value);
            let version = e.version + 1;
            *seq += 1;
            let record_seq = *seq;
            let mut writes = vec![
                Write::Update(RecordRow {
                    id: inc.id.clone(),
                    kind: inc.kind.as_str(),
                    seq: record_seq,
                    version,
                    hash,
                    body: text.clone(),
                    community: community.clone(),
                    compound: compound.clone(),
                    event_at: None,
                    document_key,
                    device_clock,
                }),
                Write::Version {
                    id: inc.id.clone(),
                    version,
                    body: text,
                    incoming_hash: inc.hash.clone(),
                },
            ];
            // A hotline report moved to another unit takes its steps along (its reassignments
            // stay with the unit each was made in): the devices there see its whole history.
            if (&community, &compound) != (&e.community, &e.compound) {
                for id in &facts.followers {
                    *seq += 1;
                    writes.push(Write::Replace {
                        id: id.clone(),
                        seq: *seq,
                        community: community.clone(),
                        compound: compound.clone(),
                    });
                }
            }
            let at = meta
                .received_at
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            for c in &conflicts {
                let id = uuid::Uuid::now_v7().to_string();
                let (text, hash) = canonical(&conflict_body(&id, inc, c, &meta.device_id, &at));
                *seq += 1;
                // Placed with the record as stored now: only devices that see the record see
                // the values that lost.
                writes.push(Write::Insert(RecordRow {
                    id,
                    kind: kadian_domain::records::ChangeKind::CONFLICT,
                    seq: *seq,
                    version: 1,
                    hash,
                    body: text,
                    community: community.clone(),
                    compound: compound.clone(),
                    event_at: None,
                    document_key: None,
                    device_clock: None,
                }));
            }
            let status = if conflicts.is_empty() {
                ReceiptStatus::Accepted
            } else {
                ReceiptStatus::Conflict
            };
            Plan {
                receipt: receipt(status, Some(record_seq), Some(version), None),
                writes,
            }
        }
    }
}

/// The body of a `conflict` record: which field of which record lost which value.
fn conflict_body(
    id: &str,
    inc: &Incoming,
    c: &FieldConflict,
    device_id: &str,
    at: &str,
) -> serde_json::Value {
    serde_json::json!({
        "id": id, "record_kind": inc.kind, "record_id": inc.id, "field": c.field,
        "server_value": c.server_value, "device_value": c.device_value,
        "device_id": device_id, "at": at,
    })
}

/// The error of a record the server failed to store (its writes were rolled back; the device
/// sends it again).
pub fn storage_error() -> ApiError {
    ApiError {
        code: "storage_error".into(),
        message: "服务器无法保存这条记录，请稍后重试 / the server could not store this record; it will be retried".into(),
    }
}

/// The receipt of a record the server failed to store.
pub fn storage_failed(id: &str) -> Receipt {
    Receipt {
        id: id.to_owned(),
        status: ReceiptStatus::Rejected,
        server_seq: None,
        version: None,
        error: Some(storage_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kadian_domain::records::RecordKind;
    use kadian_domain::sync::{Role, Scope};
    use serde_json::json;

    fn meta() -> PushMeta {
        PushMeta {
            device_id: "d1".into(),
            device_time: Utc::now(),
            received_at: Utc::now(),
            clock_flagged: false,
        }
    }

    fn street_device() -> Device {
        Device {
            id: "d1".into(),
            name: "街道".into(),
            role: Role::Street,
            scope: Scope {
                street: "411402001".into(),
                community: None,
                compound: None,
                checkpoint: None,
                zone: None,
            },
            revoked: false,
        }
    }

    fn incoming(kind: RecordKind, body: serde_json::Value, base: Option<i64>) -> Incoming {
        let (text, hash) = canonical(&body);
        Incoming {
            kind,
            id: "0190a1b2-0000-7000-8000-0000000000aa".into(),
            op: if base.is_some() { "update" } else { "create" }.into(),
            base_version: base,
            hash,
            body: text,
            community: Some("411402001018".into()),
            compound: None,
            event_at: None,
            target: None,
            document_key: None,
            checkpoint: None,
            made_at: chrono::Utc::now(),
        }
    }

    fn stored(inc: &Incoming, body: serde_json::Value, version: i64, seq: i64) -> Existing {
        let (text, hash) = canonical(&body);
        Existing {
            kind: inc.kind.as_str().to_owned(),
            version,
            hash,
            body: text,
            seq,
            community: Some("411402001018".into()),
            compound: None,
        }
    }

    #[test]
    fn a_merge_of_two_valid_key_areas_that_is_not_valid_is_refused_not_stored() {
        let area = |from: &str, review: &str| {
            json!({"id": "0190a1b2-0000-7000-8000-0000000000aa", "community_code": "411402001018",
                "compound": "c1", "parts": [], "reason": "close_contacts", "declared_by": "community",
                "from": from, "review": review, "note": null})
        };
        // One laptop moved the review to 3月5日 (version 2); another, from version 1, the first
        // day to 3月10日: merged, the area would end before it starts.
        let inc = incoming(
            RecordKind::KeyArea,
            area("2026-03-10", "2026-03-16"),
            Some(1),
        );
        let facts = Facts {
            existing: Some(stored(&inc, area("2026-03-02", "2026-03-05"), 2, 9)),
            base: Some(canonical(&area("2026-03-02", "2026-03-16")).0),
            ..Facts::default()
        };
        let mut seq = 10;
        let plan = plan(
            &inc,
            &meta(),
            &street_device(),
            &Reference::default(),
            &facts,
            &mut seq,
        );
        assert_eq!(plan.receipt.status, ReceiptStatus::Rejected);
        assert_eq!(
            plan.receipt.error.as_ref().map(|e| e.code.as_str()),
            Some("invalid_record")
        );
        assert!(plan.writes.is_empty());
    }

    #[test]
    fn a_new_event_is_one_row_at_the_next_sequence_number() {
        let inc = incoming(RecordKind::Passage, json!({"id": "x"}), None);
        let mut seq = 41;
        let plan = plan(
            &inc,
            &meta(),
            &street_device(),
            &Reference::default(),
            &Facts::default(),
            &mut seq,
        );
        assert_eq!(seq, 42);
        assert_eq!(plan.receipt.status, ReceiptStatus::Accepted);
        assert_eq!(
            (plan.receipt.server_seq, plan.receipt.version),
            (Some(42), Some(1))
        );
        assert!(
            matches!(plan.writes.as_slice(), [Write::Insert(r)] if r.seq == 42 && r.version == 1 && r.kind == "passage")
        );
    }

    #[test]
    fn a_new_entity_keeps_its_first_version_for_later_merges() {
        let inc = incoming(
            RecordKind::Volunteer,
            json!({"id": "x", "name": "王"}),
            None,
        );
        let mut seq = 0;
        let plan = plan(
            &inc,
            &meta(),
            &street_device(),
            &Reference::default(),
            &Facts::default(),
            &mut seq,
        );
        assert!(matches!(
            plan.writes.as_slice(),
            [Write::Insert(_), Write::Version { version: 1, .. }]
        ));
    }

    #[test]
    fn a_resend_writes_nothing_and_answers_with_the_stored_sequence_number() {
        let inc = incoming(RecordKind::Passage, json!({"id": "x"}), None);
        let facts = Facts {
            existing: Some(stored(&inc, json!({"id": "x"}), 1, 7)),
            ..Facts::default()
        };
        let mut seq = 41;
        let plan = plan(
            &inc,
            &meta(),
            &street_device(),
            &Reference::default(),
            &facts,
            &mut seq,
        );
        assert_eq!(seq, 41, "no sequence number taken");
        assert_eq!(plan.receipt.status, ReceiptStatus::Duplicate);
        assert_eq!(plan.receipt.server_seq, Some(7));
        assert!(plan.writes.is_empty());
    }

    #[test]
    fn an_entity_set_whole_takes_the_next_sequence_number_and_version() {
        let base = json!({"id": "x", "a": 1, "b": 1});
        let inc = incoming(
            RecordKind::Volunteer,
            json!({"id": "x", "a": 2, "b": 2}),
            Some(1),
        );
        // A volunteer is set whole: the arrival wins, no conflict.
        let facts = Facts {
            existing: Some(stored(&inc, json!({"id": "x", "a": 3, "b": 1}), 2, 5)),
            base: Some(canonical(&base).0),
            ..Facts::default()
        };
        let mut seq = 10;
        let whole = plan(
            &inc,
            &meta(),
            &street_device(),
            &Reference::default(),
            &facts,
            &mut seq,
        );
        assert_eq!(whole.receipt.status, ReceiptStatus::Accepted);
        assert_eq!(
            (whole.receipt.server_seq, whole.receipt.version),
            (Some(11), Some(3))
        );
        assert!(matches!(
            whole.writes.as_slice(),
            [Write::Update(r), Write::Version { version: 3, .. }] if r.seq == 11
        ));
    }

    #[test]
    fn a_merged_update_takes_the_record_first_then_one_number_per_conflict() {
        use kadian_domain::records::{Person, PersonCategory};
        let mut p = Person::new("张三", PersonCategory::Resident);
        p.id = uuid::Uuid::parse_str("0190a1b2-0000-7000-8000-0000000000aa").expect("id");
        p.community_code = Some("411402001018".into());
        let with = |phone: &str, room: &str| {
            let mut q = p.clone();
            q.phone = Some(phone.into());
            q.room = Some(room.into());
            serde_json::to_value(q).expect("json")
        };
        // Both sides changed the phone (a conflict); the device changed the room too.
        let inc = incoming(RecordKind::Person, with("13800000003", "202"), Some(1));
        let facts = Facts {
            existing: Some(stored(&inc, with("13800000002", "101"), 2, 5)),
            base: Some(canonical(&with("13800000001", "101")).0),
            ..Facts::default()
        };
        let mut seq = 10;
        let merged = plan(
            &inc,
            &meta(),
            &street_device(),
            &Reference::default(),
            &facts,
            &mut seq,
        );
        assert_eq!(merged.receipt.status, ReceiptStatus::Conflict);
        assert_eq!(
            (merged.receipt.server_seq, merged.receipt.version),
            (Some(11), Some(3))
        );
        assert_eq!(seq, 12, "the record, then its one conflict");
        match merged.writes.as_slice() {
            [Write::Update(r), Write::Version { version: 3, .. }, Write::Insert(c)] => {
                assert_eq!(r.seq, 11);
                assert!(
                    r.body.contains("13800000002") && r.body.contains("202"),
                    "{}",
                    r.body
                );
                assert_eq!((c.kind, c.seq, c.device_clock), ("conflict", 12, None));
                assert_eq!(c.community, r.community, "placed with the record");
            }
            other => panic!("{other:?}"),
        }
    }
}
