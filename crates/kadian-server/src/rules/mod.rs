//! The push rules, independent of storage: validating a pushed record, finding where it belongs,
//! checking the device may write there, and deciding what an arrival means for what is stored
//! (new, duplicate, reused id, update, field-by-field merge). Pure functions, table-tested.
//!
//! `kinds/` holds one file per record kind (where it belongs), `scope` who sees what, `redact`
//! what a gate tablet receives of home observation, `decide` what an arrival means for what is
//! stored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kadian_domain::records::RecordKind;
use kadian_domain::records::{canonical_uuid, check_record, TypedRecord};
use kadian_domain::sync::{ApiError, PushRecord, Role, Scope};
use kadian_domain::Notice;
use serde_json::Value;
use sha2::{Digest, Sha256};

mod decide;
pub mod kinds;
pub mod redact;
mod scope;

pub use decide::{decide, Decision, Existing, FieldConflict, Stored};
pub use kinds::{document_key, place_person};
pub use scope::{can_see, in_scope};

use kinds::{Placed, Placing};

/// The street's layout: which community each compound is in, which compound each checkpoint.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    /// Community code → its name.
    pub communities: HashMap<String, String>,
    /// Compound id → (community code, name).
    pub compounds: HashMap<String, (String, String)>,
    /// Checkpoint id → (compound id, name).
    pub checkpoints: HashMap<String, (String, String)>,
    /// Retired compounds and checkpoints: id → when (UTC). A compound's checkpoints are listed
    /// with it.
    pub retired: HashMap<String, DateTime<Utc>>,
    /// Grid zones (片区): id → the zone.
    pub zones: HashMap<String, kadian_domain::places::Zone>,
    /// Compound id → its zone's id (a compound in no zone is not here).
    pub zone_of: HashMap<String, String>,
    /// The street's items (the plan's seven when the street never set its own): a movement or
    /// a donation names one of them.
    pub supply_items: kadian_domain::records::SupplyItems,
}

impl Reference {
    /// Where a scope is, by name: `八一新苑 东门` for a checkpoint, `八一新苑` for a compound, the
    /// zone's name (`第一片区`), the community's name, or the street's code; an id the reference data does not know is shown
    /// as it is.
    pub fn place_label(&self, scope: &kadian_domain::sync::Scope) -> String {
        if let Some(place) = scope.checkpoint.as_deref().or(scope.compound.as_deref()) {
            return self.place_name(place);
        }
        if let Some(zone) = scope.zone.as_deref() {
            return self
                .zones
                .get(zone)
                .map_or_else(|| zone.to_owned(), |z| z.name.clone());
        }
        if let Some(c) = scope.community.as_deref() {
            return self
                .communities
                .get(c)
                .map_or_else(|| c.to_owned(), |n| n.clone());
        }
        scope.street.clone()
    }

    /// A compound's or checkpoint's name (a checkpoint with its compound), or the id.
    pub fn place_name(&self, id: &str) -> String {
        if let Some((compound, name)) = self.checkpoints.get(id) {
            return match self.compounds.get(compound) {
                Some((_, c)) => format!("{c} {name}"),
                None => name.clone(),
            };
        }
        self.compounds
            .get(id)
            .map_or_else(|| id.to_owned(), |(_, n)| n.clone())
    }

    /// A street of one community (八一社区 411402001018), one compound (`c1` 八一新苑) and one
    /// checkpoint (`g1` 东门), for tests.
    #[cfg(test)]
    pub(crate) fn bayi() -> Reference {
        let mut r = Reference::default();
        r.communities
            .insert("411402001018".into(), "八一社区".into());
        r.compounds
            .insert("c1".into(), ("411402001018".into(), "八一新苑".into()));
        r.checkpoints
            .insert("g1".into(), ("c1".into(), "东门".into()));
        r
    }

    /// When the place (compound or checkpoint) was retired, if it was.
    pub fn retired_at(&self, id: &str) -> Option<DateTime<Utc>> {
        self.retired.get(id).copied()
    }

    /// The compound id named `name` in `community`.
    pub fn compound_named(&self, community: &str, name: &str) -> Option<String> {
        self.compounds
            .iter()
            .find(|(_, (c, n))| c == community && n == name)
            .map(|(id, _)| id.clone())
    }
}

/// An enrolled device as the server knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Device id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Scope.
    pub scope: Scope,
    /// Revoked devices are refused.
    pub revoked: bool,
}

/// A pushed record that passed its kind's rules, with where it belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Kind.
    pub kind: RecordKind,
    /// Id (canonical lower-case UUID).
    pub id: String,
    /// `create` or `update`.
    pub op: String,
    /// Version an update was made on.
    pub base_version: Option<i64>,
    /// SHA-256 of the canonical body (sorted keys), hex.
    pub hash: String,
    /// Canonical JSON body: the typed record re-serialised (unknown fields dropped).
    pub body: String,
    /// Community the record belongs to, by its body.
    pub community: Option<String>,
    /// Compound it belongs to, by its body.
    pub compound: Option<String>,
    /// For events: when it happened.
    pub event_at: Option<DateTime<Utc>>,
    /// For a correction: the kind and id of the event it corrects.
    pub target: Option<(RecordKind, String)>,
    /// For a person with a document number: `document_type:number`, unique on the server.
    pub document_key: Option<String>,
    /// For a passage or a reading: its checkpoint's id.
    pub checkpoint: Option<String>,
    /// When it was made (UTC): an event's instant, an entity's UUIDv7 time (else when it
    /// arrived). A new record made after its place was retired is refused.
    pub made_at: DateTime<Utc>,
}

/// SHA-256 of a JSON value's canonical form (serde_json sorts object keys), hex.
pub fn canonical(body: &Value) -> (String, String) {
    let text = body.to_string();
    let hash = hex::encode(Sha256::digest(text.as_bytes()));
    (text, hash)
}

pub(crate) fn reject(code: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        code: code.into(),
        message: message.into(),
    }
}

pub(crate) fn out_of_scope() -> ApiError {
    reject(
        "out_of_scope",
        "这条记录不属于本设备负责的范围 / the record lies outside this device's scope",
    )
}

/// Validates a pushed record by its kind's rules ([`check_record`], the same check every device
/// applies before it stores a record) and places it: events at a checkpoint belong to its
/// compound; everything must lie in the device's scope. The id must be the body's id in
/// canonical form (lower-case, hyphenated); a checkpoint tablet creates only UUIDv7 ids.
///
/// A `volunteer` (sign-in list of a compound) comes only from compound, community or street
/// devices, for a compound of the street, with its PIN as an Argon2 hash, never in clear.
///
/// Errors (the record's receipt is `rejected`; the message names the field and rule):
/// `invalid_record`, `unknown_kind`, `unknown_checkpoint`, `unknown_community`,
/// `unknown_compound`, `not_allowed`, `out_of_scope` (and `place_retired` from [`decide`]).
pub fn prepare(
    record: &PushRecord,
    device: &Device,
    reference: &Reference,
) -> Result<Incoming, ApiError> {
    let kind: RecordKind = record
        .kind
        .parse()
        .map_err(|n: Notice| reject("unknown_kind", format!("{} / {}", n.message, n.message_en)))?;
    let Some(id) = canonical_uuid(&record.id) else {
        return Err(reject(
            "invalid_record",
            "记录编号必须是小写带连字符的 UUID / the id must be a UUID in lower-case hyphenated form",
        ));
    };
    let typed = check_record(kind, &record.body).map_err(|n| {
        reject(
            "invalid_record",
            format!(
                "{}（{}）/ {} ({}: {})",
                n.message,
                n.field.as_str(),
                n.message_en,
                n.field.as_str(),
                n.code
            ),
        )
    })?;
    if typed.id() != id || record.body.get("id").and_then(Value::as_str) != Some(&record.id) {
        return Err(reject(
            "invalid_record",
            "记录编号与记录内容不符 / the id is not the body's id",
        ));
    }
    let Placed {
        community,
        compound,
        event_at,
        target,
        document_key: doc_key,
    } = kinds::place(&typed, &Placing { device, reference })?;
    if let Some(c) = community
        .as_ref()
        .filter(|c| !reference.communities.contains_key(*c))
    {
        return Err(reject(
            "unknown_community",
            format!("本街道没有社区 {c} / the street has no community {c}"),
        ));
    }
    // A record that follows its target (a visit its case, an action its report, a correction
    // what it corrects) is placed with the device for now and placed with its target when it
    // arrives (`decide`: the target must be on the server where the device sees it). A zone
    // laptop has no place of its own, so its own place is no test of scope here.
    let follows_target = target.is_some()
        && community == device.scope.community
        && compound == device.scope.compound;
    if !follows_target && !in_scope(device, reference, community.as_deref(), compound.as_deref()) {
        return Err(out_of_scope());
    }
    // The events taken at a gate name it: a passage, its reading, a sign-in or hand-over (the
    // retirement rule of `decide` looks at the gate as well as the compound).
    let checkpoint = match &typed {
        TypedRecord::Passage(p) => Some(p.checkpoint_id.clone()),
        TypedRecord::TemperatureReading(r) => Some(r.checkpoint_id.clone()),
        TypedRecord::ShiftEvent(e) => Some(e.checkpoint_id.clone()),
        _ => None,
    };
    // When it was made: an event's own instant; an entity's by its UUIDv7 id (the device's
    // clock when it was created), else now.
    let made_at = event_at.unwrap_or_else(|| made_at_of(&record.id));
    // Only the typed fields are kept and sent on: anything else in the body (a clear `pin`, a
    // script, a field of a newer version) is dropped here.
    let (body_text, hash) = canonical(&typed.to_value());
    Ok(Incoming {
        kind,
        id: record.id.clone(),
        op: record.op.clone(),
        base_version: record.base_version,
        hash,
        body: body_text,
        community,
        compound,
        event_at,
        target,
        document_key: doc_key,
        checkpoint,
        made_at,
    })
}

/// When a record with this id was made: the UUIDv7's millisecond timestamp, or now for an id of
/// another version (staff devices' derived ids).
pub(crate) fn made_at_of(id: &str) -> DateTime<Utc> {
    uuid::Uuid::try_parse(id)
        .ok()
        .filter(|u| u.get_version_num() == 7)
        .and_then(|u| u.get_timestamp())
        .and_then(|t| {
            let (secs, nanos) = t.to_unix();
            DateTime::<Utc>::from_timestamp(i64::try_from(secs).ok()?, nanos)
        })
        .unwrap_or_else(Utc::now)
}

/// The refusal of a new record made at a retired place after its retirement (`place_retired`).
pub(crate) fn place_retired(reference: &Reference, place: &str, at: DateTime<Utc>) -> ApiError {
    reject(
        "place_retired",
        format!(
            "{} 已于 {} 停用，不再接收新的记录 / {0} was retired at {1} (China time) and takes no new records",
            reference.place_name(place),
            crate::china_time::china_minute(at),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kadian_domain::records::Person;

    #[test]
    fn a_device_is_listed_by_the_name_of_its_place() {
        let r = Reference::bayi();
        let scope = |checkpoint: Option<&str>, compound: Option<&str>, community: Option<&str>| {
            kadian_domain::sync::Scope {
                street: "411402001".into(),
                community: community.map(Into::into),
                compound: compound.map(Into::into),
                checkpoint: checkpoint.map(Into::into),
                zone: None,
            }
        };
        assert_eq!(
            r.place_label(&scope(Some("g1"), Some("c1"), None)),
            "八一新苑 东门"
        );
        assert_eq!(r.place_label(&scope(None, Some("c1"), None)), "八一新苑");
        assert_eq!(
            r.place_label(&scope(None, None, Some("411402001018"))),
            "八一社区"
        );
        assert_eq!(r.place_label(&scope(None, None, None)), "411402001");
        assert_eq!(r.place_label(&scope(Some("gone"), None, None)), "gone");
    }

    fn incoming(kind: &str, body: Value, base: Option<i64>) -> Incoming {
        let (text, hash) = canonical(&body);
        Incoming {
            kind: kind.parse().expect("a record kind"),
            id: "x".into(),
            op: "update".into(),
            base_version: base,
            hash,
            body: text,
            community: None,
            compound: None,
            event_at: None,
            target: None,
            document_key: None,
            checkpoint: None,
            made_at: Utc::now(),
        }
    }

    fn existing(kind: &str, body: Value, version: i64) -> Existing {
        let (text, hash) = canonical(&body);
        Existing {
            kind: kind.into(),
            version,
            hash,
            body: text,
            seq: 1,
            community: None,
            compound: None,
        }
    }

    fn street() -> Device {
        Device {
            id: "d".into(),
            name: "d".into(),
            role: Role::Street,
            scope: Scope {
                street: "s".into(),
                community: None,
                compound: None,
                checkpoint: None,
                zone: None,
            },
            revoked: false,
        }
    }

    fn decide(
        i: &Incoming,
        existing: Option<&Existing>,
        base: Option<&str>,
        applied_before: bool,
    ) -> Decision {
        super::decide(
            i,
            &street(),
            &Reference::default(),
            Stored {
                existing,
                base,
                applied_before,
                ..Stored::default()
            },
        )
    }

    /// A person's body with a fixed id.
    fn person(name: &str, room: &str, phone: &str) -> Value {
        let mut p = Person::new(name, kadian_domain::records::PersonCategory::Resident);
        p.id = uuid::Uuid::nil();
        p.room = Some(room.into());
        p.phone = Some(phone.into());
        serde_json::to_value(p).expect("json")
    }

    #[test]
    fn a_document_type_and_number_merge_as_one_value() {
        let with = |t: &str, n: &str| {
            let mut v = person("张三", "101", "1");
            v["document_type"] = Value::from(t);
            v["document_number"] = Value::from(n);
            v
        };
        let base = with("passport", "P0000001");
        let server = existing("person", with("passport", "P0000002"), 2);
        let device = incoming("person", with("resident_id", "41140219800101001X"), Some(1));
        let (base_text, _) = canonical(&base);
        let Decision::Update {
            body, conflicts, ..
        } = decide(&device, Some(&server), Some(&base_text), false)
        else {
            panic!("update expected")
        };
        let merged: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            (
                merged["document_type"].as_str(),
                merged["document_number"].as_str()
            ),
            (Some("passport"), Some("P0000002")),
            "never a resident_id with a passport number"
        );
        assert_eq!(conflicts.len(), 2);
    }

    #[test]
    fn decisions() {
        let a = person("张三", "101", "1");
        let e = existing("passage", a.clone(), 1);
        assert_eq!(
            decide(&incoming("passage", a.clone(), None), None, None, false),
            Decision::Insert {
                community: None,
                compound: None
            }
        );
        assert_eq!(
            decide(&incoming("passage", a.clone(), None), Some(&e), None, false),
            Decision::Duplicate
        );
        let changed = person("李四", "101", "1");
        assert!(
            matches!(decide(&incoming("passage", changed.clone(), None), Some(&e), None, false), Decision::Reject(ref r) if r.code == "id_reused")
        );
        let p = existing("person", a.clone(), 1);
        assert!(
            matches!(decide(&incoming("person", changed.clone(), Some(1)), Some(&p), None, false), Decision::Update { ref conflicts, .. } if conflicts.is_empty())
        );
    }

    #[test]
    fn field_merge_and_conflict() {
        let base = person("张三", "101", "1");
        // The server is at version 2: room changed. The device edits version 1.
        let server = existing("person", person("张三", "202", "1"), 2);
        let (base_text, _) = canonical(&base);
        // Different field: merged.
        let device = incoming("person", person("张三", "101", "2"), Some(1));
        let Decision::Update {
            body, conflicts, ..
        } = decide(&device, Some(&server), Some(&base_text), false)
        else {
            panic!("update expected")
        };
        assert!(conflicts.is_empty());
        let merged: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            (merged["room"].as_str(), merged["phone"].as_str()),
            (Some("202"), Some("2"))
        );
        // Same field: the server wins, the device's value is listed.
        let device = incoming("person", person("张三", "303", "1"), Some(1));
        let Decision::Update {
            body, conflicts, ..
        } = decide(&device, Some(&server), Some(&base_text), false)
        else {
            panic!("update expected")
        };
        let merged: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(merged["room"], "202");
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].device_value, "303");
        // The same update pushed again after its receipt was lost: a duplicate, not a new merge.
        assert_eq!(
            decide(&device, Some(&server), Some(&base_text), true),
            Decision::Duplicate
        );
    }

    #[test]
    fn a_new_record_made_after_its_place_was_retired_is_refused_whatever_its_op() {
        let retired = DateTime::parse_from_rfc3339("2026-12-06T08:00:00Z")
            .expect("time")
            .to_utc();
        let mut r = Reference::bayi();
        r.retired.insert("g1".into(), retired);
        let at = |minutes: i64, op: &str, checkpoint: Option<&str>, target: bool| {
            let mut i = incoming("passage", serde_json::json!({}), None);
            i.op = op.into();
            i.checkpoint = checkpoint.map(Into::into);
            i.compound = Some("c1".into());
            i.made_at = retired + chrono::Duration::minutes(minutes);
            if target {
                i.kind = RecordKind::Correction;
                i.target = Some((RecordKind::Passage, "p".into()));
            }
            i
        };
        let passage = existing("passage", serde_json::json!({}), 1);
        let judge = |i: &Incoming| {
            super::decide(
                i,
                &street(),
                &r,
                Stored {
                    target: Some(&passage),
                    ..Stored::default()
                },
            )
        };
        let code = |d: Decision| match d {
            Decision::Reject(e) => e.code,
            Decision::Insert { .. } => "insert".into(),
            other => format!("{other:?}"),
        };
        // Made a minute before: taken whenever it arrives.
        assert_eq!(code(judge(&at(-1, "create", Some("g1"), false))), "insert");
        // Made after: refused, also when the device calls it an update.
        assert_eq!(
            code(judge(&at(1, "create", Some("g1"), false))),
            "place_retired"
        );
        assert_eq!(
            code(judge(&at(1, "update", Some("g1"), false))),
            "place_retired"
        );
        // Another gate of the compound, still in use: taken.
        assert_eq!(code(judge(&at(1, "create", Some("g2"), false))), "insert");
        // A correction follows its target: history stays correctable.
        assert_eq!(code(judge(&at(1, "create", None, true))), "insert");
        // The message names the place, in China time.
        let Decision::Reject(e) = judge(&at(1, "create", Some("g1"), false)) else {
            panic!("refused")
        };
        assert!(
            e.message
                .contains("八一新苑 东门 已于 2026-12-06 16:00 停用"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_entity_was_made_when_its_uuidv7_says() {
        let id = "0193a1b2-c3d4-7000-8000-000000000000";
        let t = made_at_of(id);
        assert_eq!(t.timestamp_millis(), 0x0193_a1b2_c3d4);
        // A derived (v5) id: when it arrives.
        let v5 = made_at_of("6f1c2a3b-0000-5000-8000-000000000000");
        assert!((Utc::now() - v5).num_seconds().abs() < 5);
    }
}
