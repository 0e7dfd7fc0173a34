//! 排查 (screening, 村不漏户、户不漏人) on a staff laptop, offline from its own store: each
//! compound's coverage on a day (households on the register and screened, residents on the
//! register and accounted for), the households still to knock on in walking order (未见户 and
//! those partly seen), and a household's page (its members, each with the last time a gate
//! saw them). The counting rules are `kadian_domain::coverage`'s, as the server's
//! `kadian-server report coverage` counts them.

use chrono::NaiveDate;
use kadian_domain::coverage::{self, Coverage, HouseholdState};
use kadian_domain::figures::Unit;
use kadian_domain::records::{Household, HouseholdKind, HouseholdPlace, Relation};
use kadian_domain::sync::Role;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::views::{choice, mask_phone};
use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::local;

pub mod duplicates;
mod export;

/// The most households the door-knock list shows at once (a street laptop holds 45,000): the
/// rest are counted, and a compound picked shows its own whole.
pub const MAX_LISTED: usize = 500;

/// What to show.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct CoverageQuery {
    /// The China day (`2026-03-01`).
    pub date: String,
    /// One compound's households to list (its id); none: every compound's, the first
    /// [`MAX_LISTED`].
    #[serde(default)]
    #[ts(optional = nullable)]
    pub compound: Option<String>,
}

/// One compound's coverage.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CompoundCoverageView {
    /// Compound id.
    pub compound_id: String,
    /// Its name.
    pub compound: String,
    /// Its community's name.
    pub community: String,
    /// The figures.
    pub coverage: Coverage,
    /// 户覆盖率 (%), none without households.
    pub household_rate: Option<f64>,
}

/// A household on the door-knock list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HouseholdRow {
    /// Household id.
    pub id: String,
    /// Its compound's name.
    pub compound: String,
    /// Where (`11号楼2单元601`, `1组9号`).
    pub address: String,
    /// The head's name (户主), if known.
    pub head: Option<String>,
    /// Members living here.
    pub members: u32,
    /// Of them, accounted for in the window.
    pub accounted: u32,
    /// `silent` (未见), `partial`, `screened` or `vacant`.
    pub state: HouseholdState,
}

/// Coverage of a day on this laptop.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CoverageView {
    /// The China day.
    pub date: String,
    /// The first day of the window (the day and the six before).
    pub window_from: String,
    /// One row per compound this laptop holds, by community and name.
    pub rows: Vec<CompoundCoverageView>,
    /// Their sum, with residents this laptop cannot place in a compound.
    pub total: Coverage,
    /// 户覆盖率 of the total (%).
    pub household_rate: Option<f64>,
    /// To knock on, in walking order: silent households first, then those partly seen.
    pub households: Vec<HouseholdRow>,
    /// Households to knock on beyond those listed.
    pub more: u32,
}

/// A household member on its page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MemberView {
    /// Person id (opens the person's page).
    pub person_id: String,
    /// Name.
    pub name: String,
    /// Relation to the head (`head`, `spouse`, …), if known.
    #[ts(type = "string | null")]
    pub relation: Option<Relation>,
    /// Phone, masked.
    pub phone: Option<String>,
    /// The register says they live away (户在人不在).
    pub away: bool,
    /// Where they work away, as a division name (`浙江省温州市`), if known.
    pub away_place: Option<String>,
    /// Accounted for in the window ending on the day asked.
    pub accounted: bool,
    /// The last time a gate registered them, China time (`2026-03-01 09:12`).
    pub last_passage: Option<String>,
}

/// A household's page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HouseholdPage {
    /// Household id.
    pub id: String,
    /// Its compound's name.
    pub compound: String,
    /// Where.
    pub address: String,
    /// `owner_occupied`, `rented`, `vacant`, `shop`, if known.
    #[ts(type = "string | null")]
    pub kind: Option<HouseholdKind>,
    /// The head's name.
    pub head: Option<String>,
    /// The household's phone, masked.
    pub phone: Option<String>,
    /// Where it stands on the day asked.
    pub state: HouseholdState,
    /// Its members held here, the head first.
    pub members: Vec<MemberView>,
    /// Its screenings held here, the latest first.
    pub screenings: Vec<ScreeningView>,
    /// Its household visits (入户随访) held here, the latest first.
    pub visits: Vec<HouseholdVisitView>,
}

/// A household visit on a household's page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HouseholdVisitView {
    /// The China day it counts for.
    pub date: String,
    /// When it was recorded (China time, `2026-03-01 09:30`).
    pub at: String,
    /// `door`, `phone` or `intercom`.
    #[ts(type = "'door' | 'phone' | 'intercom'")]
    pub method: kadian_domain::records::HouseholdVisitMethod,
    /// `all_well`, `someone_unwell`, `no_answer`, `refused` or `vacant`.
    #[ts(type = "string")]
    pub outcome: kadian_domain::records::HouseholdVisitOutcome,
    /// Members seen.
    pub seen: u32,
    /// The highest temperature taken (°C), if any.
    pub highest: Option<f64>,
    /// Needs reported.
    #[ts(type = "string[]")]
    pub needs: Vec<kadian_domain::records::HouseholdNeed>,
    /// Who visited.
    pub recorded_by: String,
    /// The note.
    pub note: Option<String>,
}

/// A screening on a household's page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ScreeningView {
    /// When, China time (`2026-03-01 09:12`).
    pub at: String,
    /// `door`, `phone`, `gate` or `self_report`.
    #[ts(type = "'door' | 'phone' | 'gate' | 'self_report'")]
    pub method: kadian_domain::records::ScreeningMethod,
    /// Who screened.
    pub recorded_by: String,
    /// Members found at home.
    pub present: u32,
    /// Away.
    pub away: u32,
    /// Moved out or deceased.
    pub gone: u32,
    /// Found living there anew.
    pub new: u32,
    /// Found vacant.
    pub vacant: bool,
    /// The note.
    pub note: Option<String>,
}

/// A member's finding on the screening form.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct MemberInput {
    /// Person id (a member held here).
    pub person_id: String,
    /// `present`, `away`, `moved_out` or `deceased`.
    pub status: String,
    /// Where an away member is, as typed (`湖北武汉`, `浙江省温州市`): read as a division; empty
    /// when not known.
    #[serde(default)]
    pub away_place: String,
    /// A member found back from elsewhere (返乡): see [`ReturnInput`].
    #[serde(default)]
    #[ts(optional = nullable)]
    pub returned: Option<ReturnInput>,
}

/// A returnee found at a screening (返乡人员): where they came back from and when. It becomes
/// their travel declaration, and a home-observation case when the street's rule opens one for
/// that place (as a declaration at the gate does) and the 14 days from arrival have not passed.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct ReturnInput {
    /// Where from, as typed (`湖北武汉`): read as a division.
    pub from_place: String,
    /// The day they arrived (`2026-03-01`), at most 60 days ago and not after today.
    pub arrived: String,
}

/// A person found living in the household anew.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct NewMemberInput {
    /// Name.
    pub name: String,
    /// Relation to the head: `head`, `spouse`, `son`, `daughter`, `grandchild`, `parent`,
    /// `other`.
    pub relation: String,
    /// Resident ID number, if known (else empty).
    #[serde(default)]
    pub id_number: String,
    /// Phone, if known (else empty).
    #[serde(default)]
    pub phone: String,
    /// Found back from elsewhere (返乡).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub returned: Option<ReturnInput>,
}

/// A screening as the form sends it.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct ScreeningInput {
    /// Household id.
    pub household_id: String,
    /// `door`, `phone`, `gate` or `self_report`.
    pub method: String,
    /// Each member's finding.
    pub members: Vec<MemberInput>,
    /// Persons found living there anew.
    #[serde(default)]
    pub new_members: Vec<NewMemberInput>,
    /// Nobody lives there (空置): then no member is reported.
    #[serde(default)]
    pub vacant: bool,
    /// A note (at most 500 characters).
    #[serde(default)]
    pub note: String,
}

/// A household's address as people say it: `11号楼2单元601`, `1组9号`.
pub fn household_address(place: &HouseholdPlace) -> String {
    match place {
        HouseholdPlace::Compound {
            building,
            unit,
            room,
        } => {
            let mut s = String::new();
            if let Some(b) = building {
                s.push_str(&format!("{b}号楼"));
            }
            if let Some(u) = unit {
                s.push_str(&format!("{u}单元"));
            }
            if let Some(r) = room {
                s.push_str(r);
            }
            s
        }
        HouseholdPlace::Village {
            group,
            house_number,
        } => format!("{group}组{house_number}号"),
    }
}

/// A member named on a form, who must be one of `members` (the household's). Errors:
/// `not_found` on `field`.
fn member_of(
    members: &std::collections::HashSet<uuid::Uuid>,
    raw: &str,
    field: &str,
) -> AppResult<uuid::Uuid> {
    uuid::Uuid::parse_str(raw.trim())
        .ok()
        .filter(|id| members.contains(id))
        .ok_or_else(|| {
            AppError::new(
                "not_found",
                Some(field),
                "这个人不是这一户的成员",
                "This person is not a member of this household",
            )
        })
}

impl AppCore {
    /// A household held here, and the ids of its members. Errors: `not_found`.
    fn held_household(
        &self,
        id: &str,
    ) -> AppResult<(Household, std::collections::HashSet<uuid::Uuid>)> {
        let (household, _) = self.store().household(id.trim())?.ok_or_else(|| {
            AppError::new(
                "not_found",
                Some("household_id"),
                "这台设备上没有这一户",
                "This device holds no such household",
            )
        })?;
        let members = self
            .store()
            .household_members(&household.id.to_string())?
            .into_iter()
            .map(|p| p.id)
            .collect();
        Ok((household, members))
    }

    fn screening_staff(&self) -> AppResult<()> {
        let e = self.enrolled()?;
        if e.role == Role::Volunteer {
            return Err(AppError::new(
                "not_staff",
                None,
                "入户排查只在小区、片区、社区和街道的笔记本上",
                "Household screening is on compound, zone, community and street laptops only",
            ));
        }
        Ok(())
    }

    /// The screening coverage of a China day (排查覆盖): each compound this laptop holds, their
    /// total, and the households to knock on in walking order (silent ones first, then those
    /// partly seen; of `compound` only when given). Errors: `invalid_date`, `not_found` (a
    /// compound this laptop does not hold), `not_staff` (a checkpoint tablet).
    pub fn screening_coverage(&self, q: &CoverageQuery) -> AppResult<CoverageView> {
        self.screening_staff()?;
        let date = parse_day(&q.date, "date")?;
        let reference = self.reference()?;
        if q.compound
            .as_deref()
            .is_some_and(|c| !reference.compounds.contains_key(c))
        {
            return Err(AppError::new(
                "not_found",
                Some("compound"),
                "这台设备没有这个小区的资料",
                "This device holds no compound by that id",
            ));
        }
        let counted = self.coverage_count(date, &reference)?;
        let mut rows: Vec<CompoundCoverageView> = reference
            .compounds
            .iter()
            .filter(|(id, c)| {
                c.retired_at.is_none()
                    || counted
                        .units
                        .contains_key(&Unit::Compound((*id).as_str().into()))
            })
            .map(|(id, c)| {
                let cov = counted
                    .units
                    .get(&Unit::Compound(id.as_str().into()))
                    .copied()
                    .unwrap_or_default();
                CompoundCoverageView {
                    compound_id: id.clone(),
                    compound: c.name.clone(),
                    community: reference
                        .communities
                        .get(&c.community)
                        .map_or_else(|| c.community.clone(), |k| k.name.clone()),
                    household_rate: cov.household_rate(),
                    coverage: cov,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            (&a.community, &a.compound, &a.compound_id).cmp(&(
                &b.community,
                &b.compound,
                &b.compound_id,
            ))
        });
        let mut total = Coverage::default();
        for c in counted.units.values() {
            total += *c;
        }
        // To knock on: silent, then partial, each in walking order (the store's order).
        let mut knock: Vec<&uuid::Uuid> = counted
            .households
            .iter()
            .filter(|(_, compound)| q.compound.as_deref().is_none_or(|c| c == compound))
            .filter(|(id, _)| {
                matches!(
                    counted.states.get(id),
                    Some(HouseholdState::Silent | HouseholdState::Partial)
                )
            })
            .map(|(id, _)| id)
            .collect();
        knock.sort_by_key(|id| counted.states.get(id) != Some(&HouseholdState::Silent));
        let more = knock.len().saturating_sub(MAX_LISTED) as u32;
        // Only the households listed are read whole.
        let mut listed = Vec::with_capacity(knock.len().min(MAX_LISTED));
        for id in knock.into_iter().take(MAX_LISTED) {
            if let Some((h, _)) = self.store().household(&id.to_string())? {
                listed.push(h);
            }
        }
        let households = listed
            .into_iter()
            .map(|h| {
                let (n, a) = counted.members.get(&h.id).copied().unwrap_or_default();
                HouseholdRow {
                    id: h.id.to_string(),
                    compound: reference
                        .compound_name(&h.compound)
                        .unwrap_or(&h.compound)
                        .to_owned(),
                    address: household_address(&h.place),
                    head: h.head_name.clone(),
                    members: n,
                    accounted: a,
                    state: counted
                        .states
                        .get(&h.id)
                        .copied()
                        .unwrap_or(HouseholdState::Silent),
                }
            })
            .collect();
        Ok(CoverageView {
            date: date.to_string(),
            window_from: coverage::window_start(date).to_string(),
            rows,
            household_rate: total.household_rate(),
            total,
            households,
            more,
        })
    }

    /// A household's page on a China day: where it is, its head, and each member held here
    /// with whether they are accounted for and when a gate last saw them. Errors:
    /// `invalid_date`, `not_found` (no such household here), `not_staff`.
    pub fn screening_household(&self, id: &str, date: &str) -> AppResult<HouseholdPage> {
        self.screening_staff()?;
        let date = parse_day(date, "date")?;
        let reference = self.reference()?;
        let (h, _) = self.held_household(id)?;
        let counted = self.coverage_count(date, &reference)?;
        let members = self.store().household_members(id)?;
        let mut views = Vec::with_capacity(members.len());
        for p in members {
            let last = self.store().last_passage_at(&p.id.to_string())?;
            views.push(MemberView {
                person_id: p.id.to_string(),
                name: p.name.clone(),
                relation: p.relation,
                phone: p.phone.as_deref().map(mask_phone),
                away: p.living_here == Some(false),
                away_place: p.away_place_code.as_deref().map(crate::places::place_name),
                accounted: counted.seen.contains(&p.id),
                last_passage: last.map(|t| local(t).format("%Y-%m-%d %H:%M").to_string()),
            });
        }
        // Read apart: a store guard held by one field's expression would lock out the next.
        let visits = self.store().household_visits_of(id)?;
        Ok(HouseholdPage {
            id: h.id.to_string(),
            compound: reference
                .compound_name(&h.compound)
                .unwrap_or(&h.compound)
                .to_owned(),
            address: household_address(&h.place),
            kind: h.kind,
            head: h.head_name.clone(),
            phone: h.phone.as_deref().map(mask_phone),
            state: counted
                .states
                .get(&h.id)
                .copied()
                .unwrap_or(HouseholdState::Silent),
            members: views,
            screenings: self
                .store()
                .screenings_of(id)?
                .into_iter()
                .map(|s| {
                    use kadian_domain::records::MemberStatus as M;
                    let count = |f: fn(&M) -> bool| {
                        s.members.iter().filter(|m| f(&m.status)).count() as u32
                    };
                    ScreeningView {
                        at: local(s.at.utc).format("%Y-%m-%d %H:%M").to_string(),
                        method: s.method,
                        recorded_by: s.recorded_by.clone(),
                        present: count(|m| matches!(m, M::Present)),
                        away: count(|m| matches!(m, M::Away { .. })),
                        gone: count(|m| matches!(m, M::MovedOut | M::Deceased)),
                        new: s.members.iter().filter(|m| m.new).count() as u32,
                        vacant: s.vacant,
                        note: s.note.clone(),
                    }
                })
                .collect(),
            visits: visits
                .into_iter()
                .map(|v| HouseholdVisitView {
                    date: v.date.to_string(),
                    at: local(v.at.utc).format("%Y-%m-%d %H:%M").to_string(),
                    method: v.method,
                    outcome: v.outcome,
                    seen: v.seen.len() as u32,
                    highest: v
                        .seen
                        .iter()
                        .filter_map(|m| m.celsius)
                        .max_by_key(|c| c.tenths())
                        .map(|c| c.degrees()),
                    needs: v.needs.clone(),
                    recorded_by: v.recorded_by.clone(),
                    note: v.note.clone(),
                })
                .collect(),
        })
    }
}

impl AppCore {
    /// The travel declarations of the returnees a screening found, and the home-observation
    /// cases they open by the street's rule (`gate_opening_reason`, the rule a declaration at
    /// the gate follows): in the household's compound, day 0 the arrival, unless the person is
    /// under observation already or the period from the arrival is over. Errors:
    /// `invalid_input` (`from_place` a place that cannot be read), `invalid_date` (`arrived`:
    /// not a date, after today or over 60 days ago).
    fn screening_returns(
        &self,
        household: &Household,
        returns: &[(uuid::Uuid, &ReturnInput)],
        staff: &crate::store::Enrolment,
    ) -> AppResult<(
        Vec<kadian_domain::records::TravelDeclaration>,
        Vec<kadian_domain::records::ObservationCase>,
    )> {
        use kadian_domain::records::{
            address_line, gate_opening_reason, new_id, observation_case_id_for_declaration,
            ObservationCase, TravelDeclaration, TravelPlace,
        };
        if returns.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let reference = self.reference()?;
        let today = local(self.now()).date();
        let mut travels = Vec::with_capacity(returns.len());
        let mut cases = Vec::new();
        for (person_id, r) in returns {
            let text = r.from_place.trim();
            let division = crate::places::divisions().resolve(text).ok_or_else(|| {
                AppError::new(
                    "invalid_input",
                    Some("from_place"),
                    "无法识别从哪里返回，请写省市区（如“湖北武汉”）",
                    "Cannot read where they came back from: write the province, city and district (e.g. 湖北武汉)",
                )
            })?;
            let arrived = parse_day(&r.arrived, "arrived")?;
            if arrived > today || arrived < today - chrono::Days::new(60) {
                return Err(AppError::new(
                    "invalid_date",
                    Some("arrived"),
                    "到达日期应在最近 60 天内，且不晚于今天",
                    "The arrival is within the last 60 days and not after today",
                ));
            }
            let travel = TravelDeclaration {
                id: new_id(),
                person_id: Some(*person_id),
                passage_id: None,
                places: vec![TravelPlace {
                    division_code: Some(division.code.clone()),
                    text: Some(text.to_owned()),
                }],
                from_date: None,
                to_date: Some(arrived),
                transport: None,
                transport_ref: None,
                declared_at: kadian_domain::records::Instant {
                    utc: self.now(),
                    offset_minutes: crate::local_time::CST_MINUTES,
                },
                recorded_by: super::views::staff_name(staff),
            };
            // Found again (a second screening, another laptop's): declared once.
            let declared = self
                .store()
                .travels_of_person(*person_id)?
                .into_iter()
                .any(|t| {
                    t.to_date == Some(arrived)
                        && t.places
                            .iter()
                            .any(|p| p.division_code == Some(division.code.clone()))
                });
            if declared {
                continue;
            }
            let policy = reference.observation.policy;
            let period_over = arrived + chrono::Days::new(u64::from(policy.days)) < today;
            if let Some(reason) = gate_opening_reason(
                &reference.observation.gate_opens,
                &household.community_code,
                &travel,
            )
            .filter(|_| !period_over)
            {
                if self.observation_of(&person_id.to_string())?.is_none() {
                    let (building, unit, room) = match &household.place {
                        HouseholdPlace::Compound {
                            building,
                            unit,
                            room,
                        } => (building.as_deref(), unit.as_deref(), room.as_deref()),
                        HouseholdPlace::Village { .. } => (None, None, None),
                    };
                    cases.push(ObservationCase {
                        id: observation_case_id_for_declaration(travel.id),
                        person_id: *person_id,
                        community_code: household.community_code.clone(),
                        compound: household.compound.clone(),
                        address: address_line(building, unit, room)
                            .or_else(|| Some(household_address(&household.place))),
                        reason,
                        origin_id: Some(travel.id),
                        start_date: arrived,
                        followed_from: None,
                        policy,
                        responsible: None,
                        responsible_phone: None,
                        backup: None,
                        notes: None,
                    });
                }
            }
            travels.push(travel);
        }
        Ok((travels, cases))
    }

    /// Records a screening (排查) of a household held here: each member's finding, the persons
    /// found living there anew (added to the household), or the household found vacant (its
    /// kind becomes 空置). Every member named is accounted for from now. Returns the household's
    /// page for today. Errors: `not_staff`, `not_found` (household, or a member not of it),
    /// `invalid_input` (a status, method, relation, ID number, phone or place that cannot be
    /// read: the field says which), the screening's rules.
    pub fn screening_record(&self, input: &ScreeningInput) -> AppResult<HouseholdPage> {
        use kadian_domain::records::{
            new_id, MemberCheck, MemberStatus, Person, PersonCategory, Screening, ScreeningMethod,
            Source,
        };
        use kadian_domain::{DocumentType, Notice, PersonName, Phone, ResidentIdNumber};
        self.screening_staff()?;
        let staff = self.enrolled()?;
        let (mut household, held) = self.held_household(&input.household_id)?;
        let bad =
            |field: &str, zh: &str, en: &str| AppError::new("invalid_input", Some(field), zh, en);
        let method: ScreeningMethod = choice(&input.method, "method")?;
        let mut members = Vec::with_capacity(input.members.len());
        // Returnees found: (person, where from, arrival), turned into declarations below.
        let mut returns: Vec<(uuid::Uuid, &ReturnInput)> = Vec::new();
        for m in &input.members {
            let person_id = member_of(&held, &m.person_id, "members")?;
            if let Some(r) = &m.returned {
                if m.status != "present" {
                    return Err(bad(
                        "returned",
                        "返乡人员应登记为在家",
                        "A returnee found is at home: mark them present",
                    ));
                }
                returns.push((person_id, r));
            }
            let status = match m.status.as_str() {
                "present" => MemberStatus::Present,
                "away" => {
                    let text = m.away_place.trim();
                    let place_code = if text.is_empty() {
                        None
                    } else {
                        Some(
                            crate::places::divisions()
                                .resolve(text)
                                .map(|d| d.code.clone())
                                .ok_or_else(|| {
                                    bad(
                                        "away_place",
                                        "无法识别外出地点，请写省市区（如“湖北武汉”）",
                                        "Cannot read the place away: write the province, city and district (e.g. 湖北武汉)",
                                    )
                                })?,
                        )
                    };
                    MemberStatus::Away { place_code }
                }
                "moved_out" => MemberStatus::MovedOut,
                "deceased" => MemberStatus::Deceased,
                _ => {
                    return Err(bad(
                        "status",
                        "成员情况应为在家、外出、迁出或死亡",
                        "A member is present, away, moved out or deceased",
                    ))
                }
            };
            members.push(MemberCheck {
                person_id,
                status,
                new: false,
            });
        }
        let today = local(self.now()).date();
        let mut new_persons = Vec::with_capacity(input.new_members.len());
        for n in &input.new_members {
            let mut notices: Vec<Notice> = Vec::new();
            let name = PersonName::parse(&n.name)
                .map(|c| c.value)
                .map_err(|e| notices.push(e))
                .ok();
            let relation: Option<Relation> =
                serde_json::from_value(serde_json::Value::String(n.relation.clone())).ok();
            if relation.is_none() {
                notices.push(Notice::error(
                    kadian_domain::Field::Record,
                    "relation_invalid",
                    "请选择与户主关系",
                    "Choose the relation to the head",
                ));
            }
            let id = (!n.id_number.trim().is_empty())
                .then(|| ResidentIdNumber::parse(&n.id_number, today))
                .transpose()
                .map_err(|e| notices.push(e))
                .ok()
                .flatten()
                .map(|c| c.value);
            let phone = (!n.phone.trim().is_empty())
                .then(|| Phone::parse(&n.phone))
                .transpose()
                .map_err(|e| notices.push(e))
                .ok()
                .flatten()
                .map(|c| c.value.number);
            if notices.iter().any(Notice::is_error) {
                return Err(AppError::invalid(notices));
            }
            let mut p = Person::new(
                name.map(|n| n.as_str().to_owned()).unwrap_or_default(),
                PersonCategory::Resident,
            );
            if let Some(id) = &id {
                p.document_type = if id.is_residence_permit() {
                    DocumentType::ResidencePermit
                } else {
                    DocumentType::ResidentId
                };
                p.document_number = Some(id.as_str().to_owned());
                p.sex = Some(id.sex());
                p.birth_date = Some(id.birth_date());
            }
            p.phone = phone;
            p.community_code = Some(household.community_code.clone());
            p.compound = Some(household.compound.clone());
            if let HouseholdPlace::Compound {
                building,
                unit,
                room,
            } = &household.place
            {
                p.building = building.clone();
                p.unit = unit.clone();
                p.room = room.clone();
            }
            p.household = Some(household.id);
            p.relation = relation;
            p.living_here = Some(true);
            // Known already by their ID number (a tenant registered at the gate): that person
            // moves into the household, keeping everything else on file.
            if let Some(mut known) = p
                .document_number
                .as_deref()
                .map(|n| self.store().person_by_document(p.document_type, n))
                .transpose()?
                .flatten()
            {
                if members.iter().any(|m| m.person_id == known.id) {
                    return Err(bad(
                        "id_number",
                        "这个身份证号码的人已在本次排查中",
                        "The person with this ID number is in this screening already",
                    ));
                }
                known.household = p.household;
                known.relation = p.relation;
                known.living_here = Some(true);
                known.community_code = p.community_code.clone();
                known.compound = p.compound.clone();
                known.building = p.building.clone();
                known.unit = p.unit.clone();
                known.room = p.room.clone();
                if known.phone.is_none() {
                    known.phone = p.phone.clone();
                }
                p = known;
            }
            members.push(MemberCheck {
                person_id: p.id,
                status: MemberStatus::Present,
                new: true,
            });
            if let Some(r) = &n.returned {
                returns.push((p.id, r));
            }
            new_persons.push(p);
        }
        // The register follows what was found: a member moved out or deceased, or every member
        // of a household found vacant, no longer lives there (not waited for any more).
        let gone: Vec<uuid::Uuid> = if input.vacant {
            held.iter().copied().collect()
        } else {
            members
                .iter()
                .filter(|m| matches!(m.status, MemberStatus::MovedOut | MemberStatus::Deceased))
                .map(|m| m.person_id)
                .collect()
        };
        for id in gone {
            if let Some((mut p, _)) = self.store().person(id)? {
                if p.living_here != Some(false) {
                    p.living_here = Some(false);
                    new_persons.push(p);
                }
            }
        }
        let (travels, cases) = self.screening_returns(&household, &returns, &staff)?;
        let note = input.note.trim();
        let screening = Screening {
            id: new_id(),
            household_id: household.id,
            community_code: household.community_code.clone(),
            compound: household.compound.clone(),
            at: kadian_domain::records::Instant {
                utc: self.now(),
                offset_minutes: crate::local_time::CST_MINUTES,
            },
            method,
            members,
            vacant: input.vacant,
            note: (!note.is_empty()).then(|| note.to_owned()),
            recorded_by: super::views::staff_name(&staff),
        };
        kadian_domain::records::check_screening(&screening)
            .map_err(|n| AppError::invalid(vec![n]))?;
        self.store()
            .record_screening(&screening, &new_persons, &travels, &cases, Source::User)?;
        // Found vacant: the household is 空置 from now (an entity change, merged on the
        // server); found lived in again, it is no longer.
        let kind = match (input.vacant, household.kind) {
            (true, _) => Some(HouseholdKind::Vacant),
            (false, Some(HouseholdKind::Vacant)) => None,
            (false, k) => k,
        };
        if kind != household.kind {
            household.kind = kind;
            self.store().save_household(&household, Source::User)?;
        }
        self.written();
        self.screening_household(&household.id.to_string(), &today.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_as_people_write_them() {
        assert_eq!(
            household_address(&HouseholdPlace::Compound {
                building: Some("11".into()),
                unit: Some("2".into()),
                room: Some("601".into())
            }),
            "11号楼2单元601"
        );
        assert_eq!(
            household_address(&HouseholdPlace::Village {
                group: 1,
                house_number: "9".into()
            }),
            "1组9号"
        );
    }
}

/// A key area as the form declares it.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct KeyAreaInput {
    /// Compound id (one this laptop holds).
    pub compound: String,
    /// Buildings (a village: groups), `3,5,7` or `3、5、7`; empty: the whole compound.
    #[serde(default)]
    pub parts: String,
    /// `confirmed`, `suspected` or `close_contacts`.
    pub reason: String,
    /// `community` or `street`.
    pub declared_by: String,
    /// First day (`2026-03-01`).
    pub from: String,
    /// Review day (`2026-03-15`).
    pub review: String,
    /// A note.
    #[serde(default)]
    pub note: String,
}

/// A key area on its day.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct KeyAreaView {
    /// Id.
    pub id: String,
    /// Compound id.
    pub compound_id: String,
    /// Compound name.
    pub compound: String,
    /// Buildings or groups (none: the whole compound).
    pub parts: Vec<String>,
    /// `confirmed`, `suspected`, `close_contacts`.
    #[ts(type = "'confirmed' | 'suspected' | 'close_contacts'")]
    pub reason: kadian_domain::records::KeyAreaReason,
    /// `community` or `street`.
    #[ts(type = "'community' | 'street'")]
    pub declared_by: kadian_domain::records::DeclaredBy,
    /// First day.
    pub from: String,
    /// Review day as it stands.
    pub review: String,
    /// In force on the day.
    pub active: bool,
    /// Lifted on, if it is.
    pub lifted_on: Option<String>,
    /// The review day has passed and it is still in force: to review (解除 or 延期).
    pub review_due: bool,
    /// Households in it.
    pub households: u32,
    /// Of those, visited on the day.
    pub visited: u32,
    /// Residents living in it.
    pub persons: u32,
    /// Of those, seen at a visit on the day.
    pub seen: u32,
    /// Households found with someone unwell on the day.
    pub unwell: u32,
    /// Households with a need reported on the day.
    pub needs: u32,
}

/// A household on a key area's day list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct KeyAreaHousehold {
    /// Household id.
    pub id: String,
    /// Where (`3号楼2单元301`).
    pub address: String,
    /// Head's name.
    pub head: Option<String>,
    /// Members living there held here (id and name), the head first.
    pub members: Vec<MemberRef>,
    /// Visited on the day.
    pub visited: bool,
    /// The day's latest outcome (`all_well`, `someone_unwell`, `no_answer`, …).
    #[ts(type = "string | null")]
    pub outcome: Option<kadian_domain::records::HouseholdVisitOutcome>,
    /// Needs reported on the day (`food`, `medicine`, `supplies`, `other`).
    #[ts(type = "string[]")]
    pub needs: Vec<kadian_domain::records::HouseholdNeed>,
}

/// A member named on a list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MemberRef {
    /// Person id.
    pub person_id: String,
    /// Name.
    pub name: String,
}

/// A key area's day: its figures and its households, those still to visit first, each in
/// walking order.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct KeyAreaDay {
    /// The area.
    pub area: KeyAreaView,
    /// The China day.
    pub date: String,
    /// Its households.
    pub households: Vec<KeyAreaHousehold>,
}

/// A member seen at a household visit.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct MemberSeenInput {
    /// Person id (a member of the household).
    pub person_id: String,
    /// Temperature as typed (`36.5`, `365`); empty: none taken.
    #[serde(default)]
    pub temperature: String,
    /// Symptoms (`fever`, `cough`, `short_breath`, `fatigue`, `diarrhoea`, `other`).
    #[serde(default)]
    pub symptoms: Vec<String>,
}

/// A household visit as the form (or the one-tap 全部正常) sends it.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct HouseholdVisitInput {
    /// Household id.
    pub household_id: String,
    /// The key area it is visited for, if any.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub key_area_id: Option<String>,
    /// `door`, `phone` or `intercom`.
    pub method: String,
    /// `all_well`, `someone_unwell`, `no_answer`, `refused` or `vacant`.
    pub outcome: String,
    /// Members seen.
    #[serde(default)]
    pub seen: Vec<MemberSeenInput>,
    /// Needs: `food`, `medicine`, `supplies`, `other`.
    #[serde(default)]
    pub needs: Vec<String>,
    /// A note.
    #[serde(default)]
    pub note: String,
}

/// A household's open needs (生活需求) on the needs list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct NeedRow {
    /// Household id.
    pub household_id: String,
    /// Compound name.
    pub compound: String,
    /// Where (`3号楼2单元301`).
    pub address: String,
    /// Head's name.
    pub head: Option<String>,
    /// The needs still open.
    #[ts(type = "string[]")]
    pub needs: Vec<kadian_domain::records::HouseholdNeed>,
    /// When the visit that reported them was made (China time, `2026-03-01 09:30`).
    pub reported: String,
    /// Who reported them.
    pub recorded_by: String,
    /// The visit's note (what exactly is needed).
    pub note: Option<String>,
}

/// How many China days back the needs list looks: a need not seen again in a week is stale.
pub const NEEDS_WINDOW_DAYS: u64 = 7;

use super::views::parse_day;

impl AppCore {
    /// The key areas this laptop holds, each with its standing and its visits on `date`.
    /// Errors: `invalid_date`, `not_staff`.
    pub fn key_areas(&self, date: &str) -> AppResult<Vec<KeyAreaView>> {
        self.screening_staff()?;
        let date = parse_day(date, "date")?;
        let (areas, changes) = self.store().key_areas()?;
        let mut out = Vec::with_capacity(areas.len());
        for a in &areas {
            out.push(self.key_area_day_of(a, &changes, date)?.area);
        }
        // In force first, then by compound.
        out.sort_by(|a, b| (!a.active, &a.compound).cmp(&(!b.active, &b.compound)));
        Ok(out)
    }

    /// The needs list (生活需求) on China day `date`: each household whose latest visit that
    /// reached it (全部正常 or 有人异常) within [`NEEDS_WINDOW_DAYS`] days up to it reported needs,
    /// those still open (a later such visit that reports none, or other ones, shows the rest
    /// met), the oldest report first. Errors:
    /// `invalid_date`, `not_staff`.
    pub fn household_needs(&self, date: &str) -> AppResult<Vec<NeedRow>> {
        self.screening_staff()?;
        let date = parse_day(date, "date")?;
        let first = date - chrono::Days::new(NEEDS_WINDOW_DAYS - 1);
        let mut visits = self.store().household_visits_between(first, date)?;
        // The latest visit that reached the household decides (无人应答, 拒绝 or 空置 say nothing
        // of its needs); by the day it is for, then when it was made (one typed in late for an
        // earlier day does not hide a newer one).
        visits.retain(|v| {
            matches!(
                v.outcome,
                kadian_domain::records::HouseholdVisitOutcome::AllWell
                    | kadian_domain::records::HouseholdVisitOutcome::SomeoneUnwell
            )
        });
        visits.sort_by_key(|v| (v.date, v.at.utc, v.id));
        let mut latest: std::collections::HashMap<
            uuid::Uuid,
            &kadian_domain::records::HouseholdVisit,
        > = std::collections::HashMap::new();
        for v in &visits {
            latest.insert(v.household_id, v);
        }
        let reference = self.reference()?;
        let mut open: Vec<&kadian_domain::records::HouseholdVisit> = latest
            .into_values()
            .filter(|v| !v.needs.is_empty())
            .collect();
        open.sort_by_key(|v| (v.at.utc, v.id));
        let mut rows = Vec::with_capacity(open.len());
        for v in open {
            let Some((h, _)) = self.store().household(&v.household_id.to_string())? else {
                continue;
            };
            let mut needs = v.needs.clone();
            needs.sort();
            rows.push(NeedRow {
                household_id: h.id.to_string(),
                compound: reference
                    .compound_name(&h.compound)
                    .unwrap_or(&h.compound)
                    .to_owned(),
                address: household_address(&h.place),
                head: h.head_name.clone(),
                needs,
                reported: local(v.at.utc).format("%Y-%m-%d %H:%M").to_string(),
                recorded_by: v.recorded_by.clone(),
                note: v.note.clone(),
            });
        }
        Ok(rows)
    }

    /// A key area's day list. Errors: `invalid_date`, `not_found`, `not_staff`.
    pub fn key_area_day(&self, id: &str, date: &str) -> AppResult<KeyAreaDay> {
        self.screening_staff()?;
        let date = parse_day(date, "date")?;
        let (areas, changes) = self.store().key_areas()?;
        let area = areas
            .iter()
            .find(|a| a.id.to_string() == id.trim())
            .ok_or_else(|| {
                AppError::new(
                    "not_found",
                    Some("key_area"),
                    "这台设备上没有这个重点区域",
                    "This device holds no such key area",
                )
            })?;
        self.key_area_day_of(area, &changes, date)
    }

    fn key_area_day_of(
        &self,
        area: &kadian_domain::records::KeyArea,
        changes: &[kadian_domain::records::KeyAreaChange],
        date: NaiveDate,
    ) -> AppResult<KeyAreaDay> {
        use kadian_domain::records::{standing, HouseholdVisitOutcome};
        let reference = self.reference()?;
        let st = standing(area, changes, date);
        let store = self.store();
        let households: Vec<Household> = store
            .households_of(&area.compound)?
            .into_iter()
            .filter(|h| area.covers(&h.place))
            .collect();
        let visits = store.household_visits_between(date, date)?;
        let mut visits_of: std::collections::HashMap<uuid::Uuid, Vec<_>> =
            std::collections::HashMap::new();
        for v in &visits {
            visits_of.entry(v.household_id).or_default().push(v);
        }
        let mut rows = Vec::with_capacity(households.len());
        let (mut persons, mut seen, mut unwell, mut needs) = (0u32, 0u32, 0u32, 0u32);
        for h in &households {
            let members: Vec<MemberRef> = store
                .household_members(&h.id.to_string())?
                .into_iter()
                .filter(|p| p.living_here != Some(false))
                .map(|p| MemberRef {
                    person_id: p.id.to_string(),
                    name: p.name,
                })
                .collect();
            persons += members.len() as u32;
            let mine: &[&kadian_domain::records::HouseholdVisit] =
                visits_of.get(&h.id).map_or(&[], Vec::as_slice);
            let seen_here: std::collections::HashSet<uuid::Uuid> = mine
                .iter()
                .flat_map(|v| v.seen.iter().map(|m| m.person_id))
                .collect();
            seen += members
                .iter()
                .filter(|m| {
                    uuid::Uuid::parse_str(&m.person_id).is_ok_and(|id| seen_here.contains(&id))
                })
                .count() as u32;
            let outcome = mine.last().map(|v| v.outcome);
            if mine
                .iter()
                .any(|v| v.outcome == HouseholdVisitOutcome::SomeoneUnwell)
            {
                unwell += 1;
            }
            let mut wants: Vec<_> = mine.iter().flat_map(|v| v.needs.iter().copied()).collect();
            wants.sort();
            wants.dedup();
            if !wants.is_empty() {
                needs += 1;
            }
            rows.push(KeyAreaHousehold {
                id: h.id.to_string(),
                address: household_address(&h.place),
                head: h.head_name.clone(),
                members,
                visited: !mine.is_empty(),
                outcome,
                needs: wants,
            });
        }
        drop(store);
        // Still to visit first, each part in walking order (the store's).
        rows.sort_by_key(|r| r.visited);
        let visited = rows.iter().filter(|r| r.visited).count() as u32;
        Ok(KeyAreaDay {
            area: KeyAreaView {
                id: area.id.to_string(),
                compound_id: area.compound.clone(),
                compound: reference
                    .compound_name(&area.compound)
                    .unwrap_or(&area.compound)
                    .to_owned(),
                parts: area.parts.clone(),
                reason: area.reason,
                declared_by: area.declared_by,
                from: area.from.to_string(),
                review: st.review.to_string(),
                active: st.active,
                lifted_on: st.lifted_on.map(|d| d.to_string()),
                review_due: st.active && st.review < date,
                households: rows.len() as u32,
                visited,
                persons,
                seen,
                unwell,
                needs,
            },
            date: date.to_string(),
            households: rows,
        })
    }

    /// Declares a key area (重点区域) of a compound this laptop holds. Errors: `not_staff`,
    /// `not_found` (compound), `invalid_input` / `invalid_date` (the field says which), the key
    /// area's rules.
    pub fn key_area_declare(&self, input: &KeyAreaInput) -> AppResult<KeyAreaView> {
        use kadian_domain::records::{new_id, KeyArea, Source};
        self.screening_staff()?;
        let staff = self.enrolled()?;
        let reference = self.reference()?;
        let compound = reference
            .compounds
            .get(input.compound.trim())
            .ok_or_else(|| {
                AppError::new(
                    "not_found",
                    Some("compound"),
                    "这台设备没有这个小区的资料",
                    "This device holds no compound by that id",
                )
            })?;
        let parts: Vec<String> = input
            .parts
            .split([',', '，', '、', ' ', ';', '；'])
            .filter_map(kadian_registers::households::compound_part)
            .collect();
        let note = input.note.trim();
        let area = KeyArea {
            id: new_id(),
            community_code: compound.community.clone(),
            compound: compound.id.clone(),
            parts,
            reason: choice(&input.reason, "reason")?,
            declared_by: choice(&input.declared_by, "declared_by")?,
            from: parse_day(&input.from, "from")?,
            review: parse_day(&input.review, "review")?,
            note: (!note.is_empty()).then(|| note.to_owned()),
        };
        kadian_domain::records::check_key_area(&area).map_err(|n| AppError::invalid(vec![n]))?;
        self.store().save_key_area(&area, Source::User)?;
        // Its full disinfection (全面消杀) is a slot of the day while it is in force: a site of
        // its own, once a day, on the schedule from its first day until it is lifted.
        let parts = if area.parts.is_empty() {
            String::new()
        } else {
            format!("（{}）", area.parts.join("、"))
        };
        let site = kadian_domain::records::DisinfectionSite {
            id: new_id(),
            kind: kadian_domain::records::SiteKind::CompoundPublicArea,
            name: format!("{}重点区域全面消杀{parts}", compound.name)
                .chars()
                .take(80)
                .collect(),
            address: None,
            community_code: Some(area.community_code.clone()),
            compound: Some(area.compound.clone()),
            responsible_unit: None,
            contact_name: None,
            contact_phone: None,
            times_per_day: 1,
            slots: Vec::new(),
            active_from: Some(area.from),
            active_to: None,
            key_area_id: Some(area.id),
            recorded_by: super::views::staff_name(&staff),
        };
        kadian_domain::records::check_disinfection_site(&site)
            .map_err(|n| AppError::invalid(vec![n]))?;
        self.store().write_sites(&[site], Source::User)?;
        self.written();
        let today = local(self.now()).date();
        let (_, changes) = self.store().key_areas()?;
        Ok(self.key_area_day_of(&area, &changes, today)?.area)
    }

    /// Lifts a key area, reinstates it, or moves its review day (`lift`, `reinstate`,
    /// `extend` with `review`), from today, with a reason. Errors: `not_staff`, `not_found`,
    /// `invalid_input`, `invalid_date`, the change's rules.
    pub fn key_area_change(
        &self,
        id: &str,
        kind: &str,
        review: Option<&str>,
        reason: &str,
    ) -> AppResult<KeyAreaView> {
        use kadian_domain::records::{new_id, KeyAreaChange, Source};
        self.screening_staff()?;
        let staff = self.enrolled()?;
        let key_area_id = uuid::Uuid::parse_str(id.trim()).map_err(|_| {
            AppError::new(
                "not_found",
                Some("key_area"),
                "这台设备上没有这个重点区域",
                "This device holds no such key area",
            )
        })?;
        let today = local(self.now()).date();
        let change = KeyAreaChange {
            id: new_id(),
            key_area_id,
            kind: choice(kind, "kind")?,
            effective: today,
            review: review
                .filter(|r| !r.trim().is_empty())
                .map(|r| parse_day(r, "review"))
                .transpose()?,
            reason: reason.trim().to_owned(),
            at: kadian_domain::records::Instant {
                utc: self.now(),
                offset_minutes: crate::local_time::CST_MINUTES,
            },
            recorded_by: super::views::staff_name(&staff),
        };
        kadian_domain::records::check_key_area_change(&change)
            .map_err(|n| AppError::invalid(vec![n]))?;
        self.store().record_key_area_change(&change, Source::User)?;
        self.written();
        self.key_area_day(id, &today.to_string()).map(|d| d.area)
    }

    /// Records a household visit (入户随访): how, how it went, each member seen with a
    /// temperature and symptoms, the household's needs; every member seen is accounted for.
    /// Errors: `not_staff`, `not_found` (household, or a member not of it), `invalid_input`
    /// (the field says which: a temperature, an outcome with members seen when nobody
    /// answered, …), the visit's rules.
    pub fn household_visit_record(&self, input: &HouseholdVisitInput) -> AppResult<()> {
        use kadian_domain::records::{new_id, HouseholdVisit, MemberSeen, Source, Symptom};
        self.screening_staff()?;
        let staff = self.enrolled()?;
        let (household, members) = self.held_household(&input.household_id)?;
        let mut seen = Vec::with_capacity(input.seen.len());
        for m in &input.seen {
            let person_id = member_of(&members, &m.person_id, "seen")?;
            let celsius = if m.temperature.trim().is_empty() {
                None
            } else {
                Some(
                    kadian_domain::Celsius::parse(&m.temperature)
                        .map_err(|n| AppError::invalid(vec![n]))?
                        .value,
                )
            };
            let symptoms = m
                .symptoms
                .iter()
                .map(|s| choice::<Symptom>(s, "symptoms"))
                .collect::<AppResult<Vec<_>>>()?;
            seen.push(MemberSeen {
                person_id,
                celsius,
                symptoms,
            });
        }
        let key_area_id = input
            .key_area_id
            .as_deref()
            .filter(|k| !k.trim().is_empty())
            .map(|k| {
                uuid::Uuid::parse_str(k.trim()).map_err(|_| {
                    AppError::new(
                        "not_found",
                        Some("key_area"),
                        "这台设备上没有这个重点区域",
                        "This device holds no such key area",
                    )
                })
            })
            .transpose()?;
        let now = self.now();
        let note = input.note.trim();
        let visit = HouseholdVisit {
            id: new_id(),
            household_id: household.id,
            key_area_id,
            community_code: household.community_code.clone(),
            compound: household.compound.clone(),
            date: local(now).date(),
            at: kadian_domain::records::Instant {
                utc: now,
                offset_minutes: crate::local_time::CST_MINUTES,
            },
            method: choice(&input.method, "method")?,
            outcome: choice(&input.outcome, "outcome")?,
            seen,
            needs: input
                .needs
                .iter()
                .map(|n| choice(n, "needs"))
                .collect::<AppResult<Vec<_>>>()?,
            note: (!note.is_empty()).then(|| note.to_owned()),
            recorded_by: super::views::staff_name(&staff),
        };
        kadian_domain::records::check_household_visit(&visit)
            .map_err(|n| AppError::invalid(vec![n]))?;
        self.store().record_household_visit(&visit, Source::User)?;
        self.written();
        Ok(())
    }
}
