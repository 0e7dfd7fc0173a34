//! The passage (event): one person or vehicle in or out at a checkpoint, and its rules.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::name::MAX_NAME_CHARS;
use crate::{Field, Notice};

use super::rules::{instant, opt_text, reference};
use super::{bad, Instant, MAX_COMPANIONS, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

/// In or out of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 进
    In,
    /// 出
    Out,
}

impl Direction {
    /// The stored name (`in`, `out`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// One entry or exit at a checkpoint (出入登记), an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// UUIDv7.
    pub id: Uuid,
    /// The checkpoint's id.
    pub checkpoint_id: String,
    /// In or out.
    pub direction: Direction,
    /// When.
    pub at: Instant,
    /// The registered person, if known.
    pub person_id: Option<Uuid>,
    /// A walk-in's name when there is no person record.
    pub walk_in_name: Option<String>,
    /// Vehicle plate ([`crate::LicencePlate`]), if any.
    pub plate: Option<String>,
    /// Number of people with them.
    pub companions: u16,
    /// Purpose of the visit (事由).
    pub purpose: Option<String>,
    /// Where a visitor is going (去往: a building, a household), at most 40 characters. Absent in
    /// records made before it had a field of its own (then it is inside `purpose`, labelled
    /// 「去往 …」) and left out of the JSON when empty, so those records keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Who on duty registered it (volunteer id).
    pub recorded_by: String,
}

/// A passage: a registered person or a walk-in's name (at most 40 characters); a checkpoint and
/// who recorded it; plate (at most 40), destination (at most 40), purpose (at most 500), at most 200 companions; a time
/// between 2000 and 2099.
///
/// Errors: `name_missing`, `too_long`, `control_character`, `reference_missing`,
/// `companions_out_of_range`, `date_out_of_range`, `offset_out_of_range`.
pub fn check_passage(p: &Passage) -> Result<(), Notice> {
    if p.person_id.is_none()
        && p.walk_in_name
            .as_deref()
            .is_none_or(|n| n.trim().is_empty())
    {
        return Err(bad(
            Field::Name,
            "name_missing",
            "出入登记需要登记人员或姓名",
            "A passage needs a registered person or a name",
        ));
    }
    opt_text(
        Field::Name,
        "姓名 / name",
        p.walk_in_name.as_deref(),
        MAX_NAME_CHARS,
        false,
    )?;
    reference("卡点 / checkpoint", &p.checkpoint_id)?;
    reference("登记人 / recorded by", &p.recorded_by)?;
    opt_text(
        Field::Plate,
        "车牌 / plate",
        p.plate.as_deref(),
        MAX_SHORT_CHARS,
        true,
    )?;
    p.destination.as_deref().map_or(Ok(()), check_destination)?;
    p.purpose.as_deref().map_or(Ok(()), check_purpose)?;
    if p.companions > MAX_COMPANIONS {
        return Err(bad(
            Field::Record,
            "companions_out_of_range",
            format!("同行人数最多 {MAX_COMPANIONS}"),
            format!("at most {MAX_COMPANIONS} companions"),
        ));
    }
    instant("登记时间 / time", &p.at)
}

/// A passage's destination (去往, a building or a household): at most 40 characters, no control
/// characters. Errors: `too_long`, `control_character` (field `destination`).
pub fn check_destination(value: &str) -> Result<(), Notice> {
    opt_text(
        Field::Destination,
        "去往 / destination",
        Some(value),
        MAX_SHORT_CHARS,
        true,
    )
}

/// A passage's purpose (事由): at most 500 characters, no control characters. Errors:
/// `too_long`, `control_character` (field `purpose`).
pub fn check_purpose(value: &str) -> Result<(), Notice> {
    opt_text(
        Field::Purpose,
        "事由 / purpose",
        Some(value),
        MAX_TEXT_CHARS,
        true,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::records::{check_record, RecordKind, TypedRecord};

    fn old_record() -> serde_json::Value {
        json!({
            "id": "01890a5d-ac96-774b-bcce-b302099a8057",
            "checkpoint_id": "cp-east",
            "direction": "in",
            "at": {"utc": "2026-12-01T02:00:00Z", "offset_minutes": 480},
            "person_id": null,
            "walk_in_name": "孙八",
            "plate": null,
            "companions": 0,
            "purpose": "送货；去往 3号楼",
            "recorded_by": "v-1"
        })
    }

    #[test]
    fn a_record_from_before_the_destination_field_is_taken_and_keeps_its_bytes() {
        let body = old_record();
        let Ok(TypedRecord::Passage(p)) = check_record(RecordKind::Passage, &body) else {
            panic!("an old passage is a passage")
        };
        assert_eq!(p.destination, None);
        assert_eq!(serde_json::to_value(&p).expect("json"), body);
    }

    #[test]
    fn a_destination_is_checked_at_its_own_field() {
        let mut body = old_record();
        body["destination"] = json!("3号楼2单元");
        let Ok(TypedRecord::Passage(p)) = check_record(RecordKind::Passage, &body) else {
            panic!("a passage with a destination")
        };
        assert_eq!(p.destination.as_deref(), Some("3号楼2单元"));
        for (bad_value, code) in [
            ("号".repeat(41), "too_long"),
            ("3号楼\u{0}".into(), "control_character"),
        ] {
            body["destination"] = json!(bad_value);
            let e = check_record(RecordKind::Passage, &body).expect_err("refused");
            assert_eq!((e.field, e.code.as_str()), (Field::Destination, code));
        }
    }
}
