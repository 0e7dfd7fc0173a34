//! The screening (排查, event): one check of a household — who was found at home, who is away
//! and where, who moved out or died, who was found living there anew — how it was done, and by
//! whom. Never edited: a wrong screening is followed by another. Every member it names is
//! accounted for (已掌握) within the street's window from its day. Source: the street's plan
//! (村不漏户、户不漏人); police 实有人口 door-to-door checks.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{community_code, instant, opt_text, reference};
use super::{bad, Instant, MAX_TEXT_CHARS};

/// Most members one screening names (a household of 60 is a dormitory, listed as several).
pub const MAX_SCREENED_MEMBERS: usize = 60;

/// How the household was screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningMethod {
    /// At the door (上门).
    Door,
    /// By phone.
    Phone,
    /// At the gate (the household came through).
    Gate,
    /// The household reported itself (自主申报).
    SelfReport,
}

/// What a screening found of one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MemberStatus {
    /// At home (在家).
    Present,
    /// Away (外出): where, a GB/T 2260 division code when known.
    Away {
        /// Where (`4201` 武汉), if known.
        place_code: Option<String>,
    },
    /// Moved out (迁出).
    MovedOut,
    /// Deceased (死亡).
    Deceased,
}

/// One member's finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCheck {
    /// The person.
    pub person_id: Uuid,
    /// What was found.
    #[serde(flatten)]
    pub status: MemberStatus,
    /// Found living there anew (a person added to the household by this screening).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new: bool,
}

/// A screening of a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    /// UUIDv7.
    pub id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// Its community's 12-digit code.
    pub community_code: String,
    /// Its compound.
    pub compound: String,
    /// When.
    pub at: Instant,
    /// How.
    pub method: ScreeningMethod,
    /// Each member found (present, away, moved out, deceased; new ones marked).
    pub members: Vec<MemberCheck>,
    /// Nobody lives there (空置): confirmed on the spot.
    #[serde(default)]
    pub vacant: bool,
    /// What else was found (a returnee's story, a need).
    pub note: Option<String>,
    /// Who screened (staff member).
    pub recorded_by: String,
}

/// A screening: members each once (at most [`MAX_SCREENED_MEMBERS`]), none when the household
/// is found vacant and at least one otherwise, a place code of 2–12 digits, a time, a name,
/// a bounded note.
///
/// Errors: `invalid_community`, `reference_missing`, `member_repeated`, `too_many_members`,
/// `no_member`, `vacant_with_members`, `division_code`, `date_out_of_range`, `too_long`,
/// `control_character`.
pub fn check_screening(s: &Screening) -> Result<(), Notice> {
    community_code(&s.community_code)?;
    reference("小区 / compound", &s.compound)?;
    instant("时间 / time", &s.at)?;
    reference("排查人 / screened by", &s.recorded_by)?;
    if s.members.len() > MAX_SCREENED_MEMBERS {
        return Err(bad(
            Field::Record,
            "too_many_members",
            format!("一次排查最多 {MAX_SCREENED_MEMBERS} 人"),
            format!("A screening names at most {MAX_SCREENED_MEMBERS} members"),
        ));
    }
    match (s.vacant, s.members.is_empty()) {
        (true, false) => {
            return Err(bad(
                Field::Record,
                "vacant_with_members",
                "空置的住户不应有成员情况",
                "A household found vacant has no members to report",
            ))
        }
        (false, true) => {
            return Err(bad(
                Field::Record,
                "no_member",
                "请至少填写一名成员的情况，或标记为空置",
                "Report at least one member, or mark the household vacant",
            ))
        }
        _ => {}
    }
    let mut seen = BTreeSet::new();
    for m in &s.members {
        if !seen.insert(m.person_id) {
            return Err(bad(
                Field::Record,
                "member_repeated",
                "同一成员只填一次",
                "Each member is reported once",
            ));
        }
        if let MemberStatus::Away {
            place_code: Some(code),
        } = &m.status
        {
            if !(2..=12).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(
                    Field::Record,
                    "division_code",
                    "外出地点应为 2–12 位行政区划代码",
                    "A place away is a division code of 2 to 12 digits",
                ));
            }
        }
    }
    opt_text(
        Field::Record,
        "备注 / note",
        s.note.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screening() -> Screening {
        Screening {
            id: Uuid::from_u128(1),
            household_id: Uuid::from_u128(2),
            community_code: "411402001024".into(),
            compound: "v1".into(),
            at: Instant::now_cst(),
            method: ScreeningMethod::Door,
            members: vec![
                MemberCheck {
                    person_id: Uuid::from_u128(3),
                    status: MemberStatus::Present,
                    new: false,
                },
                MemberCheck {
                    person_id: Uuid::from_u128(4),
                    status: MemberStatus::Away {
                        place_code: Some("4201".into()),
                    },
                    new: false,
                },
            ],
            vacant: false,
            note: None,
            recorded_by: "王芳".into(),
        }
    }

    #[test]
    fn a_screening_keeps_its_rules() {
        assert!(check_screening(&screening()).is_ok());
        let mut s = screening();
        s.members[1].person_id = s.members[0].person_id;
        assert_eq!(check_screening(&s).unwrap_err().code, "member_repeated");
        let mut s = screening();
        s.vacant = true;
        assert_eq!(check_screening(&s).unwrap_err().code, "vacant_with_members");
        s.members.clear();
        assert!(check_screening(&s).is_ok(), "vacant, nobody");
        s.vacant = false;
        assert_eq!(check_screening(&s).unwrap_err().code, "no_member");
        let mut s = screening();
        s.members[1].status = MemberStatus::Away {
            place_code: Some("武汉".into()),
        };
        assert_eq!(check_screening(&s).unwrap_err().code, "division_code");
    }

    #[test]
    fn a_members_status_reads_flat() {
        let json = serde_json::to_value(&screening().members[1]).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"person_id": Uuid::from_u128(4), "status": "away", "place_code": "4201"})
        );
    }
}
