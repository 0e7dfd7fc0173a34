//! The figures of one China day per place, counted the same way wherever they are counted: on
//! the server for the daily report (日报, `kadian-server report daily`) and on a laptop, offline,
//! for its dashboard (概况). Both turn what they hold into facts ([`DayFacts`]), each already
//! placed in a [`Unit`], and count them here; only where the facts come from differs.
//!
//! Counting rules (the columns of the street's template, ../shared/fixtures/templates/):
//! - a day is a China day (UTC+8, 00:00 to 24:00);
//! - a passage, reading or travel declaration voided or replaced by a correction is not counted,
//!   nor a reading taken at a voided passage;
//! - 人员进出: passages in and out; 车辆进出: the passages with a plate; 外省车辆: those whose
//!   plate is not of the street's province (GA 36-2018's first character);
//! - 体温异常 (`fevers`): first readings (not re-measures) at or above the fever threshold;
//!   复测正常 (`remeasured_normal`): those whose latest re-measure is below it;
//! - 返乡人员 当日新增: persons whose travel declaration arrives that day, from Hubei (a place
//!   code starting 42 in any of that day's declarations) or elsewhere; 在册: persons with one
//!   arriving by then; a person once per unit;
//! - 转应急处置组 (卡点): referrals raised at a gate that day (source `gate`), where the
//!   referral's compound is;
//! - 居家观察: a case's status folded from its transitions effective by that day; its visits on
//!   the day graded on its day grid (due, seen, missed), as the laptops grade them;
//! - 外出违规: a case under observation that day (active: open or referred, from its arrival day
//!   to its last) whose person went out at a gate that day (a passage out, not voided), once
//!   per case however many times, counted where the case is.

use std::collections::{HashMap, HashSet};
use std::ops::AddAssign;
use std::sync::Arc;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::observation::{
    CaseStatus, DayState, TransitionFact, TransitionKind, VisitFact, VisitOutcome,
};
use crate::records::ObservationCase;
use crate::temperature::{Celsius, FeverThreshold};

/// The figures of one unit (a compound, a community, a zone, the street) for one China day.
/// Counts of records (人次, 辆次) or of cases, as the template's columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Figures {
    /// 卡点 开设数: checkpoints in use at the end of the day (not retired).
    pub checkpoints_open: u32,
    /// 卡点 在岗人次: shifts begun that day at the unit's checkpoints (a volunteer's sign-in at a
    /// tablet, `crate::duty::add_day`). Absent from reports signed before it was counted: read
    /// as 0.
    #[serde(default)]
    pub duty_shifts: u32,
    /// 人员进出 进: passages in.
    pub passages_in: u32,
    /// 人员进出 出: passages out.
    pub passages_out: u32,
    /// 车辆进出 进: passages in with a plate.
    pub vehicles_in: u32,
    /// 车辆进出 出: passages out with a plate.
    pub vehicles_out: u32,
    /// 外省车辆: passages with a plate of another province than the street's.
    pub out_of_province_vehicles: u32,
    /// 体温异常: first readings at or above the fever threshold.
    pub fevers: u32,
    /// 复测正常: of those fevers, the ones whose latest re-measure is below the threshold.
    pub remeasured_normal: u32,
    /// 卡点 转应急处置组: referrals to the emergency response group raised at a gate that day
    /// (a fever of a person under home observation). Absent from reports signed before it was
    /// counted: read as 0.
    #[serde(default)]
    pub gate_referrals: u32,
    /// 返乡人员 当日新增 湖北: persons arriving that day from Hubei.
    pub returnees_hubei: u32,
    /// 返乡人员 当日新增 其他: persons arriving that day from elsewhere.
    pub returnees_other: u32,
    /// 返乡人员 在册: returnees on file by that day (persons with a travel declaration arriving
    /// by then; a declaration with no person counts once).
    pub returnees_registered: u32,
    /// 居家观察 在管: cases under observation that day (from the arrival day to the last day of
    /// the period, or the day the case ended).
    pub observation_in_care: u32,
    /// 居家观察 新增: cases whose period started that day.
    pub observation_new: u32,
    /// 居家观察 解除: cases released that day.
    pub observation_released: u32,
    /// 应随访: cases due a visit that day.
    pub visits_due: u32,
    /// 已随访: of those, seen that day.
    pub visits_seen: u32,
    /// 未见: of those, not seen that day.
    pub visits_missed: u32,
    /// 异常: cases with a visit that day that found a fever or symptoms.
    pub observation_unwell: u32,
    /// 转诊: cases sent to the emergency response group that day.
    pub observation_referred: u32,
    /// 外出违规: cases under observation that day whose person was registered going out at a
    /// gate that day (a passage out, not voided). Absent from reports signed before it was
    /// counted: read as 0.
    #[serde(default)]
    pub observation_breaches: u32,
    /// 重点区域 小区数: compounds with a key area in force that day (`crate::key_areas::add_day`).
    /// Absent from reports signed before it was counted: read as 0.
    #[serde(default)]
    pub key_area_compounds: u32,
    /// 重点区域 覆盖户: households those key areas cover.
    #[serde(default)]
    pub key_area_households: u32,
    /// 重点区域 当日入户: of those, visited door to door that day.
    #[serde(default)]
    pub key_area_visited: u32,
    /// 重点区域 异常: of those, where a visit that day found someone unwell.
    #[serde(default)]
    pub key_area_unwell: u32,
    /// 排查 登记户: households on the register (`crate::coverage::Coverage::add_to`). Absent from reports
    /// signed before it was counted: read as 0.
    #[serde(default)]
    pub households_registered: u32,
    /// 排查 已排查户: of those, screened (every member living there accounted for) or vacant.
    #[serde(default)]
    pub households_screened: u32,
    /// 排查 登记人: residents living there (or not known to be away).
    #[serde(default)]
    pub persons_registered: u32,
    /// 排查 已掌握人: of those, accounted for in the 7 days up to the day.
    #[serde(default)]
    pub persons_accounted: u32,
    /// 热线 受理: hotline reports received that day (`crate::hotline::add_day`). Absent from
    /// reports signed before it was counted: read as 0.
    #[serde(default)]
    pub hotline_received: u32,
    /// 热线 已核查: reports whose first check result was recorded that day.
    #[serde(default)]
    pub hotline_checked: u32,
    /// 热线 逾期: reports still waiting past a deadline at the day's end (today: now).
    #[serde(default)]
    pub hotline_overdue: u32,
    /// 热线 纳入观察: reports whose disposition opened home observation that day.
    #[serde(default)]
    pub hotline_observation_opened: u32,
    /// 消杀 应消杀点位: disinfection sites on the schedule that day
    /// (`crate::disinfection::add_day`). Absent from reports signed before it was counted: 0.
    #[serde(default)]
    pub disinfection_sites: u32,
    /// 消杀 已完成: of those, sites with every slot of the day done.
    #[serde(default)]
    pub disinfection_sites_done: u32,
    /// 消杀 逾期: of those, sites with a slot overdue (its time plus the grace passed with no
    /// record) when counted.
    #[serde(default)]
    pub disinfection_sites_overdue: u32,
    /// 物资 口罩库存（只）: masks on hand at the day's end (医用外科口罩 and N95; a holder below
    /// zero counts 0) (`crate::supplies::add_day`). Absent from reports signed before: 0.
    #[serde(default)]
    pub supplies_masks: u32,
    /// Masks used in the 7 days up to the day's end: 可用天数 is computed from it
    /// ([`Figures::mask_cover_days`]), as a sum of days could not be.
    #[serde(default)]
    pub supplies_masks_used_7d: u32,
    /// 物资 消毒液: 84消毒液 on hand at the day's end, mL (the 日报 shows L).
    #[serde(default)]
    pub supplies_disinfectant_ml: u32,
    /// 物资 酒精: 75%酒精 on hand at the day's end, mL (the 日报 shows L).
    #[serde(default)]
    pub supplies_alcohol_ml: u32,
    /// 物资 当日接收捐赠（批）: donated lots received that day.
    #[serde(default)]
    pub supplies_donations: u32,
}

/// How many figures a [`Figures`] has.
const FIGURES: usize = 42;

/// A check one unit's figures fail (as DHIS2's validation rules on an aggregate data set): the
/// rule, the figures it concerns (their field names, for the cells to mark), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FailedCheck {
    /// The rule: `seen_le_due`, `remeasured_le_fevers`, `new_le_in_care`,
    /// `new_returnees_le_on_file`.
    pub rule: String,
    /// The figures it concerns (`visits_seen`, `visits_missed`, `visits_due`, …).
    pub fields: Vec<String>,
    /// What is wrong, in Chinese.
    pub message: String,
    /// What is wrong, in English.
    pub message_en: String,
}

impl Figures {
    /// The checks a unit's figures must pass before a report is signed: 已随访 + 未见 ≤ 应随访;
    /// 复测正常 ≤ 体温异常; 新增 ≤ 在管 (a case new today is under care today); 当日新增 ≤ 在册
    /// (a returnee arriving today is on file); 已排查户 ≤ 登记户 and 已掌握人 ≤ 登记人 (coverage
    /// at most 100 %). The ones failed, in that order; none: all pass.
    pub fn failed_checks(&self) -> Vec<FailedCheck> {
        let f = self;
        let mut out = Vec::new();
        let mut check = |rule: &str, ok: bool, fields: &[&str], zh: String, en: String| {
            if !ok {
                out.push(FailedCheck {
                    rule: rule.to_owned(),
                    fields: fields.iter().map(|s| (*s).to_owned()).collect(),
                    message: zh,
                    message_en: en,
                });
            }
        };
        check(
            "seen_le_due",
            f.visits_seen.saturating_add(f.visits_missed) <= f.visits_due,
            &["visits_seen", "visits_missed", "visits_due"],
            format!(
                "已随访 {} + 未见 {} 多于应随访 {}",
                f.visits_seen, f.visits_missed, f.visits_due
            ),
            format!(
                "seen {} + missed {} exceed due {}",
                f.visits_seen, f.visits_missed, f.visits_due
            ),
        );
        check(
            "remeasured_le_fevers",
            f.remeasured_normal <= f.fevers,
            &["remeasured_normal", "fevers"],
            format!("复测正常 {} 多于体温异常 {}", f.remeasured_normal, f.fevers),
            format!(
                "re-measured normal {} exceed fevers {}",
                f.remeasured_normal, f.fevers
            ),
        );
        check(
            "new_le_in_care",
            f.observation_new <= f.observation_in_care,
            &["observation_new", "observation_in_care"],
            format!(
                "居家观察新增 {} 多于在管 {}",
                f.observation_new, f.observation_in_care
            ),
            format!(
                "new cases {} exceed cases under care {}",
                f.observation_new, f.observation_in_care
            ),
        );
        let new = f.returnees_hubei.saturating_add(f.returnees_other);
        check(
            "new_returnees_le_on_file",
            new <= f.returnees_registered,
            &["returnees_hubei", "returnees_other", "returnees_registered"],
            format!("返乡当日新增 {new} 多于在册 {}", f.returnees_registered),
            format!(
                "new returnees {new} exceed those on file {}",
                f.returnees_registered
            ),
        );
        check(
            "coverage_le_100",
            f.households_screened <= f.households_registered
                && f.persons_accounted <= f.persons_registered,
            &[
                "households_screened",
                "households_registered",
                "persons_accounted",
                "persons_registered",
            ],
            format!(
                "已排查户 {} 多于登记户 {}，或已掌握人 {} 多于登记人 {}",
                f.households_screened,
                f.households_registered,
                f.persons_accounted,
                f.persons_registered
            ),
            format!(
                "screened households {} exceed {} registered, or accounted persons {} exceed {} registered",
                f.households_screened,
                f.households_registered,
                f.persons_accounted,
                f.persons_registered
            ),
        );
        out
    }

    /// 户覆盖率: households screened ÷ registered, per cent to one decimal; none without
    /// households.
    pub fn household_rate(&self) -> Option<f64> {
        per_cent(self.households_screened, self.households_registered)
    }

    /// 可用天数: masks on hand ÷ the average daily use of the last 7 days, to one decimal;
    /// none without use.
    pub fn mask_cover_days(&self) -> Option<f64> {
        (self.supplies_masks_used_7d > 0).then(|| {
            let daily = f64::from(self.supplies_masks_used_7d) / 7.0;
            (f64::from(self.supplies_masks) / daily * 10.0).floor() / 10.0
        })
    }

    /// The figures in their declaration order.
    fn to_array(self) -> [u32; FIGURES] {
        [
            self.checkpoints_open,
            self.passages_in,
            self.passages_out,
            self.vehicles_in,
            self.vehicles_out,
            self.out_of_province_vehicles,
            self.fevers,
            self.remeasured_normal,
            self.returnees_hubei,
            self.returnees_other,
            self.returnees_registered,
            self.observation_in_care,
            self.observation_new,
            self.observation_released,
            self.visits_due,
            self.visits_seen,
            self.visits_missed,
            self.observation_unwell,
            self.observation_referred,
            self.gate_referrals,
            self.observation_breaches,
            self.households_registered,
            self.households_screened,
            self.persons_registered,
            self.persons_accounted,
            self.hotline_received,
            self.hotline_checked,
            self.hotline_overdue,
            self.hotline_observation_opened,
            self.disinfection_sites,
            self.disinfection_sites_done,
            self.disinfection_sites_overdue,
            self.supplies_masks,
            self.supplies_masks_used_7d,
            self.supplies_disinfectant_ml,
            self.supplies_alcohol_ml,
            self.supplies_donations,
            self.key_area_compounds,
            self.key_area_households,
            self.key_area_visited,
            self.key_area_unwell,
            self.duty_shifts,
        ]
    }

    fn from_array(a: [u32; FIGURES]) -> Figures {
        Figures {
            checkpoints_open: a[0],
            passages_in: a[1],
            passages_out: a[2],
            vehicles_in: a[3],
            vehicles_out: a[4],
            out_of_province_vehicles: a[5],
            fevers: a[6],
            remeasured_normal: a[7],
            returnees_hubei: a[8],
            returnees_other: a[9],
            returnees_registered: a[10],
            observation_in_care: a[11],
            observation_new: a[12],
            observation_released: a[13],
            visits_due: a[14],
            visits_seen: a[15],
            visits_missed: a[16],
            observation_unwell: a[17],
            observation_referred: a[18],
            gate_referrals: a[19],
            observation_breaches: a[20],
            households_registered: a[21],
            households_screened: a[22],
            persons_registered: a[23],
            persons_accounted: a[24],
            hotline_received: a[25],
            hotline_checked: a[26],
            hotline_overdue: a[27],
            hotline_observation_opened: a[28],
            disinfection_sites: a[29],
            disinfection_sites_done: a[30],
            disinfection_sites_overdue: a[31],
            supplies_masks: a[32],
            supplies_masks_used_7d: a[33],
            supplies_disinfectant_ml: a[34],
            supplies_alcohol_ml: a[35],
            supplies_donations: a[36],
            key_area_compounds: a[37],
            key_area_households: a[38],
            key_area_visited: a[39],
            key_area_unwell: a[40],
            duty_shifts: a[41],
        }
    }

    /// What `self` has beyond `signed`, figure by figure (0 where it has fewer), and whether it
    /// has fewer anywhere.
    pub fn beyond(&self, signed: &Figures) -> (Figures, bool) {
        let (a, b) = (self.to_array(), signed.to_array());
        let fewer = a.iter().zip(&b).any(|(x, y)| x < y);
        (
            Figures::from_array(std::array::from_fn(|i| a[i].saturating_sub(b[i]))),
            fewer,
        )
    }
}

impl AddAssign for Figures {
    fn add_assign(&mut self, o: Figures) {
        let (a, b) = (self.to_array(), o.to_array());
        *self = Figures::from_array(std::array::from_fn(|i| a[i].saturating_add(b[i])));
    }
}

/// Where a fact is counted: a compound, or a community whose compound is not known, the street
/// itself, or nowhere the street's layout knows (counted in the street's total only).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// A compound (小区/自然村), by id (shared: a street's 600,000 facts name 168 compounds).
    Compound(Arc<str>),
    /// A community (社区/村), by its 12-digit code: a record whose compound is unknown.
    Community(Arc<str>),
    /// The street's own: a hotline report not yet assigned, a disinfection site the street
    /// keeps, the street's store of supplies. In the street's total, in no community's row,
    /// and not a record the layout could not place.
    Street,
    /// Placed nowhere the layout knows.
    Unplaced,
}

/// What the count needs of a passage.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageFact {
    /// The passage's id (a correction names it).
    pub id: Uuid,
    /// Where it counts.
    pub unit: Unit,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Inward (进), else outward (出).
    pub inward: bool,
    /// The vehicle's plate, if one was recorded.
    pub plate: Option<String>,
}

/// What the count needs of a temperature reading.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadingFact {
    /// The reading's id.
    pub id: Uuid,
    /// Where it counts.
    pub unit: Unit,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The reading (°C).
    pub celsius: Celsius,
    /// The first reading this re-measures, if it is a re-measure.
    pub remeasure_of: Option<Uuid>,
    /// The passage it was taken at, if any (voiding the passage voids the reading).
    pub passage_id: Option<Uuid>,
}

/// What the count needs of a travel declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalFact {
    /// The declaration's id.
    pub id: Uuid,
    /// Where it counts.
    pub unit: Unit,
    /// Who arrived: the person's id, else the declaration's own (counted once per unit).
    pub who: Uuid,
    /// The China day of arrival (else of the declaration).
    pub arrived: NaiveDate,
    /// From Hubei (a place whose division code starts 42).
    pub hubei: bool,
}

/// What the count needs of a referral to the emergency response group.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralFact {
    /// Where it counts (its compound).
    pub unit: Unit,
    /// When it was raised (UTC).
    pub at: DateTime<Utc>,
    /// Raised at a gate (else at a follow-up visit).
    pub at_gate: bool,
}

/// What the count needs of a passage out of a person (a possible breach of home observation).
#[derive(Debug, Clone, PartialEq)]
pub struct OutingFact {
    /// The passage's id (a correction may void it).
    pub id: Uuid,
    /// The person who went out.
    pub person: Uuid,
    /// When (UTC).
    pub at: DateTime<Utc>,
}

/// What the count needs of an observation case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    /// The case.
    pub case: ObservationCase,
    /// Where it counts (its compound).
    pub unit: Unit,
    /// Its follow-up visits.
    pub visits: Vec<VisitFact>,
    /// The days on which a visit noted symptoms.
    pub symptom_days: Vec<NaiveDate>,
    /// Its transitions (all of them: those effective after the day counted are left out here).
    pub transitions: Vec<TransitionFact>,
    /// The last day whose visits are all known where this is counted (later days are unknown,
    /// not missed: stale is not missed).
    pub judged_through: NaiveDate,
}

/// Everything a count reads, each fact placed. The passages and readings need only cover the
/// days counted and a day either side (a re-measure may fall after midnight); the travel
/// declarations and cases, all of them. Of the readings, a first reading below the threshold
/// that nothing re-measures counts nowhere and may be left out (a street's 300,000 normal
/// readings need not be read).
#[derive(Debug, Clone, Default)]
pub struct DayFacts {
    /// Passages.
    pub passages: Vec<PassageFact>,
    /// Temperature readings.
    pub readings: Vec<ReadingFact>,
    /// Travel declarations.
    pub arrivals: Vec<ArrivalFact>,
    /// Observation cases.
    pub cases: Vec<CaseFacts>,
    /// Referrals to the emergency response group.
    pub referrals: Vec<ReferralFact>,
    /// Passages out of persons (at least of those with a case; others count nowhere), the days
    /// counted and a day either side.
    pub outings: Vec<OutingFact>,
    /// Records voided or replaced by a correction.
    pub corrected: HashSet<Uuid>,
}

/// The facts a count reads, borrowed: a [`DayFacts`] whole, or a day's slice of time-ordered
/// passages and readings with the rest.
#[derive(Debug, Clone, Copy)]
pub struct FactsRef<'a> {
    /// Passages.
    pub passages: &'a [PassageFact],
    /// Temperature readings.
    pub readings: &'a [ReadingFact],
    /// Travel declarations.
    pub arrivals: &'a [ArrivalFact],
    /// Observation cases.
    pub cases: &'a [CaseFacts],
    /// Referrals to the emergency response group.
    pub referrals: &'a [ReferralFact],
    /// Passages out of persons.
    pub outings: &'a [OutingFact],
    /// Records voided or replaced by a correction.
    pub corrected: &'a HashSet<Uuid>,
}

impl DayFacts {
    /// All of it, borrowed.
    pub fn as_ref(&self) -> FactsRef<'_> {
        FactsRef {
            passages: &self.passages,
            readings: &self.readings,
            arrivals: &self.arrivals,
            cases: &self.cases,
            referrals: &self.referrals,
            outings: &self.outings,
            corrected: &self.corrected,
        }
    }

    /// The figures of `date` per unit: [`FactsRef::count`] of all of it.
    pub fn count(&self, date: NaiveDate, rules: &Counting) -> HashMap<Unit, Figures> {
        self.as_ref().count(date, rules)
    }
}

/// The street's rules a count follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counting {
    /// The fever threshold (°C).
    pub fever: FeverThreshold,
    /// The street's province's plate character (GA 36-2018), e.g. 豫: other plates are 外省.
    pub province: Option<char>,
    /// Today (China): a day not over yet grades its visits as still to come.
    pub today: NaiveDate,
}

/// `part` ÷ `whole` in per cent, to one decimal (户覆盖率); none when `whole` is 0.
pub fn per_cent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| (f64::from(part) * 1000.0 / f64::from(whole)).round() / 10.0)
}

/// China Standard Time (+08:00), in which the days are counted.
fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// True when a checkpoint counts as open (开设卡点) on the China day `date`: neither it nor its
/// compound was retired before the day's end (UTC instants of retirement, if any). The daily
/// report and the laptops' dashboard count open checkpoints by this one rule.
pub fn checkpoint_open(
    date: NaiveDate,
    checkpoint_retired: Option<DateTime<Utc>>,
    compound_retired: Option<DateTime<Utc>>,
) -> bool {
    let end = china_day_start(date.succ_opt().unwrap_or(date));
    !checkpoint_retired
        .into_iter()
        .chain(compound_retired)
        .any(|at| at < end)
}

/// The instant a China day starts (UTC).
pub fn china_day_start(date: NaiveDate) -> DateTime<Utc> {
    china()
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

/// The China date of an instant.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china()).date_naive()
}

impl FactsRef<'_> {
    /// The figures of `date` (a China day) per unit, with the street's `rules`. Checkpoints are
    /// not facts: `checkpoints_open` is the caller's to add (it reads the layout).
    pub fn count(&self, date: NaiveDate, rules: &Counting) -> HashMap<Unit, Figures> {
        let start = china_day_start(date);
        let next_day = date.checked_add_days(Days::new(1)).unwrap_or(date);
        let end = china_day_start(next_day);
        let on_the_day = |at: DateTime<Utc>| at >= start && at < end;
        let corrected = self.corrected;
        let mut units: HashMap<Unit, Figures> = HashMap::new();

        // The gate.
        for p in self
            .passages
            .iter()
            .filter(|p| on_the_day(p.at) && !corrected.contains(&p.id))
        {
            let f = units.entry(p.unit.clone()).or_default();
            if p.inward {
                f.passages_in += 1;
            } else {
                f.passages_out += 1;
            }
            if let Some(plate) = p.plate.as_deref().filter(|x| !x.trim().is_empty()) {
                if p.inward {
                    f.vehicles_in += 1;
                } else {
                    f.vehicles_out += 1;
                }
                if rules.province.is_some_and(|a| !plate.starts_with(a)) {
                    f.out_of_province_vehicles += 1;
                }
            }
        }
        // A reading counts unless it, or the passage it was taken at, was voided.
        let counted = |r: &ReadingFact| {
            !corrected.contains(&r.id) && r.passage_id.is_none_or(|p| !corrected.contains(&p))
        };
        let readings: HashSet<Uuid> = self.readings.iter().map(|r| r.id).collect();
        // The latest re-measure of each first reading.
        let mut latest_remeasure: HashMap<Uuid, (DateTime<Utc>, bool)> = HashMap::new();
        for r in self.readings.iter().filter(|r| counted(r)) {
            if let Some(first) = r.remeasure_of.filter(|f| readings.contains(f)) {
                let normal = !rules.fever.is_fever(r.celsius);
                let e = latest_remeasure.entry(first).or_insert((r.at, normal));
                if r.at >= e.0 {
                    *e = (r.at, normal);
                }
            }
        }
        // A first reading, or a re-measure of a reading not held (it cannot hide a fever behind
        // a first reading that does not exist).
        let first = |r: &ReadingFact| r.remeasure_of.is_none_or(|f| !readings.contains(&f));
        for r in self
            .referrals
            .iter()
            .filter(|r| r.at_gate && on_the_day(r.at))
        {
            units.entry(r.unit.clone()).or_default().gate_referrals += 1;
        }
        for r in self.readings.iter().filter(|r| {
            counted(r) && first(r) && on_the_day(r.at) && rules.fever.is_fever(r.celsius)
        }) {
            let f = units.entry(r.unit.clone()).or_default();
            f.fevers += 1;
            if latest_remeasure
                .get(&r.id)
                .is_some_and(|(_, normal)| *normal)
            {
                f.remeasured_normal += 1;
            }
        }

        // Returnees: a person once per unit, however many declarations (a gate and a laptop
        // both took one); new that day from Hubei when any of the day's declarations says so,
        // in whatever order they are read.
        let mut on_file: HashSet<(&Unit, Uuid)> = HashSet::new();
        let mut new_today: HashMap<(&Unit, Uuid), bool> = HashMap::new();
        for t in self
            .arrivals
            .iter()
            .filter(|t| t.arrived <= date && !corrected.contains(&t.id))
        {
            if on_file.insert((&t.unit, t.who)) {
                units
                    .entry(t.unit.clone())
                    .or_default()
                    .returnees_registered += 1;
            }
            if t.arrived == date {
                *new_today.entry((&t.unit, t.who)).or_default() |= t.hubei;
            }
        }
        for ((unit, _), hubei) in new_today {
            let f = units.entry(unit.clone()).or_default();
            if hubei {
                f.returnees_hubei += 1;
            } else {
                f.returnees_other += 1;
            }
        }

        // Home observation, as of the end of the day; today's grades today as today (a case
        // not visited yet is still to visit).
        let grade_as_of = next_day.min(rules.today);
        let went_out: HashSet<Uuid> = self
            .outings
            .iter()
            .filter(|o| on_the_day(o.at) && !corrected.contains(&o.id))
            .map(|o| o.person)
            .collect();
        for c in self.cases {
            let case = &c.case;
            let transitions: Vec<TransitionFact> = c
                .transitions
                .iter()
                .filter(|t| t.effective <= date)
                .cloned()
                .collect();
            let grid = case.grid(
                &c.visits,
                &transitions,
                grade_as_of,
                c.judged_through.min(date),
            );
            if grid.status == CaseStatus::Cancelled || case.start_date > date {
                continue;
            }
            let f = units.entry(c.unit.clone()).or_default();
            if case.start_date == date {
                f.observation_new += 1;
            }
            // Under care from the arrival day to the last day of the period, or the day it
            // ended (a case ended on its arrival day was under care that day).
            if date <= grid.end {
                f.observation_in_care += 1;
            }
            if let Some(day) = grid.days.iter().find(|d| d.date == date) {
                f.visits_due += 1;
                match day.state {
                    DayState::Seen | DayState::SeenUnwell => f.visits_seen += 1,
                    // 未见: visited and not found, or not visited at all.
                    DayState::NotSeen | DayState::Missed => f.visits_missed += 1,
                    // Today, visited and not found so far: 未见 as of now.
                    DayState::Due if c.visits.iter().any(|v| v.date == date) => {
                        f.visits_missed += 1
                    }
                    // Still to visit today, or not known yet (a laptop has not synced).
                    DayState::Due | DayState::Unknown | DayState::Future => {}
                }
            }
            let unwell = c.symptom_days.contains(&date)
                || c.visits.iter().any(|v| {
                    v.date == date
                        && (v.outcome == VisitOutcome::SeenUnwell
                            || v.celsius.is_some_and(|t| case.policy.fever.is_fever(t)))
                });
            if unwell {
                f.observation_unwell += 1;
            }
            if transitions
                .iter()
                .any(|t| t.kind == TransitionKind::Release && t.effective == date)
                && grid.status == CaseStatus::Released
            {
                f.observation_released += 1;
            }
            if transitions
                .iter()
                .any(|t| t.kind == TransitionKind::Refer && t.effective == date)
            {
                f.observation_referred += 1;
            }
            if grid.status.active() && date <= grid.end && went_out.contains(&case.person_id) {
                f.observation_breaches += 1;
            }
        }
        units
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn rules() -> Counting {
        Counting {
            fever: FeverThreshold::default(),
            province: Some('豫'),
            today: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        }
    }

    fn unit() -> Unit {
        Unit::Compound("c1".into())
    }

    #[test]
    fn a_china_day_runs_from_16_00_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(china_day_start(d), at("2026-02-28T16:00:00Z"));
        assert_eq!(china_date(at("2026-02-28T16:00:00Z")), d);
        assert_eq!(
            china_date(at("2026-02-28T15:59:59Z")),
            d.pred_opt().unwrap()
        );
    }

    #[test]
    fn passages_count_by_china_day_direction_and_plate_and_a_voided_one_not() {
        let p = |n: u128, t: &str, inward: bool, plate: Option<&str>| PassageFact {
            id: Uuid::from_u128(n),
            unit: unit(),
            at: at(t),
            inward,
            plate: plate.map(str::to_owned),
        };
        let mut facts = DayFacts {
            passages: vec![
                p(1, "2026-03-01T16:00:00Z", true, None),
                p(2, "2026-03-02T10:00:00Z", false, Some("豫N12345")),
                p(3, "2026-03-02T11:00:00Z", true, Some("鄂A12345")),
                // The day before (China) and a voided one.
                p(4, "2026-03-01T15:59:59Z", true, None),
                p(5, "2026-03-02T12:00:00Z", true, None),
            ],
            ..DayFacts::default()
        };
        facts.corrected.insert(Uuid::from_u128(5));
        let f = facts.count(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), &rules())[&unit()];
        assert_eq!((f.passages_in, f.passages_out), (2, 1));
        assert_eq!((f.vehicles_in, f.vehicles_out), (1, 1));
        assert_eq!(f.out_of_province_vehicles, 1);
    }

    #[test]
    fn a_fever_counts_once_and_is_normal_only_when_its_latest_remeasure_is() {
        let r = |n: u128, t: &str, tenths: i16, of: Option<u128>| ReadingFact {
            id: Uuid::from_u128(n),
            unit: unit(),
            at: at(t),
            celsius: Celsius::from_tenths(tenths),
            remeasure_of: of.map(Uuid::from_u128),
            passage_id: None,
        };
        let facts = DayFacts {
            readings: vec![
                r(1, "2026-03-02T01:00:00Z", 379, None),
                r(2, "2026-03-02T01:05:00Z", 366, Some(1)),
                r(3, "2026-03-02T02:00:00Z", 380, None),
                r(4, "2026-03-02T02:05:00Z", 365, Some(3)),
                r(5, "2026-03-02T02:10:00Z", 381, Some(3)),
                // A re-measure at a fever never counts as a second fever.
                r(6, "2026-03-02T03:00:00Z", 365, None),
                r(7, "2026-03-02T03:05:00Z", 390, Some(6)),
            ],
            ..DayFacts::default()
        };
        let f = facts.count(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), &rules())[&unit()];
        assert_eq!((f.fevers, f.remeasured_normal), (2, 1));
    }

    #[test]
    fn leaving_out_normal_first_readings_nothing_remeasures_changes_no_count() {
        let r = |n: u128, tenths: i16, of: Option<u128>| ReadingFact {
            id: Uuid::from_u128(n),
            unit: unit(),
            at: at("2026-03-02T01:00:00Z") + chrono::Duration::minutes(n as i64),
            celsius: Celsius::from_tenths(tenths),
            remeasure_of: of.map(Uuid::from_u128),
            passage_id: None,
        };
        let all = DayFacts {
            readings: vec![
                r(1, 365, None),
                r(2, 380, None),
                r(3, 364, Some(2)),
                r(4, 366, None),
                r(5, 390, Some(4)),
                r(6, 362, None),
            ],
            ..DayFacts::default()
        };
        let mut fewer = all.clone();
        fewer
            .readings
            .retain(|x| x.id != Uuid::from_u128(1) && x.id != Uuid::from_u128(6));
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(all.count(day, &rules()), fewer.count(day, &rules()));
        assert_eq!(all.count(day, &rules())[&unit()].fevers, 1);
    }

    #[test]
    fn a_returnee_is_counted_once_however_many_declarations_and_from_hubei_if_any_says_so() {
        let a = |n: u128, who: u128, day: u32, hubei: bool| ArrivalFact {
            id: Uuid::from_u128(n),
            unit: unit(),
            who: Uuid::from_u128(who),
            arrived: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            hubei,
        };
        let facts = DayFacts {
            arrivals: vec![
                a(1, 100, 2, false),
                a(2, 100, 2, true),
                a(3, 101, 2, false),
                a(4, 102, 1, false),
                a(5, 103, 3, false),
            ],
            ..DayFacts::default()
        };
        let f = facts.count(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), &rules())[&unit()];
        assert_eq!((f.returnees_hubei, f.returnees_other), (1, 1));
        assert_eq!(f.returnees_registered, 3);
    }

    fn case_from(n: u128, person: u128, start: u32) -> CaseFacts {
        use crate::records::ObservationReason;
        CaseFacts {
            case: ObservationCase {
                id: Uuid::from_u128(n),
                person_id: Uuid::from_u128(person),
                community_code: "411402001018".into(),
                compound: "c1".into(),
                address: None,
                reason: ObservationReason::ReturneeHubei,
                origin_id: None,
                start_date: NaiveDate::from_ymd_opt(2026, 3, start).unwrap(),
                followed_from: None,
                policy: crate::observation::ObservationPolicy::default(),
                responsible: None,
                responsible_phone: None,
                backup: None,
                notes: None,
            },
            unit: unit(),
            visits: Vec::new(),
            symptom_days: Vec::new(),
            transitions: Vec::new(),
            judged_through: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        }
    }

    #[test]
    fn a_case_whose_person_went_out_is_one_breach_that_day_and_a_voided_or_ended_one_none() {
        let out = |n: u128, person: u128, t: &str| OutingFact {
            id: Uuid::from_u128(n),
            person: Uuid::from_u128(person),
            at: at(t),
        };
        let mut released = case_from(3, 300, 1);
        released.transitions.push(TransitionFact {
            id: "t1".into(),
            kind: TransitionKind::Release,
            effective: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            recorded_at: "2026-03-02T01:00:00Z".into(),
        });
        let mut facts = DayFacts {
            cases: vec![
                case_from(1, 100, 1),
                case_from(2, 200, 1),
                released,
                // Arrives the day after: not under observation yet.
                case_from(4, 400, 4),
                // Its 14 days ended on 3月15日.
                case_from(5, 500, 1),
            ],
            outings: vec![
                // Twice out the same China day (3月3日 01:00 and 17:00): one breach.
                out(10, 100, "2026-03-02T17:00:00Z"),
                out(11, 100, "2026-03-03T09:00:00Z"),
                // Out, and voided.
                out(12, 200, "2026-03-03T01:00:00Z"),
                out(13, 300, "2026-03-03T02:00:00Z"),
                out(14, 400, "2026-03-03T02:00:00Z"),
                // Not a person with a case; and the day before (China).
                out(15, 999, "2026-03-03T02:00:00Z"),
                out(16, 200, "2026-03-02T15:59:00Z"),
            ],
            ..DayFacts::default()
        };
        facts.corrected.insert(Uuid::from_u128(12));
        let day = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let f = facts.count(day, &rules())[&unit()];
        assert_eq!(f.observation_breaches, 1, "only person 100's case");
        // On 3月2日, person 200 went out at 23:59 (China): that day's breach.
        let f = facts.count(day.pred_opt().unwrap(), &rules())[&unit()];
        assert_eq!(f.observation_breaches, 1);
        let mut later = facts.clone();
        later.outings.push(out(17, 500, "2026-03-20T02:00:00Z"));
        let f = later.count(NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(), &rules());
        assert_eq!(f.get(&unit()).map_or(0, |f| f.observation_breaches), 0);
    }

    #[test]
    fn a_referral_raised_at_a_gate_counts_on_its_day_and_one_from_a_visit_not() {
        let r = |t: &str, at_gate: bool| ReferralFact {
            unit: unit(),
            at: at(t),
            at_gate,
        };
        let facts = DayFacts {
            referrals: vec![
                r("2026-03-02T01:00:00Z", true),
                r("2026-03-02T02:00:00Z", false),
                r("2026-03-01T15:00:00Z", true),
            ],
            ..DayFacts::default()
        };
        let f = facts.count(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), &rules())[&unit()];
        assert_eq!(f.gate_referrals, 1);
    }

    #[test]
    fn coverage_above_100_per_cent_fails_its_check_and_the_rate_reads_per_cent() {
        let mut f = Figures {
            households_registered: 8,
            households_screened: 3,
            persons_registered: 20,
            persons_accounted: 9,
            ..Figures::default()
        };
        assert!(f.failed_checks().is_empty());
        assert_eq!(f.household_rate(), Some(37.5));
        f.persons_accounted = 21;
        assert_eq!(f.failed_checks()[0].rule, "coverage_le_100");
    }

    #[test]
    fn figures_add_up_and_say_what_is_beyond_a_signed_copy() {
        let mut a = Figures {
            passages_in: 3,
            fevers: 1,
            ..Figures::default()
        };
        a += Figures {
            passages_in: 2,
            ..Figures::default()
        };
        assert_eq!(a.passages_in, 5);
        let signed = Figures {
            passages_in: 4,
            fevers: 2,
            ..Figures::default()
        };
        let (more, fewer) = a.beyond(&signed);
        assert_eq!((more.passages_in, more.fevers, fewer), (1, 0, true));
    }

    #[test]
    fn a_checkpoint_is_open_on_a_day_unless_it_or_its_compound_was_retired_before_its_end() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("day");
        let china = |d: u32, h: u32| {
            china()
                .with_ymd_and_hms(2026, 3, d, h, 0, 0)
                .single()
                .expect("t")
                .with_timezone(&Utc)
        };
        assert!(checkpoint_open(day, None, None));
        // Retired during the day: it was open that day, not the next.
        assert!(!checkpoint_open(day, Some(china(2, 15)), None));
        assert!(checkpoint_open(day, Some(china(3, 0)), None));
        assert!(!checkpoint_open(day, None, Some(china(1, 23))));
        assert!(checkpoint_open(day, None, Some(china(3, 8))));
    }

    #[test]
    fn each_check_names_its_rule_and_cells_and_consistent_figures_pass() {
        let fine = Figures {
            fevers: 2,
            remeasured_normal: 1,
            visits_due: 5,
            visits_seen: 3,
            visits_missed: 2,
            observation_in_care: 4,
            observation_new: 1,
            returnees_hubei: 1,
            returnees_other: 1,
            returnees_registered: 9,
            ..Figures::default()
        };
        assert!(fine.failed_checks().is_empty());
        let bad = Figures {
            remeasured_normal: 3,
            visits_missed: 3,
            observation_new: 5,
            returnees_other: 10,
            ..fine
        };
        let failed = bad.failed_checks();
        assert_eq!(
            failed.iter().map(|c| c.rule.as_str()).collect::<Vec<_>>(),
            [
                "seen_le_due",
                "remeasured_le_fevers",
                "new_le_in_care",
                "new_returnees_le_on_file"
            ]
        );
        assert_eq!(failed[0].message, "已随访 3 + 未见 3 多于应随访 5");
        assert!(failed[1].fields.contains(&"fevers".to_owned()));
        assert_eq!(
            failed[3].message_en,
            "new returnees 11 exceed those on file 9"
        );
    }
}
