//! The household visit (入户随访, event): a key area's daily check of one household — how it was
//! reached, how it went, each member seen with a temperature and symptoms, what the household
//! needs (生活需求). Never edited: a wrong visit is followed by another; two laptops visiting
//! one household the same day offline are two visits, both kept. Every member seen is
//! accounted for (已掌握). Source: the street's plan (重点区域每日入户).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::temperature::Celsius;
use crate::{Field, Notice};

use super::rules::{
    celsius, community_code, instant, opt_text, reference, symptoms_once, visit_day,
};
use super::{bad, Instant, Symptom, MAX_SCREENED_MEMBERS, MAX_TEXT_CHARS};

/// How the household was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdVisitMethod {
    /// At the door (上门).
    Door,
    /// By phone.
    Phone,
    /// By the door phone (对讲).
    Intercom,
}

/// How the visit went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdVisitOutcome {
    /// Everyone well (全部正常).
    AllWell,
    /// Someone unwell (有异常).
    SomeoneUnwell,
    /// Nobody answered (无人应答).
    NoAnswer,
    /// Refused (拒绝).
    Refused,
    /// Nobody lives there (空置).
    Vacant,
}

/// A need the household has (生活需求).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdNeed {
    /// Food (食品、蔬菜).
    Food,
    /// Medicine (药品).
    Medicine,
    /// Supplies (口罩、消毒液).
    Supplies,
    /// Another.
    Other,
}

/// One member seen at a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberSeen {
    /// The person.
    pub person_id: Uuid,
    /// Temperature taken (°C), if one was.
    pub celsius: Option<Celsius>,
    /// Symptoms (each once).
    #[serde(default)]
    pub symptoms: Vec<Symptom>,
}

/// A visit of a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdVisit {
    /// UUIDv7.
    pub id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// The key area it was visited for, if any.
    pub key_area_id: Option<Uuid>,
    /// Its community's 12-digit code.
    pub community_code: String,
    /// Its compound.
    pub compound: String,
    /// The China day it counts for.
    pub date: NaiveDate,
    /// When.
    pub at: Instant,
    /// How.
    pub method: HouseholdVisitMethod,
    /// How it went.
    pub outcome: HouseholdVisitOutcome,
    /// The members seen.
    pub seen: Vec<MemberSeen>,
    /// What the household needs.
    #[serde(default)]
    pub needs: Vec<HouseholdNeed>,
    /// A note (what is needed, who is unwell).
    pub note: Option<String>,
    /// Who visited.
    pub recorded_by: String,
}

/// A visit: a 12-digit community, a compound, a day from 2019 within a day of when it is
/// recorded or up to 60 days before, members each once (none unless the household answered),
/// temperatures of 34.0–43.0 °C, symptoms and needs each once, a bounded note.
///
/// Errors: `invalid_community`, `reference_missing`, `visit_date_off`, `member_repeated`,
/// `too_many_members`, `seen_without_answer`, `temperature_out_of_range`, `symptom_repeated`,
/// `need_repeated`, `date_out_of_range`, `too_long`, `control_character`.
pub fn check_household_visit(v: &HouseholdVisit) -> Result<(), Notice> {
    community_code(&v.community_code)?;
    reference("小区 / compound", &v.compound)?;
    instant("时间 / time", &v.at)?;
    visit_day("日期 / date", v.date, &v.at)?;
    reference("随访人 / visited by", &v.recorded_by)?;
    if v.seen.len() > MAX_SCREENED_MEMBERS {
        return Err(bad(
            Field::Record,
            "too_many_members",
            format!("一次随访最多 {MAX_SCREENED_MEMBERS} 人"),
            format!("A visit names at most {MAX_SCREENED_MEMBERS} members"),
        ));
    }
    let answered = matches!(
        v.outcome,
        HouseholdVisitOutcome::AllWell | HouseholdVisitOutcome::SomeoneUnwell
    );
    if !answered && !v.seen.is_empty() {
        return Err(bad(
            Field::Record,
            "seen_without_answer",
            "无人应答、拒绝或空置时不能有见到的成员",
            "No member is seen when nobody answered, the household refused, or it is vacant",
        ));
    }
    let mut people = std::collections::BTreeSet::new();
    for m in &v.seen {
        if !people.insert(m.person_id) {
            return Err(bad(
                Field::Record,
                "member_repeated",
                "同一成员只填一次",
                "Each member is reported once",
            ));
        }
        if let Some(c) = m.celsius {
            celsius(c)?;
        }
        symptoms_once(&m.symptoms)?;
    }
    let mut needs = std::collections::BTreeSet::new();
    if !v.needs.iter().all(|n| needs.insert(*n)) {
        return Err(bad(
            Field::Record,
            "need_repeated",
            "同一需求只记一次",
            "Each need is listed once",
        ));
    }
    opt_text(
        Field::Record,
        "备注 / note",
        v.note.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit() -> HouseholdVisit {
        let at = Instant::now_cst();
        HouseholdVisit {
            id: Uuid::from_u128(1),
            household_id: Uuid::from_u128(2),
            key_area_id: None,
            community_code: "411402001018".into(),
            compound: "c1".into(),
            date: (at.utc + chrono::Duration::hours(8)).date_naive(),
            at,
            method: HouseholdVisitMethod::Door,
            outcome: HouseholdVisitOutcome::AllWell,
            seen: vec![MemberSeen {
                person_id: Uuid::from_u128(3),
                celsius: Some(Celsius::from_tenths(365)),
                symptoms: Vec::new(),
            }],
            needs: vec![HouseholdNeed::Food],
            note: None,
            recorded_by: "王芳".into(),
        }
    }

    #[test]
    fn a_household_visit_keeps_its_rules() {
        assert!(check_household_visit(&visit()).is_ok());
        let mut v = visit();
        v.outcome = HouseholdVisitOutcome::NoAnswer;
        assert_eq!(
            check_household_visit(&v).unwrap_err().code,
            "seen_without_answer"
        );
        let mut v = visit();
        v.seen[0].celsius = Some(Celsius::from_tenths(480));
        assert_eq!(
            check_household_visit(&v).unwrap_err().code,
            "temperature_out_of_range"
        );
        let mut v = visit();
        v.needs.push(HouseholdNeed::Food);
        assert_eq!(check_household_visit(&v).unwrap_err().code, "need_repeated");
        let mut v = visit();
        v.date = v.date - chrono::Days::new(61);
        assert_eq!(
            check_household_visit(&v).unwrap_err().code,
            "visit_date_off"
        );
    }
}
