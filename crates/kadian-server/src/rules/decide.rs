//! What an arrival means for what is stored: new, duplicate, reused id, update with a
//! field-by-field merge, or refused; judged on the stored record (and the corrected one) as well
//! as on the pushed body.

use std::collections::BTreeMap;

use super::kinds::{document_key, place_person};
use super::scope::{can_see, in_scope};
use super::{out_of_scope, reject, Device, Incoming, Reference};
use kadian_domain::records::{Person, RecordKind};
use kadian_domain::sync::{ApiError, Role};
use serde_json::Value;

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

/// Whether a tablet's case or referral says what the record it comes from says: a case the
/// person of its declaration; a referral the person, temperature and instant of its reading.
fn matches_its_source(incoming: &Incoming, source: &Existing) -> bool {
    let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
    let (mine, theirs) = (parse(&incoming.body), parse(&source.body));
    let same = |a: &str, b: &str| !theirs[b].is_null() && mine[a] == theirs[b];
    match incoming.kind {
        RecordKind::ObservationCase => same("person_id", "person_id"),
        RecordKind::Referral => {
            same("person_id", "person_id") && same("celsius", "celsius") && same("opened_at", "at")
        }
        _ => true,
    }
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
    // A case a tablet opened at its gate, or a referral it raised there (ids derived from the
    // tablet's own declaration or reading, checked when placed): a tablet never changes either,
    // so one the server holds is this same fact, taken as a duplicate (a laptop that derived it
    // first, or the group that took it since, keeps its values).
    let gate_case = device.role == Role::Volunteer
        && matches!(
            incoming.kind,
            RecordKind::ObservationCase | RecordKind::Referral
        );
    if gate_case {
        if let Some(e) = stored.existing.filter(|e| e.kind == incoming.kind.as_str()) {
            return if can_see(
                device,
                reference,
                e.community.as_deref(),
                e.compound.as_deref(),
            ) {
                Decision::Duplicate
            } else {
                Decision::Reject(out_of_scope())
            };
        }
    }
    if device.role == Role::Volunteer
        && !gate_case
        && uuid::Uuid::try_parse(&incoming.id).map_or(true, |u| u.get_version_num() != 7)
        && !stored.existing.is_some_and(|e| {
            e.kind == incoming.kind.as_str()
                && can_see(
                    device,
                    reference,
                    e.community.as_deref(),
                    e.compound.as_deref(),
                )
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
                Some(t) if t.kind == kind.as_str() && gate_case && !matches_its_source(incoming, t) => {
                    Decision::Reject(reject(
                        "not_allowed",
                        "与引起它的旅居史或体温记录不符 / it does not match the declaration or reading it comes from",
                    ))
                }
                Some(t) if t.kind == kind.as_str() => {
                    // A tablet disinfects its gates: a disinfection of any other kind of site
                    // is not its to record (judged after the scope: a site it cannot see says
                    // nothing of its kind).
                    let not_a_gate = device.role == Role::Volunteer
                        && incoming.kind == RecordKind::Disinfection
                        && serde_json::from_str::<Value>(&t.body)
                            .ok()
                            .and_then(|b| b.get("kind").cloned())
                            != Some(Value::String("checkpoint".into()));
                    if !can_see(device, reference, t.community.as_deref(), t.compound.as_deref()) {
                        Decision::Reject(out_of_scope())
                    } else if not_a_gate {
                        Decision::Reject(reject(
                            "not_allowed",
                            "卡点平板只能登记卡点的消杀 / a checkpoint tablet records only its checkpoints' disinfection",
                        ))
                    } else {
                        Decision::Insert {
                            community: t.community.clone(),
                            compound: t.compound.clone(),
                        }
                    }
                }
                // A case a tablet opened from its declaration, a referral it raised from its
                // reading: that record must be on the server, where the tablet sees it.
                _ if matches!(kind, RecordKind::TravelDeclaration | RecordKind::TemperatureReading) => {
                    Decision::Reject(reject(
                        "unknown_target",
                        format!("引起它的旅居史或体温记录不在服务器上 / the {} {id} it comes from is not on the server", kind.as_str()),
                    ))
                }
                _ if *kind == RecordKind::Person => Decision::Reject(reject(
                    "unknown_target",
                    format!("关联的人员记录不在服务器上 / the person {id} it links to is not on the server"),
                )),
                _ if *kind == RecordKind::HotlineReport => Decision::Reject(reject(
                    "unknown_target",
                    format!("这条热线举报不在服务器上 / the hotline report {id} is not on the server"),
                )),
                _ if *kind == RecordKind::DisinfectionSite => Decision::Reject(reject(
                    "unknown_target",
                    format!("这个消杀点位不在服务器上 / the disinfection site {id} is not on the server"),
                )),
                _ if *kind == RecordKind::ObservationCase => Decision::Reject(reject(
                    "unknown_target",
                    format!("这条居家观察记录不在服务器上 / the observation case {id} is not on the server"),
                )),
                _ => Decision::Reject(reject(
                    "unknown_target",
                    format!("要作废或更正的记录不在服务器上 / the corrected {} {id} is not on the server", kind.as_str()),
                )),
            };
        }
        // A new record made at a retired checkpoint or in a retired compound after it was
        // retired (judged on the insert, whatever `op` the device sent). What was made before
        // is taken whenever it arrives; records bound to a target (a correction, a visit of a
        // case) follow their target, so history stays correctable.
        for place in [incoming.checkpoint.as_deref(), incoming.compound.as_deref()]
            .into_iter()
            .flatten()
        {
            if let Some(at) = reference
                .retired_at(place)
                .filter(|at| incoming.made_at > *at)
            {
                return Decision::Reject(super::place_retired(reference, place, at));
            }
        }
        return Decision::Insert {
            community: incoming.community.clone(),
            compound: incoming.compound.clone(),
        };
    };
    if existing.kind != incoming.kind.as_str() {
        if !can_see(
            device,
            reference,
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
        reference,
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
    let set_whole = match incoming.kind {
        RecordKind::Volunteer => true,
        // A case is merged field by field, as a person is: the responsible staff member set on
        // one laptop and the notes on another both stay.
        // A household too: its kind set on one laptop and its phone on another both stay.
        RecordKind::Person
        | RecordKind::ObservationCase
        | RecordKind::Referral
        | RecordKind::Household
        | RecordKind::KeyArea
        // A hotline report too: its description edited on one laptop and its assignment on
        // another both stay (what was found is in its actions, never here).
        | RecordKind::HotlineReport
        // A site too: its contact changed on one laptop and its times on another both stay
        // (its schedule is one value: see `merged_together`).
        | RecordKind::DisinfectionSite
        // A donation too: published on one laptop, its receipt number typed on another (its
        // lines are one value).
        | RecordKind::Donation => false,
        // Events were answered above; they are never updated.
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
        | RecordKind::ShiftEvent => true,
    };
    let merged_here = !(incoming_base == existing.version || set_whole);
    let (body, conflicts) = if merged_here {
        merge(incoming.kind, &existing.body, &incoming.body, stored.base)
    } else {
        (incoming.body.clone(), Vec::new())
    };
    // A merged person is placed by its merged body; every other kind stays where it was put.
    let placed_by_body = match incoming.kind {
        RecordKind::Person => true,
        RecordKind::Volunteer
        | RecordKind::ObservationCase
        | RecordKind::Referral
        | RecordKind::Household
        | RecordKind::Passage
        | RecordKind::TemperatureReading
        | RecordKind::TravelDeclaration
        | RecordKind::Correction
        | RecordKind::FollowUpVisit
        | RecordKind::CaseTransition
        | RecordKind::Screening
        | RecordKind::KeyArea
        | RecordKind::KeyAreaChange
        | RecordKind::HouseholdVisit
        | RecordKind::PersonLink
        | RecordKind::ReportAction
        | RecordKind::Disinfection
        | RecordKind::StockMovement
        | RecordKind::ShiftEvent
        // A donation is the street's, wherever its lines went.
        | RecordKind::Donation => false,
        // A report is where it is assigned: a merged body may be assigned elsewhere than the
        // pushed one (placed below, after its check).
        // A report and a site are where they are assigned: a merged body may name another
        // place than the pushed one (placed below, after its check).
        RecordKind::HotlineReport | RecordKind::DisinfectionSite => false,
    };
    // A merge of two valid records must be a valid record (a review day moved on one laptop
    // and a first day on another could cross): refused here rather than stored for every
    // device to quarantine. (A person is checked below, with its placement.)
    if merged_here && !placed_by_body {
        let merged = serde_json::from_str::<Value>(&body).unwrap_or(Value::Null);
        if let Err(n) = kadian_domain::records::check_record(incoming.kind, &merged) {
            return Decision::Reject(reject(
                "invalid_record",
                format!(
                    "合并结果无效：{} / the merged record is invalid: {}",
                    n.message, n.message_en
                ),
            ));
        }
    }
    // A merged report is placed where the merged body assigns it.
    // A merged report or site is placed where the merged body puts it (its body was checked
    // above).
    let placed_where_assigned = matches!(
        incoming.kind,
        RecordKind::HotlineReport | RecordKind::DisinfectionSite
    );
    let reassigned = if merged_here && placed_where_assigned {
        let merged = serde_json::from_str::<Value>(&body).unwrap_or(Value::Null);
        let field = |f: &str| merged.get(f).and_then(Value::as_str).map(str::to_owned);
        let (community, compound) = (field("community_code"), field("compound"));
        // Its community from one device and its compound from another must still be one
        // place the street has.
        if !super::kinds::assigned_place_known(reference, community.as_deref(), compound.as_deref())
        {
            return Decision::Reject(reject(
                "invalid_record",
                "合并后的所属单位不存在：社区和小区对不上 / the merged record names a compound outside its community",
            ));
        }
        Some((community, compound))
    } else {
        None
    };
    let (community, compound, document_key) = if let Some((community, compound)) = reassigned {
        (community, compound, None)
    } else if placed_by_body {
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
    if !in_scope(device, reference, community.as_deref(), compound.as_deref()) {
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

/// Fields merged as one value: taken together or not at all. A document's type and number;
/// for a hotline report, where it is assigned (its place, staff member and the step that put
/// it there: half of one laptop's reassignment and half of another's is nowhere); for a
/// disinfection site, its place and its schedule.
fn merged_together(kind: RecordKind) -> &'static [&'static [&'static str]] {
    const DOCUMENT: &[&str] = &["document_type", "document_number"];
    const ASSIGNMENT: &[&str] = &[
        "community_code",
        "compound",
        "assignee",
        "assigned_at",
        "assigned_by",
    ];
    // A site's place, and its schedule (three times a day from one laptop and two planned
    // times from another are no schedule either meant).
    const SITE_PLACE: &[&str] = &["community_code", "compound"];
    const SCHEDULE: &[&str] = &["times_per_day", "slots"];
    match kind {
        RecordKind::HotlineReport => &[DOCUMENT, ASSIGNMENT],
        RecordKind::DisinfectionSite => &[SITE_PLACE, SCHEDULE],
        _ => &[DOCUMENT],
    }
}

/// Field-by-field merge of `mine` (made on `base`) into `current`: where both changed a field
/// differently, the current value stays and the pair is listed. The fields of a group
/// ([`merged_together`]) are one value.
fn merge(
    kind: RecordKind,
    current: &str,
    mine: &str,
    base: Option<&str>,
) -> (String, Vec<FieldConflict>) {
    let parse = |s: &str| serde_json::from_str::<BTreeMap<String, Value>>(s).unwrap_or_default();
    let current = parse(current);
    let mine = parse(mine);
    let base = base.map(parse).unwrap_or_default();
    let mut merged = current.clone();
    let mut conflicts = Vec::new();
    let groups = merged_together(kind);
    let of = |m: &BTreeMap<String, Value>, group: &[&str]| -> Vec<Option<Value>> {
        group.iter().map(|f| m.get(*f).cloned()).collect()
    };
    for group in groups {
        let (base_v, now_v, my_v) = (of(&base, group), of(&current, group), of(&mine, group));
        if my_v == base_v || my_v == now_v {
            continue; // the device did not change it, or both made the same change
        }
        let conflict = now_v != base_v;
        for field in group.iter().filter(|f| mine.contains_key(**f)) {
            let value = mine.get(*field).cloned().unwrap_or(Value::Null);
            if conflict {
                conflicts.push(FieldConflict {
                    field: (*field).to_owned(),
                    server_value: current.get(*field).cloned().unwrap_or(Value::Null),
                    device_value: value,
                });
            } else {
                merged.insert((*field).to_owned(), value);
            }
        }
    }
    for (field, value) in &mine {
        if groups.iter().any(|g| g.contains(&field.as_str())) {
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
    use serde_json::json;

    #[test]
    fn two_reassignments_made_apart_conflict_as_one_value_and_never_mix() {
        let base = json!({"community_code": "m1", "compound": "a", "assigned_by": "x", "description": "d"});
        // The server took one laptop's move to another compound of m1 …
        let now = json!({"community_code": "m1", "compound": "a2", "assigned_by": "y", "description": "d"});
        // … and the other laptop, on the same base, sent it to m2's compound and edited the text.
        let mine = json!({"community_code": "m2", "compound": "b", "assigned_by": "z", "description": "d2"});
        let (body, conflicts) = merge(
            RecordKind::HotlineReport,
            &now.to_string(),
            &mine.to_string(),
            Some(&base.to_string()),
        );
        let merged: Value = serde_json::from_str(&body).expect("json");
        // The place stays whole (never m2 with a2), the text merges.
        assert_eq!(merged["community_code"], "m1");
        assert_eq!(merged["compound"], "a2");
        assert_eq!(merged["assigned_by"], "y");
        assert_eq!(merged["description"], "d2");
        let fields: Vec<&str> = conflicts.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["community_code", "compound", "assigned_by"]);
        // Field by field for another kind: a case's community and compound are not grouped.
        let (body, _) = merge(
            RecordKind::ObservationCase,
            &now.to_string(),
            &mine.to_string(),
            Some(&base.to_string()),
        );
        let merged: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(merged["community_code"], "m2");
    }

    #[test]
    fn a_document_pair_is_merged_together_as_before() {
        let base = json!({"document_type": "resident_id", "document_number": "1", "phone": "p"});
        let now = json!({"document_type": "resident_id", "document_number": "1", "phone": "p2"});
        let mine = json!({"document_type": "passport", "document_number": "E1", "phone": "p"});
        let (body, conflicts) = merge(
            RecordKind::Person,
            &now.to_string(),
            &mine.to_string(),
            Some(&base.to_string()),
        );
        let merged: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(merged["document_type"], "passport");
        assert_eq!(merged["document_number"], "E1");
        assert_eq!(merged["phone"], "p2");
        assert!(conflicts.is_empty());
    }
}
