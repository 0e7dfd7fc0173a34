//! The observation case (entity): a person under home observation (居家观察), where they live,
//! why, since when, under which policy and who visits them. Its status is not a field: it is the
//! fold of its `case_transition` events ([`crate::observation::fold_status`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::observation::{
    day_grid, CaseGrid, DayState, GateOpening, ObservationPolicy, TransitionFact, VisitFact,
};
use crate::{Field, Notice};

use super::rules::{community_code, date, opt_text, reference, text};
use super::{TravelDeclaration, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

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
    community_code(&c.community_code)?;
    reference("小区 / compound", &c.compound)?;
    date("观察起始日 / start date", Some(c.start_date), 2019)?;
    crate::observation::check_policy(&c.policy)?;
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

/// Whether a travel declaration taken at a gate opens a case by itself under the street's
/// `opening`, and why: [`ObservationReason::ReturneeHubei`] when a place is in Hubei (`42…`),
/// else [`ObservationReason::ReturneeElsewhere`]; `None` when the rule does not ask for one.
///
/// `street_code` is any division code of the street (12 digits, or at least its first four): a
/// place is outside the city when its code's first four digits differ, or, for a bare province
/// code, when the province differs. A place declared by text only, or only as the street's own
/// province, cannot be placed and opens nothing (staff still see the returnee on their list).
pub fn gate_opening_reason(
    opening: &GateOpening,
    street_code: &str,
    declaration: &TravelDeclaration,
) -> Option<ObservationReason> {
    let codes: Vec<&str> = declaration
        .places
        .iter()
        .filter_map(|p| p.division_code.as_deref())
        .filter(|c| matches!(c.len(), 2 | 4 | 6) && c.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let opens = match opening {
        GateOpening::Never => false,
        GateOpening::OutsideCity => {
            let city = street_code.get(..4).unwrap_or(street_code);
            let province = city.get(..2).unwrap_or(city);
            codes.iter().any(|c| match c.len() {
                2 => *c != province,
                _ => c.get(..4) != Some(city) || city.len() < 4,
            })
        }
        GateOpening::Provinces { codes: provinces } => codes
            .iter()
            .any(|c| provinces.iter().any(|p| c.starts_with(p.as_str()))),
    };
    opens.then(|| {
        if codes.iter().any(|c| c.starts_with("42")) {
            ObservationReason::ReturneeHubei
        } else {
            ObservationReason::ReturneeElsewhere
        }
    })
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

#[cfg(test)]
mod gate_opening {
    use super::*;
    use crate::records::{Instant, TravelPlace};

    fn declared(codes: &[Option<&str>]) -> TravelDeclaration {
        TravelDeclaration {
            id: Uuid::nil(),
            person_id: None,
            passage_id: None,
            places: codes
                .iter()
                .map(|c| TravelPlace {
                    division_code: c.map(str::to_owned),
                    text: Some("某地".into()),
                })
                .collect(),
            from_date: None,
            to_date: None,
            transport: None,
            transport_ref: None,
            declared_at: Instant::now_cst(),
            recorded_by: "v".into(),
        }
    }

    const STREET: &str = "411402001000";

    #[test]
    fn outside_the_city_opens_and_says_hubei_when_a_place_is_there() {
        let rule = GateOpening::OutsideCity;
        let cases: [(&[Option<&str>], Option<ObservationReason>); 9] = [
            (&[Some("420106")], Some(ObservationReason::ReturneeHubei)),
            (&[Some("4403")], Some(ObservationReason::ReturneeElsewhere)),
            (&[Some("41")], None), // the street's own province: cannot be placed
            (&[Some("44")], Some(ObservationReason::ReturneeElsewhere)),
            (
                &[Some("410105")],
                Some(ObservationReason::ReturneeElsewhere),
            ), // 郑州
            (&[Some("411402")], None), // 商丘 itself
            (&[None], None),           // text only
            (
                &[Some("411402"), Some("42")],
                Some(ObservationReason::ReturneeHubei),
            ),
            (&[Some("4x")], None), // not a code
        ];
        for (codes, want) in cases {
            assert_eq!(
                gate_opening_reason(&rule, STREET, &declared(codes)),
                want,
                "{codes:?}"
            );
        }
    }

    #[test]
    fn listed_provinces_open_others_do_not_and_never_opens_nothing() {
        let rule = GateOpening::Provinces {
            codes: vec!["42".into(), "44".into()],
        };
        assert_eq!(
            gate_opening_reason(&rule, STREET, &declared(&[Some("4403")])),
            Some(ObservationReason::ReturneeElsewhere)
        );
        assert_eq!(
            gate_opening_reason(&rule, STREET, &declared(&[Some("42")])),
            Some(ObservationReason::ReturneeHubei)
        );
        assert_eq!(
            gate_opening_reason(&rule, STREET, &declared(&[Some("3101")])),
            None
        );
        assert_eq!(
            gate_opening_reason(&GateOpening::Never, STREET, &declared(&[Some("420106")])),
            None
        );
    }
}
