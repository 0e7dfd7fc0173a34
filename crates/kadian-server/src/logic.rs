//! The push rules, independent of storage: validating a pushed record, finding where it belongs,
//! checking the device may write there, and deciding what an arrival means for what is stored
//! (new, duplicate, reused id, update, field-by-field merge). Pure functions, table-tested.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use kadian_domain::records::{canonical_uuid, check_record, TypedRecord};
use kadian_domain::records::{Person, RecordKind};
use kadian_domain::sync::{ApiError, PushRecord, Role, Scope};
use kadian_domain::Notice;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The street's layout: which community each compound is in, which compound each checkpoint.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    /// Community code → its name.
    pub communities: HashMap<String, String>,
    /// Compound id → (community code, name).
    pub compounds: HashMap<String, (String, String)>,
    /// Checkpoint id → (compound id, name).
    pub checkpoints: HashMap<String, (String, String)>,
}

impl Reference {
    /// Where a scope is, by name: `八一新苑 东门` for a checkpoint, `八一新苑` for a compound, the
    /// community's name, or the street's code; an id the reference data does not know is shown
    /// as it is.
    pub fn place_label(&self, scope: &kadian_domain::sync::Scope) -> String {
        if let Some(cp) = scope.checkpoint.as_deref() {
            return match self.checkpoints.get(cp) {
                Some((compound, name)) => match self.compounds.get(compound) {
                    Some((_, c)) => format!("{c} {name}"),
                    None => name.clone(),
                },
                None => cp.to_owned(),
            };
        }
        if let Some(c) = scope.compound.as_deref() {
            return self
                .compounds
                .get(c)
                .map_or_else(|| c.to_owned(), |(_, n)| n.clone());
        }
        if let Some(c) = scope.community.as_deref() {
            return self
                .communities
                .get(c)
                .map_or_else(|| c.to_owned(), |n| n.clone());
        }
        scope.street.clone()
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
}

/// SHA-256 of a JSON value's canonical form (serde_json sorts object keys), hex.
pub fn canonical(body: &Value) -> (String, String) {
    let text = body.to_string();
    let hash = hex::encode(Sha256::digest(text.as_bytes()));
    (text, hash)
}

fn reject(code: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        code: code.into(),
        message: message.into(),
    }
}

fn out_of_scope() -> ApiError {
    reject(
        "out_of_scope",
        "这条记录不属于本设备负责的范围 / the record lies outside this device's scope",
    )
}

/// The key that makes a person's document number unique: `document_type:number`.
pub fn document_key(p: &Person) -> Option<String> {
    p.document_number
        .as_ref()
        .map(|n| format!("{}:{n}", p.document_type.as_str()))
}

/// Where a person belongs: the community of its body (or `fallback`'s), and the compound of
/// that community named in its body (or `fallback`'s compound when the body names none the
/// street knows).
fn place_person(
    p: &Person,
    reference: &Reference,
    fallback: (Option<String>, Option<String>),
) -> (Option<String>, Option<String>) {
    let community = p.community_code.clone().or(fallback.0);
    let compound = match (&community, &p.compound) {
        (Some(c), Some(name)) => reference
            .compound_named(c, name)
            .or_else(|| {
                // A compound id, of this community only.
                reference
                    .compounds
                    .get(name)
                    .is_some_and(|(of, _)| of == c)
                    .then(|| name.clone())
            })
            .or(fallback.1),
        _ => fallback.1,
    };
    (community, compound)
}

/// True when `device` sees (pulls) a record placed at (`community`, `compound`): what it may
/// update or correct. A compound device sees its compound's records only, not its community's
/// records that have no compound.
pub fn can_see(device: &Device, community: Option<&str>, compound: Option<&str>) -> bool {
    match device.role {
        Role::Street => true,
        Role::Community => community.is_some() && community == device.scope.community.as_deref(),
        Role::Compound | Role::Volunteer => {
            community == device.scope.community.as_deref()
                && compound.is_some()
                && compound == device.scope.compound.as_deref()
        }
    }
}

/// True when `device` may place a new record at (`community`, `compound`).
/// That is what it sees ([`can_see`]), and for a compound device also its community with no
/// compound (a person whose register named no compound the street knows).
pub fn in_scope(device: &Device, community: Option<&str>, compound: Option<&str>) -> bool {
    can_see(device, community, compound)
        || (matches!(device.role, Role::Compound | Role::Volunteer)
            && compound.is_none()
            && community == device.scope.community.as_deref())
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
/// `unknown_compound`, `not_allowed`, `out_of_scope`.
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
    let at_checkpoint = |checkpoint: &str| -> Result<(Option<String>, Option<String>), ApiError> {
        let (compound, _) = reference.checkpoints.get(checkpoint).ok_or_else(|| {
            reject(
                "unknown_checkpoint",
                format!("未知卡点 / unknown checkpoint {checkpoint}"),
            )
        })?;
        let community = reference.compounds.get(compound).map(|(c, _)| c.clone());
        Ok((community, Some(compound.clone())))
    };
    let own = || {
        (
            device.scope.community.clone(),
            device.scope.compound.clone(),
        )
    };
    let mut target = None;
    let mut doc_key = None;
    let ((community, compound), event_at) = match &typed {
        TypedRecord::Passage(p) => (at_checkpoint(&p.checkpoint_id)?, Some(p.at.utc)),
        TypedRecord::TemperatureReading(r) => (
            at_checkpoint(&r.checkpoint_id).unwrap_or_else(|_| own()),
            Some(r.at.utc),
        ),
        TypedRecord::TravelDeclaration(t) => (own(), Some(t.declared_at.utc)),
        TypedRecord::Correction(c) => {
            target = Some((c.target_kind, c.target_id.to_string()));
            (own(), Some(c.at.utc))
        }
        TypedRecord::Person(p) => {
            doc_key = document_key(p);
            (place_person(p, reference, own()), None)
        }
        TypedRecord::Volunteer(v) => {
            if device.role == Role::Volunteer {
                return Err(reject(
                    "not_allowed",
                    "志愿者名单只能由小区、社区或街道工作人员设置 / only compound, community or street staff set the volunteer list",
                ));
            }
            let (community, _) = reference.compounds.get(&v.compound).ok_or_else(|| {
                reject(
                    "unknown_compound",
                    format!("未知小区 / unknown compound {}", v.compound),
                )
            })?;
            ((Some(community.clone()), Some(v.compound.clone())), None)
        }
    };
    if let Some(c) = community
        .as_ref()
        .filter(|c| !reference.communities.contains_key(*c))
    {
        return Err(reject(
            "unknown_community",
            format!("本街道没有社区 {c} / the street has no community {c}"),
        ));
    }
    if !in_scope(device, community.as_deref(), compound.as_deref()) {
        return Err(out_of_scope());
    }
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
    })
}

/// What is stored under an id already.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    /// Kind.
    pub kind: String,
    /// Current version.
    pub version: i64,
    /// Hash of the current body.
    pub hash: String,
    /// Current body.
    pub body: String,
    /// Position in the change sequence.
    pub seq: i64,
    /// Community it is placed in.
    pub community: Option<String>,
    /// Compound it is placed in.
    pub compound: Option<String>,
}

/// One field both sides changed: the server's value stays, the device's is kept for review.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldConflict {
    /// Field name.
    pub field: String,
    /// The value kept.
    pub server_value: Value,
    /// The device's value, not applied.
    pub device_value: Value,
}

/// What to do with an arrival.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Store as version 1, placed here.
    Insert {
        /// Community.
        community: Option<String>,
        /// Compound.
        compound: Option<String>,
    },
    /// Already stored with the same content.
    Duplicate,
    /// Refuse with this error.
    Reject(ApiError),
    /// Store this body as the next version; `conflicts` lists fields where the server's value
    /// won over the device's.
    Update {
        /// The body to store (canonical JSON).
        body: String,
        /// Fields both sides changed differently.
        conflicts: Vec<FieldConflict>,
        /// Community, from the stored body.
        community: Option<String>,
        /// Compound, from the stored body.
        compound: Option<String>,
        /// The stored body's document key (persons).
        document_key: Option<String>,
    },
}

/// What the server holds that an arrival is judged against, read by the backend before
/// [`decide`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Stored<'a> {
    /// The record under the arrival's id.
    pub existing: Option<&'a Existing>,
    /// The stored body of the version the device's update was made on (when older than the
    /// current one).
    pub base: Option<&'a str>,
    /// This exact pushed body was applied to the entity already (a resend whose receipt was
    /// lost: a merged body differs from what was pushed, so only the pushed hash recognises it).
    pub applied_before: bool,
    /// For a correction: the record under its target id.
    pub target: Option<&'a Existing>,
    /// For a person with a document number: the id of the record that holds the same
    /// [`Incoming::document_key`], if any.
    pub document_holder: Option<&'a str>,
}

/// Decides what an arrival means, on what is stored as well as on what was pushed: an update
/// or a correction needs scope over the stored record (or the corrected one), a move over both
/// places; a merged entity is placed by its merged body.
pub fn decide(
    incoming: &Incoming,
    device: &Device,
    reference: &Reference,
    stored: Stored<'_>,
) -> Decision {
    let document_taken = stored
        .document_holder
        .is_some_and(|holder| holder != incoming.id);
    // Deterministic (UUIDv5) ids are derived by staff devices (imports, volunteers): a tablet
    // may only update such a record of its own compound. Any other arrival under a non-UUIDv7
    // id gets one answer, whether or not the id exists elsewhere: derived ids are guessable
    // (an import's comes from an ID number), and "exists" would tell the tablet who lives in
    // the street.
    if device.role == Role::Volunteer
        && uuid::Uuid::try_parse(&incoming.id).map_or(true, |u| u.get_version_num() != 7)
        && !stored.existing.is_some_and(|e| {
            e.kind == incoming.kind.as_str()
                && can_see(device, e.community.as_deref(), e.compound.as_deref())
        })
    {
        return Decision::Reject(reject(
            "invalid_record",
            "卡点平板只能新建 UUIDv7 编号的记录 / a checkpoint tablet creates records with UUIDv7 ids only",
        ));
    }
    let Some(existing) = stored.existing else {
        if document_taken {
            return Decision::Reject(document_in_use());
        }
        if let Some((kind, id)) = &incoming.target {
            return match stored.target {
                Some(t) if t.kind == kind.as_str() => {
                    if can_see(device, t.community.as_deref(), t.compound.as_deref()) {
                        Decision::Insert {
                            community: t.community.clone(),
                            compound: t.compound.clone(),
                        }
                    } else {
                        Decision::Reject(out_of_scope())
                    }
                }
                _ => Decision::Reject(reject(
                    "unknown_target",
                    format!("要作废或更正的记录不在服务器上 / the corrected {} {id} is not on the server", kind.as_str()),
                )),
            };
        }
        return Decision::Insert {
            community: incoming.community.clone(),
            compound: incoming.compound.clone(),
        };
    };
    if existing.kind != incoming.kind.as_str() {
        if !can_see(
            device,
            existing.community.as_deref(),
            existing.compound.as_deref(),
        ) {
            return Decision::Reject(out_of_scope());
        }
        return Decision::Reject(reject(
            "id_reused",
            "该编号已被另一种记录使用 / the id belongs to another kind of record",
        ));
    }
    if existing.hash == incoming.hash || (stored.applied_before && !incoming.kind.is_event()) {
        return Decision::Duplicate;
    }
    if !can_see(
        device,
        existing.community.as_deref(),
        existing.compound.as_deref(),
    ) {
        return Decision::Reject(out_of_scope());
    }
    if incoming.kind.is_event() {
        return Decision::Reject(reject(
            "id_reused",
            "同一编号的记录内容不同：事件记录不能修改 / an event with this id exists with other content; events are never edited",
        ));
    }
    let incoming_base = incoming.base_version.unwrap_or(0);
    // A volunteer is small and set whole by compound staff (name, PIN hash, retired): the
    // latest arrival wins, whole. A field merge would keep a PIN the staff had replaced, or
    // keep a volunteer retired whom they had restored.
    let (body, conflicts) =
        if incoming_base == existing.version || incoming.kind == RecordKind::Volunteer {
            (incoming.body.clone(), Vec::new())
        } else {
            merge(&existing.body, &incoming.body, stored.base)
        };
    let (community, compound, document_key) = if incoming.kind == RecordKind::Person {
        // The merged body is checked again: a merge of two valid persons must be a valid person.
        let merged = match serde_json::from_str::<Person>(&body) {
            Ok(p) => p,
            Err(e) => {
                return Decision::Reject(reject(
                    "invalid_record",
                    format!("合并结果无效 / the merged person is invalid: {e}"),
                ))
            }
        };
        if let Err(n) = kadian_domain::records::check_person(&merged) {
            return Decision::Reject(reject(
                "invalid_record",
                format!(
                    "合并结果无效：{} / the merged person is invalid: {}",
                    n.message, n.message_en
                ),
            ));
        }
        let key = document_key(&merged);
        let stored_key = serde_json::from_str::<Person>(&existing.body)
            .ok()
            .and_then(|p| document_key(&p));
        // Only a change of the document number can take one another person holds (persons
        // who shared a number before the rule existed can still be edited).
        if key.is_some() && key != stored_key && key == incoming.document_key && document_taken {
            return Decision::Reject(document_in_use());
        }
        let (c, k) = place_person(
            &merged,
            reference,
            (existing.community.clone(), existing.compound.clone()),
        );
        (c, k, key)
    } else {
        (incoming.community.clone(), incoming.compound.clone(), None)
    };
    if !in_scope(device, community.as_deref(), compound.as_deref()) {
        return Decision::Reject(out_of_scope());
    }
    Decision::Update {
        body,
        conflicts,
        community,
        compound,
        document_key,
    }
}

/// Field-by-field merge of `mine` (made on `base`) into `current`: where both changed a field
/// differently, the current value stays and the pair is listed.
fn merge(current: &str, mine: &str, base: Option<&str>) -> (String, Vec<FieldConflict>) {
    let parse = |s: &str| serde_json::from_str::<BTreeMap<String, Value>>(s).unwrap_or_default();
    let current = parse(current);
    let mine = parse(mine);
    let base = base.map(parse).unwrap_or_default();
    let mut merged = current.clone();
    let mut conflicts = Vec::new();
    // A document's type and number are one value: merged together or not at all.
    let pair = |m: &BTreeMap<String, Value>| {
        (
            m.get("document_type").cloned(),
            m.get("document_number").cloned(),
        )
    };
    let (base_pair, now_pair, my_pair) = (pair(&base), pair(&current), pair(&mine));
    let pair_conflict = my_pair != base_pair && my_pair != now_pair && now_pair != base_pair;
    for (field, value) in &mine {
        if matches!(field.as_str(), "document_type" | "document_number") {
            if my_pair == base_pair || my_pair == now_pair {
                continue;
            }
            if pair_conflict {
                conflicts.push(FieldConflict {
                    field: field.clone(),
                    server_value: current.get(field).cloned().unwrap_or(Value::Null),
                    device_value: value.clone(),
                });
            } else {
                merged.insert(field.clone(), value.clone());
            }
            continue;
        }
        let before = base.get(field);
        if before == Some(value) {
            continue; // the device did not change it
        }
        let now = current.get(field);
        if now == Some(value) {
            continue; // both made the same change
        }
        if now != before {
            conflicts.push(FieldConflict {
                field: field.clone(),
                server_value: now.cloned().unwrap_or(Value::Null),
                device_value: value.clone(),
            });
        } else {
            merged.insert(field.clone(), value.clone());
        }
    }
    (
        serde_json::to_string(&merged).unwrap_or_default(),
        conflicts,
    )
}

/// The refusal of a person whose document number another person holds on the server. The other
/// person is not named: the pusher may not be allowed to see them. Staff find both on the
/// duplicate review of a device that sees both.
pub fn document_in_use() -> ApiError {
    reject(
        "document_number_in_use",
        "该证件号码已登记在另一人名下，请核对是否同一人 / another person holds this document number; check whether they are the same person",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_listed_by_the_name_of_its_place() {
        let mut r = Reference::default();
        r.communities
            .insert("411402001018".into(), "八一社区".into());
        r.compounds
            .insert("c1".into(), ("411402001018".into(), "八一新苑".into()));
        r.checkpoints
            .insert("k1".into(), ("c1".into(), "东门".into()));
        let scope = |checkpoint: Option<&str>, compound: Option<&str>, community: Option<&str>| {
            kadian_domain::sync::Scope {
                street: "411402001".into(),
                community: community.map(Into::into),
                compound: compound.map(Into::into),
                checkpoint: checkpoint.map(Into::into),
            }
        };
        assert_eq!(
            r.place_label(&scope(Some("k1"), Some("c1"), None)),
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
}
