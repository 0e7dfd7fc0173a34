//! The key area (重点区域, entity) and its changes (event): a compound, or some of its buildings
//! (a village: some of its groups), where confirmed or suspected cases or close contacts live,
//! declared by the community or the street from a day, to be reviewed on a day; every household
//! in it gets a visit every day (入户随访). Whether it is in force is the fold of its changes
//! (lifted, reinstated, review moved), never a field two laptops overwrite. Source: the street's
//! plan (西城花园, 八一新苑 in its own report).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{community_code, date, instant, reference, text};
use super::{bad, HouseholdPlace, Instant, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

/// Why an area is key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAreaReason {
    /// A confirmed case lives there (确诊).
    Confirmed,
    /// A suspected case (疑似).
    Suspected,
    /// Close contacts (密切接触者).
    CloseContacts,
}

/// Who declared it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredBy {
    /// The community (社区).
    Community,
    /// The street (街道).
    Street,
}

/// Most parts (buildings or groups) one key area names.
pub const MAX_KEY_AREA_PARTS: usize = 100;

/// A key area (entity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyArea {
    /// UUIDv7.
    pub id: Uuid,
    /// The community's 12-digit code.
    pub community_code: String,
    /// The compound (or village).
    pub compound: String,
    /// The buildings (a village: the groups) it covers, as the households name them (`3`,
    /// `12`); empty: the whole compound.
    pub parts: Vec<String>,
    /// Why.
    pub reason: KeyAreaReason,
    /// Who declared it.
    pub declared_by: DeclaredBy,
    /// From this China day.
    pub from: NaiveDate,
    /// To be reviewed on this day (lifted then if no new case).
    pub review: NaiveDate,
    /// A note (which case, which building).
    pub note: Option<String>,
}

impl KeyArea {
    /// Whether a household of its compound is in it.
    pub fn covers(&self, place: &HouseholdPlace) -> bool {
        if self.parts.is_empty() {
            return true;
        }
        let part = match place {
            HouseholdPlace::Compound { building, .. } => building.clone().unwrap_or_default(),
            HouseholdPlace::Village { group, .. } => group.to_string(),
        };
        self.parts.contains(&part)
    }
}

/// A key area: a 12-digit community, a compound, parts each once and short, a review day on
/// or after the first day, both from 2019, a bounded note.
///
/// Errors: `invalid_community`, `reference_missing`, `part_repeated`, `too_many_parts`,
/// `review_before_start`, `date_out_of_range`, `too_long`, `control_character`.
pub fn check_key_area(k: &KeyArea) -> Result<(), Notice> {
    community_code(&k.community_code)?;
    reference("小区 / compound", &k.compound)?;
    if k.parts.len() > MAX_KEY_AREA_PARTS {
        return Err(bad(
            Field::Record,
            "too_many_parts",
            format!("一个重点区域最多 {MAX_KEY_AREA_PARTS} 栋（组）"),
            format!("A key area names at most {MAX_KEY_AREA_PARTS} buildings or groups"),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in &k.parts {
        text(Field::Record, "楼栋 / building", p, MAX_SHORT_CHARS, false)?;
        if p.trim().is_empty() || !seen.insert(p) {
            return Err(bad(
                Field::Record,
                "part_repeated",
                "每栋（组）只写一次，且不能为空",
                "Each building or group once, none empty",
            ));
        }
    }
    date("开始日期 / from", Some(k.from), 2019)?;
    date("复核日期 / review", Some(k.review), 2019)?;
    if k.review < k.from {
        return Err(bad(
            Field::Date,
            "review_before_start",
            "复核日期不能早于开始日期",
            "The review day is not before the first day",
        ));
    }
    super::rules::opt_text(
        Field::Record,
        "备注 / note",
        k.note.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )
}

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAreaChangeKind {
    /// Lifted (解除): no longer in force from its effective day.
    Lift,
    /// In force again (a new case after all).
    Reinstate,
    /// The review moved to `review`.
    Extend,
}

/// A change of a key area (event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyAreaChange {
    /// UUIDv7.
    pub id: Uuid,
    /// The key area.
    pub key_area_id: Uuid,
    /// What it does.
    pub kind: KeyAreaChangeKind,
    /// The China day it takes effect.
    pub effective: NaiveDate,
    /// The new review day (an extension).
    pub review: Option<NaiveDate>,
    /// Why.
    pub reason: String,
    /// When it was recorded.
    pub at: Instant,
    /// Who.
    pub recorded_by: String,
}

/// A change: an effective day from 2019, a review day for an extension (not before the
/// effective day), a reason, a time and a name.
///
/// Errors: `review_missing`, `review_before_start`, `reason_missing`, `date_out_of_range`,
/// `too_long`, `reference_missing`.
pub fn check_key_area_change(c: &KeyAreaChange) -> Result<(), Notice> {
    instant("时间 / time", &c.at)?;
    date("生效日期 / effective", Some(c.effective), 2019)?;
    date("复核日期 / review", c.review, 2019)?;
    match (c.kind, c.review) {
        (KeyAreaChangeKind::Extend, None) => {
            return Err(bad(
                Field::Date,
                "review_missing",
                "延期要写新的复核日期",
                "An extension names the new review day",
            ))
        }
        (_, Some(r)) if r < c.effective => {
            return Err(bad(
                Field::Date,
                "review_before_start",
                "复核日期不能早于生效日期",
                "The review day is not before the effective day",
            ))
        }
        _ => {}
    }
    if c.reason.trim().is_empty() {
        return Err(bad(
            Field::Record,
            "reason_missing",
            "请写明原因",
            "Give the reason",
        ));
    }
    text(
        Field::Record,
        "原因 / reason",
        &c.reason,
        MAX_TEXT_CHARS,
        true,
    )?;
    reference("登记人 / recorded by", &c.recorded_by)
}

/// Where a key area stands on a day, folded from its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAreaStanding {
    /// In force that day.
    pub active: bool,
    /// The review day as it stands.
    pub review: NaiveDate,
    /// The day it was lifted, when it is.
    pub lifted_on: Option<NaiveDate>,
}

/// Folds a key area's changes effective by `on` (in effective-day, then recorded order; a
/// change of a day applies from that day): in force from its first day until lifted,
/// again when reinstated; the review day moved by the latest extension.
pub fn standing(area: &KeyArea, changes: &[KeyAreaChange], on: NaiveDate) -> KeyAreaStanding {
    let mut ordered: Vec<&KeyAreaChange> = changes
        .iter()
        .filter(|c| c.key_area_id == area.id && c.effective <= on)
        .collect();
    ordered.sort_by_key(|c| (c.effective, c.at.utc, c.id));
    let mut s = KeyAreaStanding {
        active: area.from <= on,
        review: area.review,
        lifted_on: None,
    };
    for c in ordered {
        match c.kind {
            KeyAreaChangeKind::Lift => {
                s.active = false;
                s.lifted_on = Some(c.effective);
            }
            KeyAreaChangeKind::Reinstate => {
                s.active = area.from <= on;
                s.lifted_on = None;
            }
            KeyAreaChangeKind::Extend => {
                if let Some(r) = c.review {
                    s.review = r;
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("day")
    }

    fn area() -> KeyArea {
        KeyArea {
            id: Uuid::from_u128(1),
            community_code: "411402001018".into(),
            compound: "c1".into(),
            parts: vec!["3".into(), "5".into()],
            reason: KeyAreaReason::CloseContacts,
            declared_by: DeclaredBy::Community,
            from: day(2),
            review: day(16),
            note: None,
        }
    }

    fn change(
        n: u128,
        kind: KeyAreaChangeKind,
        effective: u32,
        review: Option<u32>,
    ) -> KeyAreaChange {
        KeyAreaChange {
            id: Uuid::from_u128(n),
            key_area_id: Uuid::from_u128(1),
            kind,
            effective: day(effective),
            review: review.map(day),
            reason: "复核".into(),
            at: Instant::now_cst(),
            recorded_by: "王芳".into(),
        }
    }

    #[test]
    fn a_key_area_is_in_force_from_its_day_until_lifted_and_again_when_reinstated() {
        let a = area();
        assert!(!standing(&a, &[], day(1)).active);
        assert!(standing(&a, &[], day(2)).active);
        let changes = [
            change(2, KeyAreaChangeKind::Extend, 10, Some(20)),
            change(3, KeyAreaChangeKind::Lift, 20, None),
            change(4, KeyAreaChangeKind::Reinstate, 25, None),
        ];
        assert_eq!(standing(&a, &changes, day(12)).review, day(20));
        let lifted = standing(&a, &changes, day(21));
        assert_eq!((lifted.active, lifted.lifted_on), (false, Some(day(20))));
        assert!(standing(&a, &changes, day(26)).active);
    }

    #[test]
    fn a_key_area_covers_its_buildings_or_the_whole_compound() {
        let mut a = area();
        let flat = |b: &str| HouseholdPlace::Compound {
            building: Some(b.into()),
            unit: None,
            room: Some("101".into()),
        };
        assert!(a.covers(&flat("3")));
        assert!(!a.covers(&flat("4")));
        a.parts.clear();
        assert!(a.covers(&flat("4")));
    }

    #[test]
    fn its_rules_hold() {
        assert!(check_key_area(&area()).is_ok());
        let mut a = area();
        a.review = day(1);
        assert_eq!(check_key_area(&a).unwrap_err().code, "review_before_start");
        let mut a = area();
        a.parts.push("3".into());
        assert_eq!(check_key_area(&a).unwrap_err().code, "part_repeated");
        let c = change(2, KeyAreaChangeKind::Extend, 10, None);
        assert_eq!(
            check_key_area_change(&c).unwrap_err().code,
            "review_missing"
        );
        let mut c = change(2, KeyAreaChangeKind::Lift, 10, None);
        c.reason = " ".into();
        assert_eq!(
            check_key_area_change(&c).unwrap_err().code,
            "reason_missing"
        );
    }
}
