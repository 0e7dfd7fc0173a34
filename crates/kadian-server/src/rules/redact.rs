//! What a gate tablet receives of home observation: enough to warn a volunteer that a person
//! under observation is going out (who, where, which day, who looks after them), and no more
//! (PIPL; the CAC notice of 2020-02-09: collect and pass on only what the task needs). The case
//! comes without notes (同住人…), backup, the responsible staff member's phone or its origin; a
//! follow-up visit without its temperature, symptoms or action (the day counts as seen or not
//! seen all the same); a status change without its reason.

use kadian_domain::sync::{Change, Role};
use serde_json::Value;

use super::Device;

/// Whether a change is kept from `device` altogether: a checkpoint tablet gets no referrals
/// (转诊: who was sent to the emergency response group, with what, and what became of them);
/// it raises them, and the gate never reads them. Nor households (户: the head's phone, the
/// dwelling's kind), their screenings (who is away, and where) and household visits (who is
/// unwell, what they need) or staff's links of person records: the gate registers persons;
/// screening, visits and the duplicate review are the laptops' work. Nor hotline reports and
/// their actions (who reported whom, and what staff found), nor disinfection sites but its
/// compound's checkpoints (without their contact: the gate disinfects itself), nor stock movements but its
/// own checkpoint's (what was sent to it, what it confirmed, used or lost: the gate's stock;
/// never the compound's other holders' or a donor's note). Nor shift events (who was on duty at
/// the compound's other gates, and when): the laptops watch duty. Key areas do reach a tablet:
/// its gate is where they are.
pub fn withheld(device: &Device, change: &Change) -> bool {
    let kept = |kind: &str| {
        matches!(
            kind,
            "referral"
                | "household"
                | "screening"
                | "household_visit"
                | "person_link"
                | "hotline_report"
                | "report_action"
                | "shift_event"
        )
    };
    // Its compound's checkpoints as disinfection sites (the gate disinfects itself), and the
    // disinfections of its compound (a body names its site only by id); no other site.
    let others_site = change.kind == "disinfection_site" && change.body["kind"] != "checkpoint";
    let own_checkpoint = |h: &Value| {
        h["level"] == "checkpoint"
            && device
                .scope
                .checkpoint
                .as_deref()
                .is_some_and(|c| h["id"] == c)
    };
    let others_stock = change.kind == "stock_movement"
        && !(own_checkpoint(&change.body["holder"]) || own_checkpoint(&change.body["to"]));
    device.role == Role::Volunteer
        && (kept(&change.kind)
            || others_stock
            || others_site
            // A merge conflict of such a record carries its values (a phone, a head's name), and
            // so does one of a site (a merchant's phone) or any the gate does not write.
            || (change.kind == "conflict"
                && change.body["record_kind"].as_str().is_some_and(|k| {
                    kept(k) || matches!(k, "disinfection_site" | "disinfection" | "stock_movement")
                })))
}

/// Trims a pulled change for `device` (only a checkpoint tablet's changes are trimmed).
pub fn for_device(device: &Device, change: &mut Change) {
    if device.role != Role::Volunteer {
        return;
    }
    let Value::Object(body) = &mut change.body else {
        return;
    };
    match change.kind.as_str() {
        "observation_case" => {
            for field in ["notes", "backup", "origin_id"] {
                body.insert(field.into(), Value::Null);
            }
            body.remove("responsible_phone");
        }
        // The status is needed (a released person is no longer warned about); why is not
        // (「发热 38.1」).
        // The gate's own stock, without what staff wrote beside it.
        "stock_movement" => {
            body.remove("note");
        }
        // A checkpoint site without its contact; a disinfection without who checked it or
        // the note.
        "disinfection_site" => {
            for field in ["contact_name", "contact_phone", "responsible_unit"] {
                body.remove(field);
            }
        }
        "disinfection" => {
            body.remove("checked_by");
            body.remove("note");
        }
        "case_transition" => {
            // (A dash, not nothing: a cancel or a loss must carry a reason to be stored.)
            body.insert("reason".into(), Value::String("—".into()));
        }
        // Who lives with whom, who is away and where: screening's, not the gate's. (Absent keys
        // are left as they are when a tablet sends the person back: the merge takes only the
        // fields a device sends.)
        "person" => {
            for field in [
                "household",
                "relation",
                "registered_here",
                "living_here",
                "away_place_code",
            ] {
                body.remove(field);
            }
        }
        // The gate needs where a key area is, not which case made it one.
        "key_area" => {
            body.insert("note".into(), Value::Null);
        }
        "key_area_change" => {
            body.insert("reason".into(), Value::String("—".into()));
        }
        "follow_up_visit" => {
            body.insert("celsius".into(), Value::Null);
            body.insert("remeasure_of".into(), Value::Null);
            body.insert("symptoms".into(), Value::Array(Vec::new()));
            body.insert("action".into(), Value::String("none".into()));
            // An unwell day is still a day seen: the tablet counts days, it does not judge them.
            if body.get("outcome").and_then(Value::as_str) == Some("seen_unwell") {
                body.insert("outcome".into(), Value::String("seen_well".into()));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::for_device;
    use crate::rules::Device;
    use kadian_domain::sync::{Change, Role, Scope};
    use serde_json::json;

    fn device(role: Role) -> Device {
        Device {
            id: "d".into(),
            name: "d".into(),
            role,
            scope: Scope {
                street: "411402001".into(),
                community: Some("411402001018".into()),
                compound: Some("c".into()),
                checkpoint: None,
                zone: None,
            },
            revoked: false,
        }
    }

    fn change(kind: &str, body: serde_json::Value) -> Change {
        Change {
            kind: kind.into(),
            id: "x".into(),
            version: 1,
            deleted: false,
            body,
        }
    }

    #[test]
    fn a_tablet_gets_a_case_without_notes_or_phone_and_a_visit_without_its_health_data() {
        let case = json!({"id": "x", "address": "3号楼2单元301", "responsible": "李红梅",
            "responsible_phone": "13800138000", "notes": "同住：妻子", "backup": "王强",
            "origin_id": "o"});
        let visit = json!({"id": "v", "date": "2026-12-05", "outcome": "seen_unwell",
            "celsius": 38.1, "symptoms": ["fever"], "action": "referred", "remeasure_of": null});
        let mut c = change("observation_case", case.clone());
        for_device(&device(Role::Volunteer), &mut c);
        assert_eq!(c.body["address"], "3号楼2单元301");
        assert_eq!(c.body["responsible"], "李红梅");
        assert!(c.body.get("responsible_phone").is_none());
        for field in ["notes", "backup", "origin_id"] {
            assert!(c.body[field].is_null(), "{field}");
        }
        let mut v = change("follow_up_visit", visit.clone());
        for_device(&device(Role::Volunteer), &mut v);
        assert_eq!(
            (
                &v.body["celsius"],
                &v.body["symptoms"],
                &v.body["outcome"],
                &v.body["action"]
            ),
            (
                &json!(null),
                &json!([]),
                &json!("seen_well"),
                &json!("none")
            )
        );
        let mut t = change(
            "case_transition",
            json!({"kind": "refer", "reason": "发热 38.1"}),
        );
        for_device(&device(Role::Volunteer), &mut t);
        assert_eq!(
            (&t.body["kind"], &t.body["reason"]),
            (&json!("refer"), &json!("—"))
        );
        // Staff devices get the records whole.
        for role in [Role::Compound, Role::Community, Role::Street] {
            let mut c = change("observation_case", case.clone());
            for_device(&device(role), &mut c);
            assert_eq!(c.body, case);
            let mut v = change("follow_up_visit", visit.clone());
            for_device(&device(role), &mut v);
            assert_eq!(v.body, visit);
        }
    }

    #[test]
    fn a_tablet_gets_no_household_of_a_person_and_no_conflict_of_a_withheld_kind() {
        let person = json!({"id": "p", "name": "季诺强", "household": "h", "relation": "head",
            "living_here": false, "away_place_code": "3303", "registered_here": true});
        let mut c = change("person", person.clone());
        for_device(&device(Role::Volunteer), &mut c);
        assert_eq!(c.body["name"], "季诺强");
        for field in [
            "household",
            "relation",
            "living_here",
            "away_place_code",
            "registered_here",
        ] {
            assert!(c.body.get(field).is_none(), "{field}");
        }
        let mut staff = change("person", person);
        for_device(&device(Role::Compound), &mut staff);
        assert_eq!(staff.body["away_place_code"], "3303");
        let clash = change(
            "conflict",
            json!({"record_kind": "household", "field": "phone", "kept_value": "\"13800138000\""}),
        );
        assert!(super::withheld(&device(Role::Volunteer), &clash));
        assert!(!super::withheld(&device(Role::Compound), &clash));
        let person_clash = change("conflict", json!({"record_kind": "person"}));
        assert!(!super::withheld(&device(Role::Volunteer), &person_clash));
        let shift = change("shift_event", json!({"checkpoint_id": "g2"}));
        assert!(
            super::withheld(&device(Role::Volunteer), &shift),
            "no other gate's shifts"
        );
        assert!(!super::withheld(&device(Role::Compound), &shift));
    }
}
