//! The observation case (entity): a person under home observation (居家观察), where they live,
//! why, since when, under which policy and who visits them. Its status is not a field: it is the
//! fold of its `case_transition` events ([`crate::observation::fold_status`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::observation::{
    day_grid, CaseGrid, DayState, ObservationPolicy, TransitionFact, VisitFact,
};
use crate::{Field, Notice};

use super::rules::{date, opt_text, reference, text};
use super::{bad, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

/// Why a person is under observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationReason {
    /// Back from Hubei (湖北返乡).
    ReturneeHubei,
    /// Back from elsewhere outside the city (外地返乡).
    ReturneeElsewhere,
    /// A close contact (密切接触者).
    CloseContact,
    /// Followed up after a fever (发热随访).
    FeverFollowUp,
    /// From a hotline report (热线举报).
    Hotline,
    /// Lives in a key area (重点区域).
    KeyArea,
}

/// The namespace of the case ids derived from a travel declaration
/// ([`observation_case_id_for_declaration`]).
pub const OBSERVATION_CASE_NAMESPACE: Uuid =
    Uuid::from_u128(0x6b1f_33a0_5f3e_4c2d_9a71_0c4e_2d8b_a915);

/// The id of the case opened from the travel declaration `declaration_id` (UUIDv5): a tablet
/// and a laptop that both open it make one case, not two.
pub fn observation_case_id_for_declaration(declaration_id: Uuid) -> Uuid {
    Uuid::new_v5(&OBSERVATION_CASE_NAMESPACE, declaration_id.as_bytes())
}

/// A person under home observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationCase {
    /// UUIDv7, or derived from its origin ([`observation_case_id_for_declaration`]).
    pub id: Uuid,
    /// The person observed.
    pub person_id: Uuid,
    /// The community's 12-digit code.
    pub community_code: String,
    /// The compound's id.
    pub compound: String,
    /// Where they are visited: building, unit, room (a village: group and door number).
    pub address: Option<String>,
    /// Why.
    pub reason: ObservationReason,
    /// What opened it: a travel declaration, a hotline report, a register row.
    pub origin_id: Option<Uuid>,
    /// Day 0 of the period (the arrival, China date): visits are due from the day after.
    pub start_date: NaiveDate,
    /// The first day Kadian follows the case, when it came from a register mid-period (the
    /// import's date): earlier days have no visits here and read as unknown, not missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followed_from: Option<NaiveDate>,
    /// The street's policy it was opened under.
    pub policy: ObservationPolicy,
    /// The staff member responsible (包保责任人).
    pub responsible: Option<String>,
    /// Their phone, as a register gives it (11 digits, or a landline `0370-xxxxxxx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_phone: Option<String>,
    /// Their backup.
    pub backup: Option<String>,
    /// People living with them (同住人), notes.
    pub notes: Option<String>,
}

impl ObservationCase {
    /// The case's day grid ([`day_grid`] of its policy and start), with the days before it was
    /// followed here (`followed_from`: a register imported mid-period) unknown rather than
    /// missed.
    pub fn grid(
        &self,
        visits: &[VisitFact],
        transitions: &[TransitionFact],
        today: NaiveDate,
        synced_through: NaiveDate,
    ) -> CaseGrid {
        let mut grid = day_grid(
            &self.policy,
            self.start_date,
            visits,
            transitions,
            today,
            synced_through,
        );
        if let Some(from) = self.followed_from {
            for d in grid
                .days
                .iter_mut()
                .filter(|d| d.date < from && d.state == DayState::Missed)
            {
                d.state = DayState::Unknown;
            }
        }
        grid
    }
}

/// A case: a community code of 12 digits and a compound; a start between 2019 and 2099; a
/// policy of 1–60 days and 1–2 visits a day; bounded texts.
///
/// Errors: `invalid_community`, `reference_missing`, `date_out_of_range`, `invalid_policy`,
/// `too_long`, `control_character`.
pub fn check_observation_case(c: &ObservationCase) -> Result<(), Notice> {
    if c.community_code.len() != 12 || !c.community_code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            Field::Record,
            "invalid_community",
            "社区代码应为 12 位数字",
            "The community code has 12 digits",
        ));
    }
    reference("小区 / compound", &c.compound)?;
    date("观察起始日 / start date", Some(c.start_date), 2019)?;
    if !(1..=60).contains(&c.policy.days) || !(1..=2).contains(&c.policy.visits_per_day) {
        return Err(bad(
            Field::Record,
            "invalid_policy",
            "观察天数应为 1–60 天，每天随访 1–2 次",
            "An observation lasts 1–60 days with 1–2 visits a day",
        ));
    }
    opt_text(
        Field::Record,
        "住址 / address",
        c.address.as_deref(),
        MAX_SHORT_CHARS * 2,
        false,
    )?;
    for (name, value) in [
        ("包保人 / responsible", c.responsible.as_deref()),
        (
            "包保人电话 / responsible's phone",
            c.responsible_phone.as_deref(),
        ),
        ("备岗 / backup", c.backup.as_deref()),
    ] {
        opt_text(Field::Record, name, value, MAX_SHORT_CHARS, false)?;
    }
    if let Some(n) = &c.notes {
        text(Field::Record, "备注 / notes", n, MAX_TEXT_CHARS, true)?;
    }
    Ok(())
}

/// Where a person is visited, as staff write it: `3号楼2单元301`. A building or unit given as a
/// bare number gets its 号楼 / 单元; anything else (`A座`, `3组`) is kept as written. `None` when
/// all three are empty.
pub fn address_line(
    building: Option<&str>,
    unit: Option<&str>,
    room: Option<&str>,
) -> Option<String> {
    let bare = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut line = String::new();
    if let Some(b) = building.map(str::trim).filter(|s| !s.is_empty()) {
        line.push_str(b);
        if bare(b) {
            line.push_str("号楼");
        }
    }
    if let Some(u) = unit.map(str::trim).filter(|s| !s.is_empty()) {
        line.push_str(u);
        if bare(u) {
            line.push_str("单元");
        }
    }
    if let Some(r) = room.map(str::trim).filter(|s| !s.is_empty()) {
        line.push_str(r);
    }
    (!line.is_empty()).then_some(line)
}

#[cfg(test)]
mod address {
    use super::address_line;

    #[test]
    fn bare_numbers_get_their_words_and_written_ones_stay() {
        assert_eq!(
            address_line(Some("3"), Some("2"), Some("301")).as_deref(),
            Some("3号楼2单元301")
        );
        assert_eq!(
            address_line(Some("3号楼"), Some("2单元"), Some("301")).as_deref(),
            Some("3号楼2单元301")
        );
        assert_eq!(
            address_line(Some("A座"), None, Some("1203")).as_deref(),
            Some("A座1203")
        );
        assert_eq!(address_line(None, Some(" "), None), None);
    }
}
