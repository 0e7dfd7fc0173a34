//! The push rules, independent of storage: validating a pushed record, finding where it belongs,
//! checking the device may write there, and deciding what an arrival means for what is stored
//! (new, duplicate, reused id, update, field-by-field merge). Pure functions, table-tested.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use kadian_domain::records::{Correction, Passage, Person, TemperatureReading, TravelDeclaration};
use kadian_domain::sync::{ApiError, PushRecord, Role, Scope};
use kadian_domain::volunteer::{check_volunteer_name, is_pin_hash, volunteer_id, Volunteer};
use serde::Deserialize;
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

/// A pushed record that passed validation, with where it belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Kind name.
    pub kind: String,
    /// Id.
    pub id: String,
    /// `create` or `update`.
    pub op: String,
    /// Version an update was made on.
    pub base_version: Option<i64>,
    /// SHA-256 of the canonical body (sorted keys), hex.
    pub hash: String,
    /// Canonical JSON body.
    pub body: String,
    /// Community the record belongs to.
    pub community: Option<String>,
    /// Compound it belongs to.
    pub compound: Option<String>,
    /// For events: when it happened.
    pub event_at: Option<DateTime<Utc>>,
}

impl Incoming {
    /// True for kinds that are never edited.
    pub fn is_event(&self) -> bool {
        !matches!(self.kind.as_str(), "person" | "volunteer")
    }
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

/// Validates a pushed record and places it: the body must be the kind's record with the same
/// id; events at a checkpoint belong to its compound; everything must lie in the device's scope.
///
/// A `volunteer` (sign-in list of a compound) comes only from compound, community or street
/// devices, for a compound of the street, with its PIN as an Argon2 hash, never in clear.
///
/// Errors (the record's receipt is `rejected`): `invalid_record`, `unknown_kind`,
/// `unknown_checkpoint`, `unknown_community`, `unknown_compound`, `not_allowed`, `out_of_scope`.
pub fn prepare(
    record: &PushRecord,
    device: &Device,
    reference: &Reference,
) -> Result<Incoming, ApiError> {
    let mut typed: Option<Value> = None;
    let bad = |e: serde_json::Error| {
        reject(
            "invalid_record",
            format!("记录格式不对 / malformed {}: {e}", record.kind),
        )
    };
    let body_id = record
        .body
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if body_id != record.id || uuid::Uuid::parse_str(&record.id).is_err() {
        return Err(reject(
            "invalid_record",
            "记录编号不对 / the id is not the body's UUID",
        ));
    }
    // (community, compound, event_at) from the record itself.
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
    let (community, compound, event_at) = match record.kind.as_str() {
        "passage" => {
            let p: Passage = Deserialize::deserialize(&record.body).map_err(bad)?;
            let (c, k) = at_checkpoint(&p.checkpoint_id)?;
            (c, k, Some(p.at.utc))
        }
        "temperature_reading" => {
            let r: TemperatureReading = Deserialize::deserialize(&record.body).map_err(bad)?;
            if !(kadian_domain::temperature::MIN_TENTHS..=kadian_domain::temperature::MAX_TENTHS)
                .contains(&r.celsius.tenths())
            {
                return Err(reject(
                    "invalid_record",
                    "体温超出 34.0–43.0 ℃ / temperature outside 34.0–43.0 °C",
                ));
            }
            let (c, k) = at_checkpoint(&r.checkpoint_id).unwrap_or((
                device.scope.community.clone(),
                device.scope.compound.clone(),
            ));
            (c, k, Some(r.at.utc))
        }
        "travel_declaration" => {
            let t: TravelDeclaration = Deserialize::deserialize(&record.body).map_err(bad)?;
            (
                device.scope.community.clone(),
                device.scope.compound.clone(),
                Some(t.declared_at.utc),
            )
        }
        "correction" => {
            let c: Correction = Deserialize::deserialize(&record.body).map_err(bad)?;
            if c.reason.trim().is_empty() {
                return Err(reject(
                    "invalid_record",
                    "作废或更正必须有原因 / a correction needs a reason",
                ));
            }
            (
                device.scope.community.clone(),
                device.scope.compound.clone(),
                Some(c.at.utc),
            )
        }
        "person" => {
            let p: Person = Deserialize::deserialize(&record.body).map_err(bad)?;
            if p.name.trim().is_empty() {
                return Err(reject("invalid_record", "姓名为空 / the name is empty"));
            }
            let community = p
                .community_code
                .clone()
                .or_else(|| device.scope.community.clone());
            let compound = match (&community, &p.compound) {
                (Some(c), Some(name)) => reference
                    .compound_named(c, name)
                    .or_else(|| device.scope.compound.clone()),
                _ => device.scope.compound.clone(),
            };
            (community, compound, None)
        }
        "volunteer" => {
            let v: Volunteer = Deserialize::deserialize(&record.body).map_err(bad)?;
            if v.id != volunteer_id(&v.compound, &v.name) {
                return Err(reject(
                    "invalid_record",
                    "志愿者编号与小区和姓名不符 / the volunteer's id is not that of its compound and name",
                ));
            }
            if device.role == Role::Volunteer {
                return Err(reject(
                    "not_allowed",
                    "志愿者名单只能由小区、社区或街道工作人员设置 / only compound, community or street staff set the volunteer list",
                ));
            }
            if let Err(n) = check_volunteer_name(&v.name) {
                return Err(reject(
                    "invalid_record",
                    format!("{} / {}", n.message, n.message_en),
                ));
            }
            if !is_pin_hash(&v.pin_hash) {
                return Err(reject(
                    "invalid_record",
                    "密码必须以 Argon2 散列发送，不能发送明文 / the PIN must come as an Argon2 hash, never in clear",
                ));
            }
            let (community, _) = reference.compounds.get(&v.compound).ok_or_else(|| {
                reject(
                    "unknown_compound",
                    format!("未知小区 / unknown compound {}", v.compound),
                )
            })?;
            // Only the typed fields are kept and sent on: anything else in the body (a clear
            // `pin`, say) is dropped here.
            typed = Some(serde_json::to_value(&v).map_err(bad)?);
            (Some(community.clone()), Some(v.compound.clone()), None)
        }
        other => {
            return Err(reject(
                "unknown_kind",
                format!("未知记录类型 / unknown kind {other}"),
            ))
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
    let in_scope = match device.role {
        Role::Street => true,
        Role::Community => community.is_some() && community == device.scope.community,
        Role::Compound | Role::Volunteer => {
            community == device.scope.community
                && (compound.is_none() || compound == device.scope.compound)
        }
    };
    if !in_scope {
        return Err(reject(
            "out_of_scope",
            "这条记录不属于本设备负责的范围 / the record lies outside this device's scope",
        ));
    }
    let (body_text, hash) = canonical(typed.as_ref().unwrap_or(&record.body));
    Ok(Incoming {
        kind: record.kind.clone(),
        id: record.id.clone(),
        op: record.op.clone(),
        base_version: record.base_version,
        hash,
        body: body_text,
        community,
        compound,
        event_at,
    })
}

/// What is stored under the id already.
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
    /// Store as version 1.
    Insert,
    /// Already stored with the same content.
    Duplicate,
    /// Refuse with this error.
    Reject(ApiError),
    /// Store this body as the next version; `conflicts` lists fields where the server's value
    /// won over the device's.
    Update {
        /// The body to store.
        body: String,
        /// Fields both sides changed differently.
        conflicts: Vec<FieldConflict>,
    },
}

/// Decides what an arrival means. `base` is the stored body of the version the device's update
/// was made on (when it is older than the current one); `applied_before` says this exact pushed
/// body was applied to the entity already (a resend whose receipt was lost: a merged body differs
/// from what was pushed, so only the pushed hash recognises it).
pub fn decide(
    incoming: &Incoming,
    existing: Option<&Existing>,
    base: Option<&str>,
    applied_before: bool,
) -> Decision {
    let Some(existing) = existing else {
        return Decision::Insert;
    };
    if existing.kind != incoming.kind {
        return Decision::Reject(reject(
            "id_reused",
            "该编号已被另一种记录使用 / the id belongs to another kind of record",
        ));
    }
    if existing.hash == incoming.hash || (applied_before && !incoming.is_event()) {
        return Decision::Duplicate;
    }
    if incoming.is_event() {
        return Decision::Reject(reject(
            "id_reused",
            "同一编号的记录内容不同：事件记录不能修改 / an event with this id exists with other content; events are never edited",
        ));
    }
    let incoming_base = incoming.base_version.unwrap_or(0);
    // A volunteer is small and set whole by compound staff (name, PIN hash, retired): the
    // latest arrival wins, whole. A field merge would keep a PIN the staff had replaced, or
    // keep a volunteer retired whom they had restored.
    if incoming_base == existing.version || incoming.kind == "volunteer" {
        return Decision::Update {
            body: incoming.body.clone(),
            conflicts: Vec::new(),
        };
    }
    let parse = |s: &str| serde_json::from_str::<BTreeMap<String, Value>>(s).unwrap_or_default();
    let current = parse(&existing.body);
    let mine = parse(&incoming.body);
    let base = base.map(parse).unwrap_or_default();
    let mut merged = current.clone();
    let mut conflicts = Vec::new();
    for (field, value) in &mine {
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
    Decision::Update {
        body: serde_json::to_string(&merged).unwrap_or_default(),
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(kind: &str, body: Value, base: Option<i64>) -> Incoming {
        let (text, hash) = canonical(&body);
        Incoming {
            kind: kind.into(),
            id: "x".into(),
            op: "update".into(),
            base_version: base,
            hash,
            body: text,
            community: None,
            compound: None,
            event_at: None,
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
        }
    }

    #[test]
    fn decisions() {
        let a = serde_json::json!({"id": "x", "name": "张三", "room": "101", "phone": "1"});
        let e = existing("passage", a.clone(), 1);
        assert_eq!(
            decide(&incoming("passage", a.clone(), None), None, None, false),
            Decision::Insert
        );
        assert_eq!(
            decide(&incoming("passage", a.clone(), None), Some(&e), None, false),
            Decision::Duplicate
        );
        let changed = serde_json::json!({"id": "x", "name": "李四", "room": "101", "phone": "1"});
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
        let base = serde_json::json!({"id": "x", "name": "张三", "room": "101", "phone": "1"});
        // The server is at version 2: room changed. The device edits version 1.
        let server = existing(
            "person",
            serde_json::json!({"id": "x", "name": "张三", "room": "202", "phone": "1"}),
            2,
        );
        let (base_text, _) = canonical(&base);
        // Different field: merged.
        let device = incoming(
            "person",
            serde_json::json!({"id": "x", "name": "张三", "room": "101", "phone": "2"}),
            Some(1),
        );
        let Decision::Update { body, conflicts } =
            decide(&device, Some(&server), Some(&base_text), false)
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
        let device = incoming(
            "person",
            serde_json::json!({"id": "x", "name": "张三", "room": "303", "phone": "1"}),
            Some(1),
        );
        let Decision::Update { body, conflicts } =
            decide(&device, Some(&server), Some(&base_text), false)
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
