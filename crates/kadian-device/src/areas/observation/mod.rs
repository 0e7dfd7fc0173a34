//! Home observation on the staff laptop (居家观察): open a case for a returnee, work through
//! today's visits (今日随访) offline, record a visit in one step, change a case's status. The
//! list is computed here from this device's own store, never fetched: unwell first, then those
//! missed yesterday, then the day's visits in walking order (building → unit → room), then those
//! due for release. A day is missed only once this device has synced after it; before, it is
//! unknown (another laptop may hold the visit).

use chrono::NaiveDate;
use kadian_domain::observation::{CaseGrid, CaseStatus, DayState, TransitionKind, VisitOutcome};
use kadian_domain::records::{
    address_line, new_id, observation_case_id_for_declaration, CaseTransition, FollowUpVisit,
    Instant, ObservationCase, ObservationReason, Source, Symptom, VisitAction, VisitMethod,
    VisitSlot,
};
use kadian_domain::sync::Role;
use kadian_domain::Celsius;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod case_page;
mod referral;
pub use case_page::{CaseChange, CaseDay, CasePage, CaseVisit, MAX_SHEET_DAYS};
pub use referral::{DisposeInput, ReferralView};

use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::local;

/// Where a case stands in today's list, in the order the list shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TodayGroup {
    /// Went out through a gate today while under observation: first.
    WentOut,
    /// Fever or symptoms today or yesterday, or referred.
    Unwell,
    /// Yesterday was missed.
    MissedYesterday,
    /// Due today.
    Due,
    /// Seen on the last day: release today.
    ReleaseToday,
    /// Seen today already.
    Done,
}

/// One case as today's list and the case list show it (the name in full: staff visit them;
/// the ID number is not shown here).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ObservationEntry {
    /// Case id.
    pub case_id: String,
    /// Person id.
    pub person_id: String,
    /// What opened it (the travel declaration's id, from the returnee list).
    pub origin_id: Option<String>,
    /// Name, or `—` when the person is not on this device.
    pub name: String,
    /// Building, unit, room.
    pub address: String,
    /// The compound's name.
    pub compound_name: String,
    /// Why.
    #[ts(type = "string")]
    pub reason: ObservationReason,
    /// Status (the fold of its transitions).
    #[ts(type = "string")]
    pub status: CaseStatus,
    /// Day of observation today (1 = the day after arrival); 0 before, the last day after.
    pub day: u16,
    /// Days of the period (14, more while the last day is not seen).
    pub days: u16,
    /// The last day (China date).
    pub end: String,
    /// Today's state.
    #[ts(type = "string")]
    pub today: DayState,
    /// Days missed in a row up to yesterday (2: the community's red list).
    pub missed_in_a_row: u32,
    /// The latest reading, °C.
    pub last_celsius: Option<f64>,
    /// The staff member responsible.
    pub responsible: Option<String>,
    /// Registered going out at a gate today (not voided): a breach of home observation.
    pub went_out_today: bool,
    /// Its place in today's list.
    pub group: TodayGroup,
}

/// Today's visits (今日随访).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TodayVisits {
    /// Today (China date).
    pub date: String,
    /// Active cases in list order; those done today last.
    pub entries: Vec<ObservationEntry>,
    /// Due today and not yet seen.
    pub due: u32,
    /// Seen today.
    pub done: u32,
    /// Unwell.
    pub unwell: u32,
    /// Until when days are judged (this device's last sync): later days are unknown, not missed.
    pub synced_through: Option<String>,
}

/// Opening a case for a person (from the returnee list: 纳入居家观察).
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct OpenCase {
    /// The person.
    pub person_id: String,
    /// Why.
    #[ts(type = "string")]
    pub reason: ObservationReason,
    /// Day 0 (the arrival), `YYYY-MM-DD`.
    pub start_date: String,
    /// The travel declaration it comes from: the case's id is derived from it, so two devices
    /// opening it make one case.
    pub declaration_id: Option<String>,
    /// The staff member responsible.
    pub responsible: Option<String>,
}

/// A visit as typed: the common case is one tap, "seen, well" with the temperature.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct VisitInput {
    /// The case.
    pub case_id: String,
    /// How it went.
    #[ts(type = "string")]
    pub outcome: VisitOutcome,
    /// The temperature, °C (only for a person seen).
    pub celsius: Option<f64>,
    /// How the person was reached (door by default).
    #[ts(type = "string | null")]
    pub method: Option<VisitMethod>,
    /// Symptoms.
    #[ts(type = "string[]")]
    pub symptoms: Vec<Symptom>,
    /// What was done (nothing by default).
    #[ts(type = "string | null")]
    pub action: Option<VisitAction>,
    /// Who visited (the staff member's name; the device when empty).
    pub visited_by: Option<String>,
}

/// A record refused by its kind's rules is said at its field, as a form's error.
fn store_error(e: crate::StoreError) -> AppError {
    match e {
        crate::StoreError::Invalid(n) => AppError::invalid(vec![n]),
        other => other.into(),
    }
}

fn not_staff() -> AppError {
    AppError::new(
        "not_staff",
        None,
        "只有小区、片区、社区或街道工作人员的设备可以登记居家观察",
        "Only compound, zone, community or street staff devices record home observation",
    )
}

fn bad_date(field: &str) -> AppError {
    AppError::new(
        "invalid_date",
        Some(field),
        "日期格式应为 2026-03-01",
        "Dates are written 2026-03-01",
    )
}

fn parse_id(s: &str, field: &str) -> AppResult<uuid::Uuid> {
    kadian_domain::records::canonical_uuid(s).ok_or_else(|| {
        AppError::new(
            "invalid_id",
            Some(field),
            "编号不对",
            "That is not a record id",
        )
    })
}

/// The China day `today` in UTC (RFC 3339): its first instant and the next day's.
fn today_utc(today: NaiveDate) -> (String, String) {
    (
        crate::store::ts(crate::local_time::day_start_utc(today)),
        crate::store::ts(crate::local_time::day_start_utc(
            today.succ_opt().unwrap_or(today),
        )),
    )
}

/// A key that sorts `3号楼2单元301` before `12号楼1单元101`: digits as numbers.
fn walking_key(address: &str) -> Vec<(u8, u64, String)> {
    let mut key = Vec::new();
    let mut digits = String::new();
    let mut text = String::new();
    for ch in address.chars() {
        if ch.is_ascii_digit() {
            if !text.is_empty() {
                key.push((1, 0, std::mem::take(&mut text)));
            }
            digits.push(ch);
        } else {
            if !digits.is_empty() {
                key.push((0, digits.parse().unwrap_or(u64::MAX), String::new()));
                digits.clear();
            }
            text.push(ch);
        }
    }
    if !digits.is_empty() {
        key.push((0, digits.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !text.is_empty() {
        key.push((1, 0, text));
    }
    key
}

impl AppCore {
    fn observation_staff(&self) -> AppResult<crate::store::Enrolment> {
        self.store()
            .enrolment()?
            .filter(|e| e.role != Role::Volunteer)
            .ok_or_else(not_staff)
    }

    /// China's today.
    fn china_today(&self) -> NaiveDate {
        local(self.now()).date()
    }

    /// Whether the person was registered going out at a gate on the China day `today` (not
    /// voided): a breach while under observation.
    fn went_out_today(&self, person_id: &uuid::Uuid, today: NaiveDate) -> AppResult<bool> {
        let (from, to) = today_utc(today);
        Ok(self
            .store()
            .went_out_between(&person_id.to_string(), &from, &to)?)
    }

    /// Opens a case (纳入居家观察) for a person this device holds, in the person's compound
    /// (a compound laptop's own for a person registered without one), under the street's policy as this laptop holds it (14 days, once a day, unless the street set another). From a travel declaration the case's id
    /// is derived from it, and opening it again returns the case already open. Errors:
    /// `not_staff`, `invalid_date`, `not_found` (person), `no_compound` (the person has no
    /// compound this device knows), the case's rules.
    pub fn observation_open(&self, input: &OpenCase) -> AppResult<ObservationEntry> {
        let staff = self.observation_staff()?;
        let person_id = parse_id(&input.person_id, "person_id")?;
        let start = NaiveDate::parse_from_str(&input.start_date, "%Y-%m-%d")
            .map_err(|_| bad_date("start_date"))?;
        let (person, _) = self.store().person(person_id)?.ok_or_else(|| {
            AppError::new(
                "not_found",
                Some("person_id"),
                "本机没有这个人",
                "This person is not on this device",
            )
        })?;
        let reference = self.reference()?;
        // The person's compound as registered; a visitor registered at this compound's gate
        // without one is observed where this compound laptop is.
        let registered = person.community_code.as_deref().and_then(|community| {
            reference
                .compounds
                .values()
                .find(|c| {
                    Some(c.name.as_str()) == person.compound.as_deref() && c.community == community
                })
                .map(|c| (community.to_owned(), c.id.clone()))
        });
        let own = match (&staff.scope.community, &staff.scope.compound) {
            (Some(community), Some(compound)) => Some((community.clone(), compound.clone())),
            _ => None,
        };
        let (community, compound) = registered.or(own).ok_or_else(|| {
            AppError::new(
                "no_compound",
                Some("person_id"),
                "此人没有登记所在小区，无法纳入居家观察",
                "This person has no compound on record: add it first",
            )
        })?;
        // The street takes no new case in a retired compound: said here, not by a refusal at
        // the next sync.
        if let Some(c) = reference
            .compounds
            .get(&compound)
            .filter(|c| c.retired_at.is_some())
        {
            return Err(AppError::new(
                "place_retired",
                Some("person_id"),
                &format!("{} 已停用，不能在那里新建居家观察；请先把此人改到现住的小区", c.name),
                &format!(
                    "{} is retired: no new case there; move the person to the compound they live in first",
                    c.name
                ),
            ));
        }
        let declaration = match &input.declaration_id {
            Some(d) => Some(parse_id(d, "declaration_id")?),
            None => None,
        };
        let id = declaration.map_or_else(new_id, observation_case_id_for_declaration);
        if self.store().observation_case(&id.to_string())?.is_none() {
            // Where they live, else where they said at the gate they were going (去往: a visitor
            // staying in the compound has no building or room on record).
            let address = address_line(
                person.building.as_deref(),
                person.unit.as_deref(),
                person.room.as_deref(),
            )
            .or(match declaration {
                Some(d) => self.declared_destination(person_id, d)?,
                None => None,
            });
            let case = ObservationCase {
                id,
                person_id,
                community_code: community,
                compound,
                address,
                reason: input.reason,
                origin_id: declaration,
                start_date: start,
                followed_from: None,
                policy: reference.observation.policy,
                responsible: input
                    .responsible
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
                responsible_phone: None,
                backup: None,
                notes: None,
            };
            self.store()
                .save_observation_case(&case, Source::User)
                .map_err(store_error)?;
            self.written();
        }
        self.observation_entry(&id.to_string())
    }

    /// Where the person said they were going (去往) at the passage a declaration was taken at,
    /// if this device holds both.
    fn declared_destination(
        &self,
        person_id: uuid::Uuid,
        declaration: uuid::Uuid,
    ) -> AppResult<Option<String>> {
        let store = self.store();
        let Some(passage) = store
            .travels_of_person(person_id)?
            .into_iter()
            .find(|t| t.id == declaration)
            .and_then(|t| t.passage_id)
        else {
            return Ok(None);
        };
        Ok(store
            .passages_of_person(person_id, 200)?
            .into_iter()
            .find(|p| p.id == passage)
            .and_then(|p| p.destination)
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty()))
    }

    /// One case as the lists show it. Errors: `not_found`.
    pub fn observation_entry(&self, case_id: &str) -> AppResult<ObservationEntry> {
        self.observation_staff()?;
        self.observation_entries()?
            .into_iter()
            .find(|e| e.case_id == case_id)
            .ok_or_else(|| {
                AppError::new(
                    "not_found",
                    Some("case_id"),
                    "没有这条居家观察记录",
                    "No such observation case",
                )
            })
    }

    /// Every case this device holds, active or not, newest start first.
    pub fn observation_list(&self) -> AppResult<Vec<ObservationEntry>> {
        self.observation_staff()?;
        let mut all = self.observation_entries()?;
        all.sort_by(|a, b| b.end.cmp(&a.end).then(a.name.cmp(&b.name)));
        Ok(all)
    }

    fn observation_entries(&self) -> AppResult<Vec<ObservationEntry>> {
        let today = self.china_today();
        let judged = self.judged_through()?.unwrap_or(NaiveDate::MIN);
        let reference = self.reference()?;
        let cases = self.store().observation_cases()?;
        // Names and today's outings in one query each, however many cases.
        let names = self.store().observed_names()?;
        let (from, to) = today_utc(today);
        let out_today = self.store().people_out_between(&from, &to)?;
        let mut out = Vec::with_capacity(cases.len());
        for (case, _, visits, transitions) in cases {
            let grid = case.grid(&visits, &transitions, today, judged);
            let person = case.person_id.to_string();
            let name = names
                .get(&person)
                .cloned()
                .unwrap_or_else(|| "—".to_owned());
            let went_out = grid.status.active() && out_today.contains(&person);
            let e = entry(&case, &grid, &visits, went_out, name, &reference, today);
            out.push(e);
        }
        Ok(out)
    }

    /// Today's visits (今日随访), computed from this device's store, offline; `responsible`
    /// keeps the cases of one staff member (mine). Errors: `not_staff`.
    pub fn observation_today(&self, responsible: Option<&str>) -> AppResult<TodayVisits> {
        self.observation_staff()?;
        let today = self.china_today();
        let mut entries: Vec<ObservationEntry> = self
            .observation_entries()?
            .into_iter()
            .filter(|e| e.status.active())
            .filter(|e| responsible.is_none_or(|r| e.responsible.as_deref() == Some(r)))
            .collect();
        entries.sort_by(|a, b| {
            a.group
                .cmp(&b.group)
                .then_with(|| walking_key(&a.address).cmp(&walking_key(&b.address)))
                .then_with(|| a.name.cmp(&b.name))
        });
        let count = |f: &dyn Fn(&ObservationEntry) -> bool| {
            u32::try_from(entries.iter().filter(|e| f(e)).count()).unwrap_or(u32::MAX)
        };
        Ok(TodayVisits {
            date: today.to_string(),
            due: count(&|e| e.today == DayState::Due),
            done: count(&|e| matches!(e.today, DayState::Seen | DayState::SeenUnwell)),
            unwell: count(&|e| e.group == TodayGroup::Unwell),
            synced_through: self.judged_through()?.map(|d| d.to_string()),
            entries,
        })
    }

    /// Records a visit of today (the common case: seen, well, with the temperature). Errors:
    /// `not_staff`, `not_found` (case), the visit's rules (a temperature for a person not
    /// seen, out of range).
    pub fn observation_visit(&self, input: &VisitInput) -> AppResult<ObservationEntry> {
        let staff = self.observation_staff()?;
        let case_id = parse_id(&input.case_id, "case_id")?;
        // °C as typed on the keypad, never reinterpreted (366 or 100.4 are refused, not read
        // as 36.6 or as °F: the gate asks about those, a visit form has no such habit).
        let celsius = match input.celsius {
            Some(c) if c.is_finite() && (34.0..=43.0).contains(&c) => {
                Some(Celsius::from_tenths((c * 10.0).round() as i16))
            }
            Some(_) => {
                return Err(AppError::new(
                    "temperature_out_of_range",
                    Some("celsius"),
                    "体温应在 34.0–43.0 ℃ 之间",
                    "A temperature is between 34.0 and 43.0 °C",
                ))
            }
            None => None,
        };
        let visit = FollowUpVisit {
            id: new_id(),
            case_id,
            date: self.china_today(),
            slot: VisitSlot::Any,
            at: Instant {
                utc: self.now(),
                offset_minutes: crate::local_time::CST_MINUTES,
            },
            method: input.method.unwrap_or(VisitMethod::Door),
            outcome: input.outcome,
            celsius,
            remeasure_of: None,
            symptoms: input.symptoms.clone(),
            action: input.action.unwrap_or(VisitAction::None),
            recorded_by: input
                .visited_by
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map_or_else(|| self.staff_name(&staff), str::to_owned),
        };
        // Fever (at the case's threshold), or staff sending the person on: the emergency
        // response group gets a referral, and the case is referred, with the visit.
        let held = self.store().observation_case(&case_id.to_string())?;
        let (referral, refer) = match held {
            Some((case, _)) => referral::raised_by_visit(self, &case, &visit)?,
            None => (None, None),
        };
        self.store()
            .record_visit_with_referral(&visit, referral.as_ref(), refer.as_ref(), Source::User)
            .map_err(store_error)?;
        self.written();
        self.observation_entry(&input.case_id)
    }

    /// Changes a case's status today (release after the last visit, refer, transfer, lose,
    /// cancel, reopen). Errors: `not_staff`, `not_found`, `reason_missing` (cancel, reopen,
    /// loss, transfer).
    pub fn observation_transition(
        &self,
        case_id: &str,
        kind: TransitionKind,
        reason: &str,
    ) -> AppResult<ObservationEntry> {
        let staff = self.observation_staff()?;
        let id = parse_id(case_id, "case_id")?;
        let t = CaseTransition {
            id: new_id(),
            case_id: id,
            kind,
            effective: self.china_today(),
            reason: reason.trim().to_owned(),
            at: Instant {
                utc: self.now(),
                offset_minutes: crate::local_time::CST_MINUTES,
            },
            recorded_by: self.staff_name(&staff),
        };
        self.store()
            .record_case_transition(&t, Source::User)
            .map_err(store_error)?;
        self.written();
        self.observation_entry(case_id)
    }

    /// Releases, in one step, the cases `case_ids` (those staff confirmed) that are still due
    /// for release today (their last day seen: the 今天可解除 group of today's list), each by its
    /// own release transition. A case not due (any more) is left as it is: a sync since the list
    /// was shown cannot make it release someone nobody confirmed. Returns the names released,
    /// in list order. Errors: `not_staff`; a store error stops the step, the ones released
    /// before it stay released.
    pub fn observation_release_due(&self, case_ids: &[String]) -> AppResult<Vec<String>> {
        let due: Vec<ObservationEntry> = self
            .observation_today(None)?
            .entries
            .into_iter()
            .filter(|e| e.group == TodayGroup::ReleaseToday && case_ids.contains(&e.case_id))
            .collect();
        let mut released = Vec::with_capacity(due.len());
        for e in due {
            self.observation_transition(&e.case_id, TransitionKind::Release, "")?;
            released.push(e.name);
        }
        Ok(released)
    }

    /// Who recorded a visit or a change when no staff member is named
    /// ([`super::views::staff_name`]).
    fn staff_name(&self, staff: &crate::store::Enrolment) -> String {
        super::views::staff_name(staff)
    }
}

fn entry(
    case: &ObservationCase,
    grid: &CaseGrid,
    visits: &[kadian_domain::observation::VisitFact],
    went_out_today: bool,
    name: String,
    reference: &crate::reference::ReferenceData,
    today: NaiveDate,
) -> ObservationEntry {
    let today_cell = grid.days.iter().find(|d| d.date == today);
    let yesterday = today
        .pred_opt()
        .and_then(|y| grid.days.iter().find(|d| d.date == y));
    let day = today_cell.map_or_else(
        || {
            if today > grid.end {
                grid.days.last().map_or(0, |d| d.day)
            } else {
                0
            }
        },
        |d| d.day,
    );
    // The arrival day (day 0) is not a day of the period, but a first visit that day is the
    // usual practice: until it is made the case is due, and once made it is done.
    let today_state = today_cell.map_or_else(
        || {
            let these: Vec<_> = visits.iter().filter(|v| v.date == today).collect();
            let fever = |v: &&kadian_domain::observation::VisitFact| {
                v.outcome == VisitOutcome::SeenUnwell
                    || (v.outcome.seen()
                        && v.celsius.is_some_and(|c| case.policy.fever.is_fever(c)))
            };
            if these.iter().any(fever) {
                DayState::SeenUnwell
            } else if these.iter().any(|v| v.outcome.seen()) {
                DayState::Seen
            } else if !these.is_empty() {
                DayState::NotSeen
            } else if today == grid.start && grid.status.active() {
                DayState::Due
            } else {
                DayState::Future
            }
        },
        |d| d.state,
    );
    let unwell = grid.status == CaseStatus::Referred
        || today_state == DayState::SeenUnwell
        || yesterday.is_some_and(|d| d.state == DayState::SeenUnwell);
    let group = if went_out_today {
        TodayGroup::WentOut
    } else if unwell {
        TodayGroup::Unwell
    } else if grid.end == today && matches!(today_state, DayState::Seen) {
        TodayGroup::ReleaseToday
    } else if matches!(today_state, DayState::Seen | DayState::SeenUnwell) {
        TodayGroup::Done
    } else if yesterday.is_some_and(|d| d.state == DayState::Missed) {
        TodayGroup::MissedYesterday
    } else {
        TodayGroup::Due
    };
    ObservationEntry {
        case_id: case.id.to_string(),
        person_id: case.person_id.to_string(),
        origin_id: case.origin_id.map(|o| o.to_string()),
        name,
        address: case.address.clone().unwrap_or_default(),
        compound_name: reference
            .compounds
            .get(&case.compound)
            .map_or_else(|| case.compound.clone(), |c| c.name.clone()),
        reason: case.reason,
        status: grid.status,
        day,
        days: u16::try_from(grid.days.len()).unwrap_or(u16::MAX),
        end: grid.end.to_string(),
        today: today_state,
        missed_in_a_row: u32::try_from(grid.missed_in_a_row(today)).unwrap_or(u32::MAX),
        // The latest reading, also of a visit outside the period (on the arrival day).
        last_celsius: visits
            .iter()
            .filter(|v| v.celsius.is_some())
            .max_by_key(|v| v.date)
            .and_then(|v| v.celsius)
            .map(Celsius::degrees),
        responsible: case.responsible.clone(),
        went_out_today,
        group,
    }
}

#[cfg(test)]
mod tests {
    use super::walking_key;

    #[test]
    fn addresses_sort_in_walking_order() {
        let mut a = vec![
            "12号楼1单元101",
            "3号楼2单元301",
            "3号楼1单元502",
            "3号楼1单元102",
        ];
        a.sort_by_key(|s| walking_key(s));
        assert_eq!(
            a,
            [
                "3号楼1单元102",
                "3号楼1单元502",
                "3号楼2单元301",
                "12号楼1单元101"
            ]
        );
    }
}
