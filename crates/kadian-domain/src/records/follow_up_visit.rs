//! The follow-up visit (随访, event): one visit of a case on a day, how it went, the temperature
//! taken and the symptoms asked. Never edited: a wrong visit is followed by another.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::observation::VisitOutcome;
use crate::temperature::Celsius;
use crate::{Field, Notice};

use super::rules::{celsius, instant, reference, symptoms_once, visit_day};
use super::{bad, Instant};

/// Which of the day's visits it is (two a day: morning and afternoon).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitSlot {
    /// Morning.
    Am,
    /// Afternoon.
    Pm,
    /// Once a day.
    Any,
}

/// How the person was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitMethod {
    /// At the door (上门).
    Door,
    /// By phone.
    Phone,
    /// By video call.
    Video,
    /// Through the family.
    Family,
}

/// A symptom asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    /// Fever (发热).
    Fever,
    /// Cough (咳嗽).
    Cough,
    /// Shortness of breath (气促).
    ShortBreath,
    /// Fatigue (乏力).
    Fatigue,
    /// Diarrhoea (腹泻).
    Diarrhoea,
    /// Another.
    Other,
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitAction {
    /// Nothing needed.
    None,
    /// Advised (stay in, call if worse).
    Advised,
    /// Referred to the street's emergency response group (应急处置组).
    Referred,
    /// 120 called.
    Ambulance,
}

/// One visit of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpVisit {
    /// UUIDv7.
    pub id: Uuid,
    /// The case visited.
    pub case_id: Uuid,
    /// The China date it counts for (a visit typed in late counts for its day).
    pub date: NaiveDate,
    /// Which visit of the day.
    pub slot: VisitSlot,
    /// When it was recorded.
    pub at: Instant,
    /// How.
    pub method: VisitMethod,
    /// How it went.
    pub outcome: VisitOutcome,
    /// The temperature taken (°C), only when the person was seen.
    pub celsius: Option<Celsius>,
    /// The visit whose reading this one takes again (复测); the first stays.
    pub remeasure_of: Option<Uuid>,
    /// Symptoms reported (each once).
    pub symptoms: Vec<Symptom>,
    /// What was done.
    pub action: VisitAction,
    /// Who visited.
    pub recorded_by: String,
}

/// A visit: a date from 2019, no later than the day after it was recorded and at most 60 days
/// before; a temperature only for a person seen, between 34.0 and 43.0 °C; each symptom once.
///
/// Errors: `date_out_of_range`, `visit_date_off`, `temperature_without_visit`,
/// `temperature_out_of_range`, `symptom_repeated`, `reference_missing`.
pub fn check_follow_up_visit(v: &FollowUpVisit) -> Result<(), Notice> {
    instant("时间 / time", &v.at)?;
    visit_day("随访日期 / visit date", v.date, &v.at)?;
    match v.celsius {
        Some(_) if !v.outcome.seen() => {
            return Err(bad(
                Field::TemperatureC,
                "temperature_without_visit",
                "没见到人，不能有体温",
                "A person not seen has no temperature",
            ))
        }
        Some(c) => celsius(c)?,
        None => {}
    }
    symptoms_once(&v.symptoms)?;
    reference("随访人 / visited by", &v.recorded_by)
}
