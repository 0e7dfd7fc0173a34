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
    /// Who on duty registered it (volunteer id).
    pub recorded_by: String,
}

/// A passage: a registered person or a walk-in's name (at most 40 characters); a checkpoint and
/// who recorded it; plate (at most 40), purpose (at most 500), at most 200 companions; a time
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
    opt_text(
        Field::Record,
        "事由 / purpose",
        p.purpose.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )?;
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
