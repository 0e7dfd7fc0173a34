//! What the review desk (compound, community and street laptops) asks of the device: passages,
//! temperature readings and travel declarations over a date range, a person's whole history,
//! the returnee list with the day home observation ends, and exports to .xlsx and .csv.
//!
//! Lists mask ID numbers and phones; the person page shows them in full to compound, community
//! and street roles only (a volunteer tablet sees them masked everywhere). Exports carry full
//! values: they are the registers reported upward and must import back unchanged.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kadian_domain::records::{Person, TravelDeclaration};
use kadian_domain::sync::Role;
use kadian_domain::{DocumentNumber, Notice, PersonName, Phone};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::views::{celsius_f64, mask_document, mask_phone, Names, PassageView};
use crate::app_error::{AppError, AppResult, NoticeView};
use crate::core::AppCore;
use crate::local_time::{day_start_utc, local};
use crate::places::place_name;
use crate::store::ReadingRow;

mod export;

pub use super::views::ExportResult;
pub use export::ExportKind;

/// Days of home observation (居家观察) after arrival.
pub const OBSERVATION_DAYS: i64 = 14;

/// Most rows a list or export holds; beyond it the list says it was cut.
pub const LIST_LIMIT: usize = 20_000;

/// A range of local (China) calendar days, both ends included, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct DayRange {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
}

/// One temperature reading in a list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReadingView {
    /// Reading id.
    pub id: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Local date and time, `YYYY-MM-DD HH:MM`.
    pub local: String,
    /// Person id.
    pub person_id: Option<String>,
    /// Name.
    pub name: String,
    /// °C.
    pub celsius: f64,
    /// ≥ 37.3 °C.
    pub fever: bool,
    /// The reading this one re-measures.
    pub remeasure_of: Option<String>,
    /// Checkpoint name.
    pub checkpoint_name: String,
    /// Who measured (volunteer name).
    pub recorded_by: String,
    /// Voided (itself, or with its passage): shown marked, left out of exports.
    pub voided: bool,
}

/// A travel declaration in a list (the returnee list too).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TravelView {
    /// Declaration id.
    pub id: String,
    /// Person id.
    pub person_id: Option<String>,
    /// Name.
    pub name: String,
    /// ID number, masked.
    pub id_masked: Option<String>,
    /// Phone, masked.
    pub phone_masked: Option<String>,
    /// Where from, full names (`广东省深圳市南山区`).
    pub places: Vec<String>,
    /// Left there.
    pub from_date: Option<String>,
    /// Arrived (the day observation starts).
    pub to_date: Option<String>,
    /// The last day of home observation: arrival + 14 days.
    pub observation_ends: Option<String>,
    /// Days of observation left from today (0 on the last day; negative: over).
    #[ts(type = "number | null")]
    pub days_left: Option<i64>,
    /// Transport.
    pub transport: Option<String>,
    /// Train or flight number, or plate.
    pub transport_ref: Option<String>,
    /// Who took the declaration (volunteer name).
    pub recorded_by: String,
}

/// `unknown_person`: the id names no person on this device.
fn unknown_person() -> AppError {
    AppError::new(
        "unknown_person",
        None,
        "本机没有这个人的登记",
        "This person is not on this device",
    )
}

/// A person's full document number and phone, asked for on the person page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Revealed {
    /// Document number in full, as stored.
    pub document_number: Option<String>,
    /// Phone in full, as stored.
    pub phone: Option<String>,
}

/// A person with their whole history.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PersonPage {
    /// Person id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `resident`, `tenant`, `visitor`.
    pub category: String,
    /// Document type.
    pub document_type: String,
    /// Document number, masked as in every list (`110105********002X`); the full value comes
    /// only from [`AppCore::person_reveal`].
    pub document_number: Option<String>,
    /// Phone, masked (`138****8000`).
    pub phone: Option<String>,
    /// True when this device's role may reveal the full values (compound, community and street
    /// staff; never a volunteer's tablet).
    pub can_reveal: bool,
    /// Compound, building, unit, room.
    pub address: String,
    /// Passages, newest first.
    pub passages: Vec<PassageView>,
    /// Readings, newest first.
    pub readings: Vec<ReadingView>,
    /// Travel declarations, newest first.
    pub travels: Vec<TravelView>,
    /// What kadian-domain's rules say of the stored name, document number and phone: the
    /// warnings a volunteer was shown at the gate and went on with (仍然继续), or that an import
    /// reported, for staff to check with the person. Derived from the record each time, never
    /// stored: a corrected value clears its warning.
    pub to_check: Vec<NoticeView>,
}

/// [`PersonPage::to_check`] of `p` on `today` (China time; an ID number's birth date is judged
/// against it).
pub fn stored_warnings(p: &Person, today: NaiveDate) -> Vec<NoticeView> {
    let mut found: Vec<Notice> = Vec::new();
    let mut take = |r: Result<Vec<Notice>, Notice>| match r {
        Ok(warnings) => found.extend(warnings),
        Err(e) => found.push(e),
    };
    take(PersonName::parse(&p.name).map(|c| c.warnings));
    if let Some(n) = &p.document_number {
        take(DocumentNumber::parse(p.document_type, n, today).map(|c| c.warnings));
    }
    if let Some(n) = &p.phone {
        take(Phone::parse(n).map(|c| c.warnings));
    }
    // The page masks the number and the phone for every role: so do its warnings (a phone
    // "无法识别" is quoted in full, a birth date comes out of the ID number).
    let hide = |text: &str| {
        let mut text = text.to_owned();
        if let Some(n) = p
            .document_number
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            text = text.replace(n.trim(), &mask_document(n));
        }
        if let Some(n) = p.phone.as_deref().filter(|n| !n.trim().is_empty()) {
            text = text.replace(n.trim(), &mask_phone(n));
        }
        text
    };
    found
        .iter()
        .map(|n| {
            let mut view = NoticeView::from(n);
            if matches!(n.code.as_str(), "id_birth_date" | "id_birth_future") {
                view.message = "身份证号码中的出生日期不对，请核对".into();
                view.message_en =
                    "The birth date in the ID number is not possible; please check".into();
            } else {
                view.message = hide(&view.message);
                view.message_en = hide(&view.message_en);
            }
            view
        })
        .collect()
}

/// A list of passages, readings or travel declarations for the laptop's tables.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReviewList<T: TS> {
    /// Rows.
    pub rows: Vec<T>,
    /// True when the range held more than [`LIST_LIMIT`] rows and the list was cut.
    pub truncated: bool,
}

fn range_utc(r: &DayRange) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let parse = |s: &str, field: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::new(
                "invalid_date",
                Some(field),
                "日期格式应为 年-月-日",
                "The date must be YYYY-MM-DD",
            )
        })
    };
    let (from, to) = (parse(&r.from, "from")?, parse(&r.to, "to")?);
    if from > to {
        return Err(AppError::new(
            "range_reversed",
            Some("from"),
            "开始日期晚于结束日期",
            "The first day is after the last day",
        ));
    }
    Ok((day_start_utc(from), day_start_utc(to) + Duration::days(1)))
}

impl AppCore {
    fn reading_view(&self, names: &Names, r: ReadingRow) -> ReadingView {
        ReadingView {
            local: local(r.at).format("%Y-%m-%d %H:%M").to_string(),
            id: r.id,
            at: r.at,
            person_id: r.person_id,
            name: r.name,
            celsius: celsius_f64(r.tenths),
            fever: r.fever,
            remeasure_of: r.remeasure_of,
            checkpoint_name: names
                .checkpoints
                .get(&r.checkpoint_id)
                .cloned()
                .unwrap_or_default(),
            recorded_by: names.volunteer(&r.recorded_by),
            voided: r.voided,
        }
    }

    fn travel_view(
        &self,
        names: &Names,
        t: TravelDeclaration,
        person: Option<&Person>,
        today: NaiveDate,
    ) -> TravelView {
        let ends = t.to_date.map(|d| d + Duration::days(OBSERVATION_DAYS));
        TravelView {
            id: t.id.to_string(),
            person_id: t.person_id.map(|p| p.to_string()),
            name: person.map(|p| p.name.clone()).unwrap_or_default(),
            id_masked: person.and_then(|p| p.document_number.as_deref().map(mask_document)),
            phone_masked: person.and_then(|p| p.phone.as_deref().map(mask_phone)),
            places: t
                .places
                .iter()
                .map(|p| {
                    p.division_code
                        .as_deref()
                        .map(place_name)
                        .or_else(|| p.text.clone())
                        .unwrap_or_default()
                })
                .collect(),
            from_date: t.from_date.map(|d| d.to_string()),
            to_date: t.to_date.map(|d| d.to_string()),
            observation_ends: ends.map(|d| d.to_string()),
            days_left: ends.map(|d| (d - today).num_days()),
            transport: t.transport.map(|m| {
                serde_json::to_value(m)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
            transport_ref: t.transport_ref,
            recorded_by: names.volunteer(&t.recorded_by),
        }
    }

    /// Passages at every checkpoint this device sees, over a range of days, newest first.
    pub fn review_passages(&self, range: &DayRange) -> AppResult<ReviewList<PassageView>> {
        let (from, to) = range_utc(range)?;
        let names = self.names()?;
        let mut rows = self.store().passages_in_range(from, to, LIST_LIMIT + 1)?;
        let truncated = rows.len() > LIST_LIMIT;
        rows.truncate(LIST_LIMIT);
        Ok(ReviewList {
            rows: rows.into_iter().map(|r| names.passage_view(r)).collect(),
            truncated,
        })
    }

    /// Temperature readings over a range of days, newest first.
    pub fn review_readings(&self, range: &DayRange) -> AppResult<ReviewList<ReadingView>> {
        let (from, to) = range_utc(range)?;
        let names = self.names()?;
        let mut rows = self.store().readings_between(from, to, LIST_LIMIT + 1)?;
        let truncated = rows.len() > LIST_LIMIT;
        rows.truncate(LIST_LIMIT);
        Ok(ReviewList {
            rows: rows
                .into_iter()
                .map(|r| self.reading_view(&names, r))
                .collect(),
            truncated,
        })
    }

    fn travels_with_people(
        &self,
        list: Vec<TravelDeclaration>,
    ) -> AppResult<Vec<(TravelDeclaration, Option<Person>)>> {
        let store = self.store();
        list.into_iter()
            .map(|t| {
                let p = match t.person_id {
                    Some(id) => store.person(id)?.map(|(p, _)| p),
                    None => None,
                };
                Ok((t, p))
            })
            .collect()
    }

    /// Travel declarations taken over a range of days, newest first.
    pub fn review_travels(&self, range: &DayRange) -> AppResult<ReviewList<TravelView>> {
        let (from, to) = range_utc(range)?;
        let names = self.names()?;
        let list = self.store().travels_declared_between(from, to)?;
        let today = local(self.now()).date();
        let rows = self
            .travels_with_people(list)?
            .into_iter()
            .map(|(t, p)| self.travel_view(&names, t, p.as_ref(), today))
            .collect();
        Ok(ReviewList {
            rows,
            truncated: false,
        })
    }

    fn returnee_declarations(&self) -> AppResult<Vec<(TravelDeclaration, Option<Person>)>> {
        let today = local(self.now()).date();
        // Observation runs through arrival + 14 days: arrivals from 14 days ago on.
        let list = self
            .store()
            .travels_arrived_since(today - Duration::days(OBSERVATION_DAYS))?;
        self.travels_with_people(list)
    }

    /// The returnee list: travel declarations whose arrival was within the last 14 days, with
    /// the last day of home observation, soonest arrival first.
    pub fn returnees(&self) -> AppResult<Vec<TravelView>> {
        let names = self.names()?;
        let today = local(self.now()).date();
        Ok(self
            .returnee_declarations()?
            .into_iter()
            .map(|(t, p)| self.travel_view(&names, t, p.as_ref(), today))
            .collect())
    }

    /// The full document number and phone of one person, for compound, community and street
    /// staff. Errors: `not_allowed` on a volunteer's tablet (or before enrolment),
    /// `unknown_person` when the person is not on this device.
    pub fn person_reveal(&self, person_id: &str) -> AppResult<Revealed> {
        if matches!(self.role()?, Some(Role::Volunteer) | None) {
            return Err(AppError::new(
                "not_allowed",
                None,
                "平板上不能查看完整的证件号和手机号",
                "Full ID numbers and phones cannot be shown on a gate tablet",
            ));
        }
        let id = Uuid::parse_str(person_id).map_err(|_| unknown_person())?;
        let (p, _) = self.store().person(id)?.ok_or_else(unknown_person)?;
        Ok(Revealed {
            document_number: p.document_number,
            phone: p.phone,
        })
    }

    /// A person with their whole history. ID number and phone are masked here as in the lists,
    /// for every role: a full value is shown only when staff ask for it
    /// ([`AppCore::person_reveal`]), one person at a time. (The reveal's reason and audit trail
    /// come with the privacy issue; until then asking is the act.)
    pub fn person_page(&self, person_id: &str) -> AppResult<PersonPage> {
        let id = Uuid::parse_str(person_id).map_err(|_| unknown_person())?;
        let can_reveal = !matches!(self.role()?, Some(Role::Volunteer) | None);
        let names = self.names()?;
        let today = local(self.now()).date();
        let store = self.store();
        let (p, _) = store.person(id)?.ok_or_else(unknown_person)?;
        let passages = store.passages_of_person(id, LIST_LIMIT)?;
        let readings = store.readings_of_person(id)?;
        let travels = store.travels_of_person(id)?;
        drop(store);
        Ok(PersonPage {
            id: p.id.to_string(),
            name: p.name.clone(),
            category: p.category.as_str().to_owned(),
            document_type: p.document_type.as_str().to_owned(),
            document_number: p.document_number.as_deref().map(mask_document),
            phone: p.phone.as_deref().map(mask_phone),
            can_reveal,
            address: [&p.compound, &p.building, &p.unit, &p.room]
                .iter()
                .filter_map(|v| v.as_deref())
                .collect::<Vec<_>>()
                .join(" "),
            passages: passages
                .into_iter()
                .map(|r| names.passage_view(r))
                .collect(),
            readings: readings
                .into_iter()
                .map(|r| self.reading_view(&names, r))
                .collect(),
            travels: travels
                .into_iter()
                .map(|t| self.travel_view(&names, t, Some(&p), today))
                .collect(),
            to_check: stored_warnings(&p, today),
        })
    }
}
