//! The travel declaration (event, 旅居史): where a person has been, since when, by what, and
//! its rules.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{date, instant, opt_text, reference};
use super::{bad, clip, Instant, MAX_SHORT_CHARS, MAX_TEXT_CHARS, MAX_TRAVEL_PLACES};

/// How someone travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportMode {
    /// 火车 (reference: train number, e.g. G1936).
    Train,
    /// 飞机 (reference: flight number, e.g. CZ4129).
    Flight,
    /// 自驾 (reference: plate).
    Car,
    /// 客车 / 大巴.
    Coach,
    /// 船.
    Ship,
    /// 其他.
    Other,
}

/// One place of a travel declaration: a GB/T 2260 division code (2, 4 or 6 digits) and free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravelPlace {
    /// Division code, e.g. `420106` (武昌区) or `4201` (武汉市).
    pub division_code: Option<String>,
    /// Free text as declared (`武汉市武昌区`, a street, a hospital).
    pub text: Option<String>,
}

/// Where a person has been (行程 / 旅居史), an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TravelDeclaration {
    /// UUIDv7.
    pub id: Uuid,
    /// The person.
    pub person_id: Option<Uuid>,
    /// The passage it was declared at, if any.
    pub passage_id: Option<Uuid>,
    /// Places, in order.
    pub places: Vec<TravelPlace>,
    /// Left the first place (local date).
    pub from_date: Option<NaiveDate>,
    /// Arrived here (local date); home observation counts 14 days from it.
    pub to_date: Option<NaiveDate>,
    /// Transport mode.
    pub transport: Option<TransportMode>,
    /// Train or flight number, or plate.
    pub transport_ref: Option<String>,
    /// When declared.
    pub declared_at: Instant,
    /// Who took the declaration.
    pub recorded_by: String,
}

/// A travel declaration: at most 20 places, each with a GB/T 2260 code of 2, 4 or 6 digits or
/// a text (at most 500 characters), or both; dates between 2000 and 2099; transport number at
/// most 40 characters.
///
/// Errors: `place_missing`, `place_code_format`, `too_many_places`, `too_long`,
/// `control_character`, `reference_missing`, `date_out_of_range`.
pub fn check_travel(t: &TravelDeclaration) -> Result<(), Notice> {
    if t.places.len() > MAX_TRAVEL_PLACES {
        return Err(bad(
            Field::Record,
            "too_many_places",
            format!("一份行程最多 {MAX_TRAVEL_PLACES} 个地点"),
            format!("a declaration has at most {MAX_TRAVEL_PLACES} places"),
        ));
    }
    for place in &t.places {
        let text_empty = place.text.as_deref().is_none_or(|s| s.trim().is_empty());
        match &place.division_code {
            Some(c) if !(matches!(c.len(), 2 | 4 | 6) && c.bytes().all(|b| b.is_ascii_digit())) => {
                return Err(bad(
                    Field::Record,
                    "place_code_format",
                    format!("地区代码“{}”必须是 2、4 或 6 位数字", clip(c)),
                    format!(
                        "the division code \"{}\" must have 2, 4 or 6 digits",
                        clip(c)
                    ),
                ));
            }
            None if text_empty => {
                return Err(bad(
                    Field::Record,
                    "place_missing",
                    "行程地点需要地区代码或地名",
                    "A travel place needs a division code or a name",
                ));
            }
            _ => {}
        }
        opt_text(
            Field::Record,
            "地点 / place",
            place.text.as_deref(),
            MAX_TEXT_CHARS,
            true,
        )?;
    }
    opt_text(
        Field::Record,
        "车次航班 / transport number",
        t.transport_ref.as_deref(),
        MAX_SHORT_CHARS,
        true,
    )?;
    reference("登记人 / recorded by", &t.recorded_by)?;
    date("出发日期 / from date", t.from_date, 2000)?;
    date("抵达日期 / arrival date", t.to_date, 2000)?;
    instant("申报时间 / time", &t.declared_at)
}
