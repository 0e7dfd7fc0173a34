//! `kadian-server report daily`: the street's daily report (日报) for one China day, computed
//! from the records, never typed: one row per community, a subtotal per grid zone (片区) and the
//! street's total, with how fresh the data is (数据截至: the oldest moment at which an active
//! device had nothing left to send, and the devices that are late).
//!
//! The counting rules are `kadian_domain::figures`' (a laptop's dashboard counts the same way);
//! here a record is placed by where the server placed it on arrival, else by its checkpoint
//! (passages, readings), its passage (travel) or its own compound (cases); one the street's
//! layout cannot place counts in the total only.
//!
//! Columns whose area is not built yet are listed in `not_built` and left out of the figures
//! (none since 在岗人次 is counted from the tablets' sign-ins).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use kadian_domain::figures::{
    checkpoint_open, china_day_start as day_start, ArrivalFact, CaseFacts, Counting, DayFacts,
    OutingFact, PassageFact, ReadingFact, ReferralFact, Unit,
};
use kadian_domain::observation::VisitFact;
use kadian_domain::plate::province_abbreviation;
use kadian_domain::records::Direction;
use kadian_domain::{Celsius, FeverThreshold};
use serde::{Deserialize, Serialize};
use unicode_width::UnicodeWidthStr;
use uuid::Uuid;

use crate::china_time::{china_minute, offset};
use crate::db::Database;
use crate::export::Read;

/// A device is late when its last sync is more than this before the report's moment (the end
/// of the day, or now for today): 2 hours, as the street office reads "synced within 2 hours".
pub const LATE_AFTER_HOURS: i64 = 2;

pub use kadian_domain::figures::Figures;

/// One community's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityRow {
    /// 12-digit code.
    pub community_code: String,
    /// Name (`八一社区`).
    pub community: String,
    /// Its zone's name, when all its compounds are in one zone.
    pub zone: Option<String>,
    /// Data as of (UTC): the oldest moment its active devices had nothing left to send; `None`
    /// when it has none, or one never synced.
    pub data_as_of: Option<DateTime<Utc>>,
    /// The figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// One zone's subtotal: the sum over its compounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneRow {
    /// Zone id.
    pub zone_id: String,
    /// Name (`第一片区`).
    pub zone: String,
    /// The zone leader.
    pub leader: String,
    /// Its compounds' count.
    pub compounds: u32,
    /// The figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// A device whose data is late: it last had nothing waiting to send more than
/// [`LATE_AFTER_HOURS`] before the report's moment, or never.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateDevice {
    /// Device id.
    pub device_id: String,
    /// Its name (`东门平板`).
    pub name: String,
    /// Where it is (`八一新苑 东门`).
    pub place: String,
    /// Its last request (UTC), if any.
    pub last_sync: Option<DateTime<Utc>>,
    /// When it last had nothing waiting to send (UTC), if ever.
    pub complete_at: Option<DateTime<Utc>>,
    /// Records it said were waiting to be sent, at its last pull.
    pub pending: Option<i64>,
    /// When the oldest of them was made (its clock, UTC), as it said at its last pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_pending: Option<DateTime<Utc>>,
    /// Its last push (UTC, to the minute), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_push: Option<DateTime<Utc>>,
}

/// The daily report of one China day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyReport {
    /// The China day.
    pub date: NaiveDate,
    /// The street's code and name.
    pub street_code: String,
    /// The street's name.
    pub street: String,
    /// The fever threshold used, °C.
    pub fever_threshold_c: f64,
    /// The report's moment (UTC): the end of the day, or when it was made, if earlier.
    pub made_for: DateTime<Utc>,
    /// Data as of (UTC): the oldest moment the street's active devices had nothing left to send, at most the
    /// day's end (a device synced after it has given the whole day).
    pub data_as_of: Option<DateTime<Utc>>,
    /// Active devices (not revoked before the day began).
    pub devices_active: u32,
    /// Of those, the late ones.
    pub devices_late: Vec<LateDevice>,
    /// One row per community, by code.
    pub rows: Vec<CommunityRow>,
    /// One subtotal per zone, in the order the zones were added.
    pub zones: Vec<ZoneRow>,
    /// Compounds in no zone (ids): their figures are in the rows and the total, in no zone.
    pub compounds_in_no_zone: Vec<String>,
    /// Records the street's layout cannot place (a checkpoint or compound it does not know):
    /// in the total only.
    pub unplaced: Figures,
    /// What the street keeps itself (hotline reports not yet assigned, its own disinfection
    /// sites, its store of supplies): in the total only. Absent from reports signed before.
    #[serde(default)]
    pub street_own: Figures,
    /// The street's total.
    pub total: Figures,
    /// Stored records that no longer pass their kind's rules, left out.
    pub unreadable: usize,
    /// The template's column groups whose area is not built yet (left empty).
    pub not_built: Vec<String>,
    /// The checks a report must pass before it is signed (as DHIS2's validation rules), the
    /// ones that fail; empty when all pass.
    pub checks: Vec<CheckFailure>,
    /// Late additions (补报): for each signed day of the [`LATE_ADDITION_DAYS`] before, what its
    /// recount now adds to its signed figures and to the late additions signed reports since
    /// have already carried, so each late record is reported once. Oldest day first; empty
    /// when nothing came.
    pub late_additions: Vec<LateAdditions>,
    /// Who signed it, when signed: then the report is frozen and read back as signed.
    pub signed: Option<Signature>,
}

/// A check that failed, on one unit's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFailure {
    /// The unit: a community's or zone's name, or 合计.
    pub unit: String,
    /// The rule (`seen_le_due`, …).
    pub rule: String,
    /// What is wrong, in Chinese.
    pub message: String,
    /// What is wrong, in English.
    pub message_en: String,
}

/// Late additions (补报) for a signed day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateAdditions {
    /// The signed day they belong to.
    pub date: NaiveDate,
    /// What its recount now adds to its signed total (a figure that went down counts 0 here).
    pub figures: Figures,
    /// A figure of its recount is lower than signed (a record voided after signing).
    pub some_fewer: bool,
}

/// A signature (签发).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// 签发人.
    pub signer: String,
    /// When (UTC).
    pub signed_at: DateTime<Utc>,
    /// SHA-256 of the report as signed (its JSON without this signature), hex.
    pub hash: String,
}

/// The column groups of the template not computed yet.
const NOT_BUILT: [&str; 0] = [];

/// The day's stored records, each checked by its kind's rules again (one that fails is counted
/// unreadable), with where the server placed each.
#[allow(clippy::type_complexity)]
fn read_day(
    records: Vec<crate::db::PlacedRecord>,
) -> (Read, HashMap<Uuid, (Option<String>, Option<String>)>) {
    let mut read = Read::default();
    let mut placed = HashMap::new();
    for r in records {
        let Ok(kind) = r.kind.parse::<kadian_domain::records::RecordKind>() else {
            continue;
        };
        if let Some(id) = read.add_text(kind, &r.body) {
            placed.insert(id, (r.community, r.compound));
        }
    }
    (read, placed)
}

/// The oldest of some devices' moments of completeness; `None` when there are none, or one
/// never was complete.
fn oldest(seen: &[Option<DateTime<Utc>>]) -> Option<DateTime<Utc>> {
    if seen.iter().any(Option::is_none) {
        return None;
    }
    seen.iter().flatten().min().copied()
}

/// A device is late at `moment` when it never synced, or last synced more than
/// [`LATE_AFTER_HOURS`] before it.
fn is_late(last_sync: Option<DateTime<Utc>>, moment: DateTime<Utc>) -> bool {
    last_sync.is_none_or(|t| t < moment - chrono::Duration::hours(LATE_AFTER_HOURS))
}

/// Counts the figures of `date` (a China day) from every record on the server, with `fever` as
/// the threshold (no checks, no late additions, not the signed copy). Errors: the database's.
async fn count(
    db: &dyn Database,
    date: NaiveDate,
    fever: FeverThreshold,
) -> anyhow::Result<DailyReport> {
    let (street_code, street) = db
        .street()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the street is not initialised"))?;
    let reference = db.reference().await?;
    let start = day_start(date);
    let end = day_start(date.checked_add_days(Days::new(1)).unwrap_or(date));
    // The day's passages, readings and shift events (and a day either side: a re-measure's
    // first reading may be before midnight, a re-measure after it), and the few kinds read
    // whole; never the street's 140,000 persons. They are read first, then parsed on a thread
    // of their own while the 排查 columns' register (the street's persons and households, 7
    // days of passages) is read and parsed here, so a 2-core server uses both cores (the
    // database's one connection reads one query at a time).
    let day_records = async {
        let records = db
            .report_records(
                start - chrono::Duration::days(1),
                end + chrono::Duration::days(1),
            )
            .await?;
        tokio::task::spawn_blocking(move || read_day(records))
            .await
            .map_err(|e| anyhow::anyhow!("reading the day's records: {e}"))
    };
    let (day, coverage) = tokio::join!(day_records, crate::coverage::units(db, date, &reference));
    let (coverage, _) = coverage?;
    let (read, placed) = day?;
    let moment = end.min(Utc::now());
    let province = province_abbreviation(&street_code);

    let mut units: HashMap<Unit, Figures> = HashMap::new();
    let checkpoint_unit = |id: &str| match reference.checkpoints.get(id) {
        Some((compound, _)) => Unit::Compound(compound.as_str().into()),
        None => Unit::Unplaced,
    };
    let compound_unit =
        |compound: Option<&str>, community: Option<&str>| match (compound, community) {
            (Some(c), _) if reference.compounds.contains_key(c) => Unit::Compound(c.into()),
            (_, Some(c)) if reference.communities.contains_key(c) => Unit::Community(c.into()),
            _ => Unit::Unplaced,
        };

    // Where the server placed a record (a checkpoint it does not know is placed with the
    // pushing device), else by its checkpoint.
    let record_unit = |id: Uuid, checkpoint: &str| match placed.get(&id) {
        Some((community, compound)) if community.is_some() || compound.is_some() => {
            compound_unit(compound.as_deref(), community.as_deref())
        }
        _ => checkpoint_unit(checkpoint),
    };

    // 卡点开设数.
    for (id, (compound, _)) in &reference.checkpoints {
        let retired = |place: &String| reference.retired.get(place).copied();
        if checkpoint_open(date, retired(id), retired(compound)) {
            units
                .entry(Unit::Compound(compound.as_str().into()))
                .or_default()
                .checkpoints_open += 1;
        }
    }

    // The records as facts, each placed.
    let mut facts = DayFacts {
        corrected: read.corrected.clone(),
        ..DayFacts::default()
    };
    facts.passages = read
        .passages
        .iter()
        .map(|p| PassageFact {
            id: p.id,
            unit: record_unit(p.id, &p.checkpoint_id),
            at: p.at.utc,
            inward: p.direction == Direction::In,
            plate: p.plate.clone(),
        })
        .collect();
    facts.readings = read
        .readings
        .iter()
        .map(|r| ReadingFact {
            id: r.id,
            unit: record_unit(r.id, &r.checkpoint_id),
            at: r.at.utc,
            celsius: r.celsius,
            remeasure_of: r.remeasure_of,
            passage_id: r.passage_id,
        })
        .collect();
    facts.outings = read
        .passages
        .iter()
        .filter(|p| p.direction == Direction::Out)
        .filter_map(|p| {
            Some(OutingFact {
                id: p.id,
                person: p.person_id?,
                at: p.at.utc,
            })
        })
        .collect();
    facts.referrals = read
        .referrals
        .iter()
        .map(|r| ReferralFact {
            unit: compound_unit(Some(r.compound.as_str()), Some(r.community_code.as_str())),
            at: r.opened_at.utc,
            at_gate: r.source == kadian_domain::records::ReferralSource::Gate,
        })
        .collect();
    let passage_checkpoint: HashMap<Uuid, &str> = read
        .passages
        .iter()
        .map(|p| (p.id, p.checkpoint_id.as_str()))
        .collect();
    facts.arrivals = read
        .travels
        .iter()
        .map(|t| ArrivalFact {
            id: t.id,
            // Where the server placed it (by its person or its passage), else by its passage.
            unit: match placed.get(&t.id) {
                Some((community, compound)) if community.is_some() || compound.is_some() => {
                    compound_unit(compound.as_deref(), community.as_deref())
                }
                _ => t
                    .passage_id
                    .and_then(|p| passage_checkpoint.get(&p))
                    .map_or(Unit::Unplaced, |c| checkpoint_unit(c)),
            },
            who: t.person_id.unwrap_or(t.id),
            // The arrival day, else the day it was declared (as the export reads it).
            arrived: t
                .to_date
                .unwrap_or_else(|| t.declared_at.utc.with_timezone(&offset()).date_naive()),
            hubei: t.places.iter().any(|p| {
                p.division_code
                    .as_deref()
                    .is_some_and(|c| c.starts_with("42"))
            }),
        })
        .collect();

    // Data as of: the devices.
    let devices: Vec<_> = db
        .devices()
        .await?
        .into_iter()
        // A device enrolled after the day may still hold its records (a tablet replaced and
        // restored); one revoked before the day began holds none of it.
        .filter(|d| d.revoked_at.is_none_or(|r| r > start))
        .collect();
    let community_of_device = |scope: &kadian_domain::sync::Scope| -> Option<String> {
        if let Some(c) = &scope.community {
            return Some(c.clone());
        }
        let compound = scope.compound.clone().or_else(|| {
            scope
                .checkpoint
                .as_ref()
                .and_then(|c| reference.checkpoints.get(c).map(|(p, _)| p.clone()))
        })?;
        reference.compounds.get(&compound).map(|(c, _)| c.clone())
    };
    let mut seen_by_community: HashMap<String, Vec<Option<DateTime<Utc>>>> = HashMap::new();
    let mut seen_all = Vec::new();
    let mut devices_late = Vec::new();
    for d in &devices {
        // Everything it recorded before its last pull with nothing waiting is here.
        let seen = d.complete_at;
        seen_all.push(seen);
        if let Some(c) = community_of_device(&d.scope) {
            seen_by_community.entry(c).or_default().push(seen);
        }
        if is_late(seen, moment) {
            devices_late.push(LateDevice {
                device_id: d.id.clone(),
                name: d.name.clone(),
                place: reference.place_label(&d.scope),
                last_sync: d.last_seen_at,
                complete_at: seen,
                pending: d.status.as_ref().map(|s| s.pending),
                oldest_pending: d
                    .status
                    .as_ref()
                    .and_then(|s| s.oldest_pending)
                    .filter(|_| d.status.as_ref().is_some_and(|s| s.pending > 0)),
                last_push: d.last_push_at,
            });
        }
    }

    // The laptops that record visits: a day after the last moment all of a community's had
    // nothing left to send is unknown, not missed (stale is not missed).
    let mut recorders: HashMap<String, Vec<Option<DateTime<Utc>>>> = HashMap::new();
    for d in devices
        .iter()
        .filter(|d| d.role != kadian_domain::sync::Role::Volunteer)
    {
        if let Some(c) = community_of_device(&d.scope) {
            recorders.entry(c).or_default().push(d.complete_at);
        }
    }
    // A day is judged once a later sync has brought everything recorded on it.
    let judged_through = |community: &str| -> NaiveDate {
        recorders
            .get(community)
            .and_then(|s| oldest(s))
            .map(|t| t.with_timezone(&offset()).date_naive())
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MIN)
    };
    // Home observation: each case with its visits and transitions.
    let mut visits_of: HashMap<Uuid, Vec<&kadian_domain::records::FollowUpVisit>> = HashMap::new();
    for v in &read.visits {
        visits_of.entry(v.case_id).or_default().push(v);
    }
    facts.cases = read
        .cases
        .iter()
        .map(|case| {
            let visits = visits_of.remove(&case.id).unwrap_or_default();
            CaseFacts {
                unit: compound_unit(
                    Some(case.compound.as_str()),
                    Some(case.community_code.as_str()),
                ),
                visits: visits
                    .iter()
                    .map(|v| VisitFact {
                        date: v.date,
                        outcome: v.outcome,
                        celsius: v.celsius,
                    })
                    .collect(),
                symptom_days: visits
                    .iter()
                    .filter(|v| !v.symptoms.is_empty())
                    .map(|v| v.date)
                    .collect(),
                transitions: read.transitions.get(&case.id).cloned().unwrap_or_default(),
                judged_through: judged_through(&case.community_code),
                case: case.clone(),
            }
        })
        .collect();
    let rules = Counting {
        fever,
        province,
        today: crate::china_time::china_today(),
    };
    for (unit, f) in facts.count(date, &rules) {
        *units.entry(unit).or_default() += f;
    }
    // 排查: households screened and residents accounted for, in the 7 days up to the day (read
    // above, beside the day's records).
    for (unit, c) in &coverage {
        c.add_to(units.entry(unit.clone()).or_default());
    }
    // 热线: reports received, checked and opening observation that day, and those waiting past
    // a deadline at its end, on the server's clock.
    // What the street keeps itself (a report not yet assigned, a site of its own) is placed in
    // neither a compound nor a community: the street's, not a record the layout cannot place.
    let own_unit = |compound: Option<&str>, community: Option<&str>| match (compound, community) {
        (None, None) => Unit::Street,
        _ => compound_unit(compound, community),
    };
    let hotline = crate::hotline::day_facts(db, &own_unit).await?;
    kadian_domain::hotline::add_day(&hotline, date, Utc::now(), &mut units);
    // 消杀: every site where it is.
    let (sites, disinfections, _) = crate::disinfection::held(db).await?;
    let (key_areas, key_area_changes) = crate::disinfection::key_areas(db).await?;
    let sites: Vec<(Unit, kadian_domain::records::DisinfectionSite)> = sites
        .iter()
        .map(|s| kadian_domain::disinfection::site_on(s, date, &key_areas, &key_area_changes))
        .map(|s| {
            (
                own_unit(s.compound.as_deref(), s.community_code.as_deref()),
                s,
            )
        })
        .collect();
    kadian_domain::disinfection::add_day(
        &sites,
        &disinfections,
        date,
        Utc::now(),
        db.disinfection_policy()
            .await?
            .unwrap_or_default()
            .grace_minutes,
        &mut units,
    );
    // 重点区域: the key areas in force that day, each in its compound.
    key_areas_add_day(
        db,
        date,
        (&key_areas, &key_area_changes),
        &compound_unit,
        &mut units,
    )
    .await?;
    // 物资: a community's store in its community, a checkpoint's in its compound, the
    // street's store the street's.
    let movements = crate::supplies::movements(db).await?.0;
    kadian_domain::supplies::add_day(
        &movements,
        |h| match h {
            kadian_domain::records::Holder::Street => Unit::Street,
            kadian_domain::records::Holder::Community { code } => compound_unit(None, Some(code)),
            kadian_domain::records::Holder::Checkpoint { id } => checkpoint_unit(id),
        },
        date,
        Utc::now(),
        &mut units,
    );
    // 在岗人次: the shifts begun that day at each compound's checkpoints.
    let shifts = kadian_domain::duty::shifts(&read.shift_events);
    kadian_domain::duty::add_day(&shifts, date, checkpoint_unit, &mut units);

    // Up the levels.
    let community_of_unit = |u: &Unit| match u {
        Unit::Compound(c) => reference.compounds.get(&**c).map(|(p, _)| p.clone()),
        Unit::Community(c) => Some(c.to_string()),
        Unit::Street | Unit::Unplaced => None,
    };
    let mut total = Figures::default();
    let mut unplaced = Figures::default();
    let mut street_own = Figures::default();
    let mut by_community: BTreeMap<String, Figures> = reference
        .communities
        .keys()
        .map(|c| (c.clone(), Figures::default()))
        .collect();
    let mut by_zone: BTreeMap<String, Figures> = BTreeMap::new();
    for (unit, f) in &units {
        total += *f;
        match community_of_unit(unit) {
            Some(c) => *by_community.entry(c).or_default() += *f,
            None if *unit == Unit::Street => street_own += *f,
            None => unplaced += *f,
        }
        if let Unit::Compound(c) = unit {
            if let Some(z) = reference.zone_of.get(&**c) {
                *by_zone.entry(z.clone()).or_default() += *f;
            }
        }
    }
    let zone_name = |id: &str| reference.zones.get(id).map(|z| z.name.clone());
    let rows = by_community
        .into_iter()
        .map(|(code, figures)| {
            let zones: HashSet<Option<&String>> = reference
                .compounds
                .iter()
                .filter(|(_, (community, _))| *community == code)
                .map(|(id, _)| reference.zone_of.get(id))
                .collect();
            let zone = match zones.into_iter().collect::<Vec<_>>().as_slice() {
                [Some(z)] => zone_name(z),
                _ => None,
            };
            CommunityRow {
                community: reference
                    .communities
                    .get(&code)
                    .cloned()
                    .unwrap_or_default(),
                data_as_of: seen_by_community
                    .get(&code)
                    .and_then(|s| oldest(s))
                    .map(|t| t.min(moment)),
                community_code: code,
                zone,
                figures,
            }
        })
        .collect();
    let mut zones: Vec<ZoneRow> = reference
        .zones
        .values()
        .map(|z| ZoneRow {
            zone_id: z.id.clone(),
            zone: z.name.clone(),
            leader: z.leader.clone(),
            compounds: reference.zone_of.values().filter(|v| **v == z.id).count() as u32,
            figures: by_zone.get(&z.id).copied().unwrap_or_default(),
        })
        .collect();
    // In the order they were added (ids are UUIDv7): 第一片区 before 第二片区, which no sort
    // of the names gives.
    zones.sort_by(|a, b| a.zone_id.cmp(&b.zone_id));
    let mut compounds_in_no_zone: Vec<String> = reference
        .compounds
        .keys()
        .filter(|c| !reference.zone_of.contains_key(*c))
        .cloned()
        .collect();
    compounds_in_no_zone.sort();
    Ok(DailyReport {
        date,
        street_code,
        street,
        fever_threshold_c: fever.0.degrees(),
        made_for: moment,
        // Synced after the day ended: the day's data is all in (as of the day's end).
        data_as_of: oldest(&seen_all).map(|t| t.min(moment)),
        devices_active: devices.len() as u32,
        devices_late,
        rows,
        zones,
        compounds_in_no_zone,
        unplaced,
        street_own,
        total,
        unreadable: read.unreadable,
        not_built: NOT_BUILT.iter().map(|c| (*c).to_owned()).collect(),
        checks: Vec::new(),
        late_additions: Vec::new(),
        signed: None,
    })
}

/// The daily report of `date` (a China day). A signed day is read back as signed (frozen);
/// otherwise it is counted from the records with `fever` as the threshold, checked, and given
/// the late additions (补报) of the day before when that day was signed. Errors: the
/// database's, or a signed copy that cannot be read.
pub async fn daily(
    db: &dyn Database,
    date: NaiveDate,
    fever: FeverThreshold,
) -> anyhow::Result<DailyReport> {
    if let Some(signed) = frozen(db, date).await? {
        return Ok(signed);
    }
    let mut report = count(db, date, fever).await?;
    report.checks = checks(&report);
    report.late_additions = late_additions(db, date).await?;
    Ok(report)
}

/// How many days back a report looks for late additions (补报) to signed days: the home
/// observation period.
pub const LATE_ADDITION_DAYS: u64 = 14;

/// The signed report of a day as signed, its hash checked and its signature on it, if it was
/// signed. Errors: a copy changed since it was signed, or one that cannot be read.
async fn frozen(db: &dyn Database, day: NaiveDate) -> anyhow::Result<Option<DailyReport>> {
    let Some(signed) = db.signed_report(&day.to_string()).await? else {
        return Ok(None);
    };
    check_hash(&signed)?;
    let mut report: DailyReport = serde_json::from_str(&signed.body)
        .map_err(|e| anyhow::anyhow!("the signed report of {day} cannot be read: {e}"))?;
    report.signed = Some(Signature {
        signer: signed.signer,
        signed_at: signed.signed_at,
        hash: signed.hash,
    });
    Ok(Some(report))
}

/// The late additions (补报) a report of `date` carries: for each signed day S of the
/// [`LATE_ADDITION_DAYS`] before, S's recount now, less its signed figures and the additions
/// for S that signed reports after S (and before `date`) carried already.
async fn late_additions(db: &dyn Database, date: NaiveDate) -> anyhow::Result<Vec<LateAdditions>> {
    let mut signed = std::collections::BTreeMap::new();
    for back in 1..=LATE_ADDITION_DAYS {
        let Some(day) = date.checked_sub_days(Days::new(back)) else {
            break;
        };
        if let Some(r) = frozen(db, day).await? {
            signed.insert(day, r);
        }
    }
    let mut out = Vec::new();
    for (day, frozen) in &signed {
        let mut reported = frozen.total;
        for later in signed
            .range(day.succ_opt().unwrap_or(*day)..)
            .map(|(_, r)| r)
        {
            for l in later.late_additions.iter().filter(|l| l.date == *day) {
                reported += l.figures;
            }
        }
        let threshold = Celsius::from_tenths((frozen.fever_threshold_c * 10.0).round() as i16);
        let now = count(db, *day, FeverThreshold(threshold)).await?;
        // A figure counted only since that report was signed is not a late addition to it.
        if let Some(body) = db.signed_report(&day.to_string()).await? {
            counted_since(&body.body, &mut reported, &now.total);
        }
        // Nor are the 排查 figures: they are a stock counted from the register as it is now
        // (a roster imported since changes every past day's), not that day's own records.
        reported.households_registered = now.total.households_registered;
        reported.households_screened = now.total.households_screened;
        reported.persons_registered = now.total.persons_registered;
        reported.persons_accounted = now.total.persons_accounted;
        // Nor what is judged at the moment of counting: reports overdue, and the 消杀 columns
        // (a slot is overdue by the clock; the sites on the schedule are the list as it is).
        reported.hotline_overdue = now.total.hotline_overdue;
        reported.disinfection_sites = now.total.disinfection_sites;
        reported.disinfection_sites_done = now.total.disinfection_sites_done;
        reported.disinfection_sites_overdue = now.total.disinfection_sites_overdue;
        // Nor stock: what is on hand at a day's end changes with every movement that arrives.
        reported.supplies_masks = now.total.supplies_masks;
        reported.supplies_masks_used_7d = now.total.supplies_masks_used_7d;
        reported.supplies_disinfectant_ml = now.total.supplies_disinfectant_ml;
        reported.supplies_alcohol_ml = now.total.supplies_alcohol_ml;
        let (figures, some_fewer) = now.total.beyond(&reported);
        if figures != Figures::default() || some_fewer {
            out.push(LateAdditions {
                date: *day,
                figures,
                some_fewer,
            });
        }
    }
    Ok(out)
}

/// The figures Kadian began counting after some reports were signed, by their field name.
const COUNTED_LATER: [&str; 6] = [
    "gate_referrals",
    "observation_breaches",
    "households_registered",
    "households_screened",
    "persons_registered",
    "persons_accounted",
];

/// For a report signed before a figure of [`COUNTED_LATER`] was counted (its signed JSON's
/// total lacks it), takes the recount's value as reported, so that a new column does not show
/// as a late addition (补报) to a day whose report never had it.
fn counted_since(signed_body: &str, reported: &mut Figures, now: &Figures) {
    let Ok(body) = serde_json::from_str::<serde_json::Value>(signed_body) else {
        return;
    };
    for name in COUNTED_LATER {
        if body["total"].get(name).is_none() {
            let (mine, theirs) = match name {
                "gate_referrals" => (&mut reported.gate_referrals, now.gate_referrals),
                "observation_breaches" => {
                    (&mut reported.observation_breaches, now.observation_breaches)
                }
                "households_registered" => (
                    &mut reported.households_registered,
                    now.households_registered,
                ),
                "households_screened" => {
                    (&mut reported.households_screened, now.households_screened)
                }
                "persons_registered" => (&mut reported.persons_registered, now.persons_registered),
                _ => (&mut reported.persons_accounted, now.persons_accounted),
            };
            *mine = theirs;
        }
    }
}

/// A signed copy is what was signed: its SHA-256 still matches. Errors: a copy changed since.
fn check_hash(signed: &crate::db::SignedReport) -> anyhow::Result<()> {
    use sha2::Digest;
    let now = hex::encode(sha2::Sha256::digest(signed.body.as_bytes()));
    anyhow::ensure!(
        now == signed.hash,
        "the signed report of {} has changed since it was signed (SHA-256 {} signed, {now} now): restore it from a backup",
        signed.date,
        signed.hash
    );
    Ok(())
}

/// Why a day cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignRefusal {
    /// Signed before: by whom and when.
    AlreadySigned(Signature),
    /// Checks fail.
    ChecksFail(Vec<CheckFailure>),
    /// The day has not begun in China.
    InTheFuture,
    /// Today's report, before the street's cut-off (China time): signed from then on.
    BeforeCutoff(chrono::NaiveTime),
}

/// The street setting that holds the report's cut-off (`16:00`, China time).
pub const CUTOFF_SETTING: &str = "report_cutoff";

/// Reads a cut-off as people write it: `16:00` (`H:MM` or `HH:MM`, 24-hour).
pub fn parse_cutoff(text: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

/// The street's cut-off for signing today's report, if one is set (China time); none: today's
/// report may be signed at any time. A stored value that does not read as a time counts as none.
pub async fn cutoff(db: &dyn Database) -> anyhow::Result<Option<chrono::NaiveTime>> {
    Ok(db
        .setting(CUTOFF_SETTING)
        .await?
        .as_deref()
        .and_then(parse_cutoff))
}

/// Signs the daily report of `date` as `signer` (签发): counted and checked now, then frozen
/// (its JSON and SHA-256 kept; the first signature stands). Errors: [`SignRefusal`] inside
/// `Ok(Err(..))`; the database's outside.
pub async fn sign(
    db: &dyn Database,
    date: NaiveDate,
    fever: FeverThreshold,
    signer: &str,
) -> anyhow::Result<Result<DailyReport, SignRefusal>> {
    if date > crate::china_time::china_today() {
        return Ok(Err(SignRefusal::InTheFuture));
    }
    if date == crate::china_time::china_today() {
        if let Some(at) = cutoff(db).await? {
            let now = Utc::now().with_timezone(&offset()).time();
            if now < at {
                return Ok(Err(SignRefusal::BeforeCutoff(at)));
            }
        }
    }
    let report = daily(db, date, fever).await?;
    if let Some(s) = report.signed {
        return Ok(Err(SignRefusal::AlreadySigned(s)));
    }
    if !report.checks.is_empty() {
        return Ok(Err(SignRefusal::ChecksFail(report.checks)));
    }
    let body = serde_json::to_string(&report)?;
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(body.as_bytes()))
    };
    let signed_at = crate::china_time::now_to_the_second();
    let kept = db
        .sign_report(&crate::db::SignedReport {
            date: date.to_string(),
            signer: signer.to_owned(),
            signed_at,
            hash,
            body,
        })
        .await?;
    let report = daily(db, date, fever).await?;
    match (kept, report.signed.clone()) {
        (true, Some(_)) => Ok(Ok(report)),
        (false, Some(s)) => Ok(Err(SignRefusal::AlreadySigned(s))),
        (_, None) => anyhow::bail!("the signed report of {date} was not kept"),
    }
}

/// The checks before signing ([`Figures::failed_checks`], the laptops' dashboard marks the
/// same), on every row, zone and the total.
pub fn checks(r: &DailyReport) -> Vec<CheckFailure> {
    r.rows
        .iter()
        .map(|x| (x.community.as_str(), &x.figures))
        .chain(r.zones.iter().map(|z| (z.zone.as_str(), &z.figures)))
        .chain(std::iter::once(("合计", &r.total)))
        .flat_map(|(unit, f)| {
            f.failed_checks().into_iter().map(move |c| CheckFailure {
                unit: unit.to_owned(),
                rule: c.rule,
                message: c.message,
                message_en: c.message_en,
            })
        })
        .collect()
}

/// The report as a person reads it in a terminal: the day, the data's freshness, the late
/// devices, then one line per community, per zone, and the total.
pub fn daily_text(r: &DailyReport) -> String {
    let mut out = format!(
        "{} 疫情防控工作日报 {}（数据截至：{}）\n",
        r.street,
        r.date.format("%Y-%m-%d"),
        r.data_as_of
            .map_or("未知：有设备从未同步".to_owned(), china_minute)
    );
    out.push_str(&format!(
        "设备 {} 台，{} 台 {LATE_AFTER_HOURS} 小时内已同步",
        r.devices_active,
        r.devices_active as usize - r.devices_late.len()
    ));
    if !r.devices_late.is_empty() {
        let late: Vec<String> = r
            .devices_late
            .iter()
            .take(10)
            .map(|d| {
                format!(
                    "{} {}（最后同步 {}{}{}）",
                    d.place,
                    d.name,
                    d.last_sync.map_or("从未".to_owned(), china_minute),
                    d.pending
                        .map_or(String::new(), |p| format!("，待传 {p} 条")),
                    d.oldest_pending.map_or(String::new(), |t| format!(
                        "，最早一条登记于 {}",
                        china_minute(t)
                    ))
                )
            })
            .collect();
        out.push_str(&format!("；未同步：{}", late.join("、")));
        if r.devices_late.len() > 10 {
            out.push_str(&format!(" 等 {} 台", r.devices_late.len()));
        }
    }
    out.push('\n');
    // Columns: a label, then numbers right-aligned under their headings (CJK takes 2 columns).
    const HEADS: [&str; 26] = [
        "卡点",
        "在岗",
        "进",
        "出",
        "车进",
        "车出",
        "外省车",
        "体温异常",
        "复测正常",
        "转应急",
        "湖北返乡",
        "其他返乡",
        "返乡在册",
        "在管",
        "新增",
        "解除",
        "应访",
        "已访",
        "未见",
        "异常",
        "转诊",
        "外出违规",
        "登记户",
        "已排查户",
        "登记人",
        "已掌握人",
    ];
    let label_width = r
        .rows
        .iter()
        .map(|x| x.community.width())
        .chain(r.zones.iter().map(|z| z.zone.width() + 6))
        .max()
        .unwrap_or(8)
        .max(8);
    let pad_right = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.width())));
    let pad_left = |s: &str, w: usize| format!("{}{s}", " ".repeat(w.saturating_sub(s.width())));
    let mut head = pad_right("单位", label_width);
    for h in HEADS {
        head.push(' ');
        head.push_str(&pad_left(h, h.width().max(5)));
    }
    out.push_str(&head);
    out.push('\n');
    let line = |name: &str, f: &Figures| {
        let values = [
            f.checkpoints_open,
            f.duty_shifts,
            f.passages_in,
            f.passages_out,
            f.vehicles_in,
            f.vehicles_out,
            f.out_of_province_vehicles,
            f.fevers,
            f.remeasured_normal,
            f.gate_referrals,
            f.returnees_hubei,
            f.returnees_other,
            f.returnees_registered,
            f.observation_in_care,
            f.observation_new,
            f.observation_released,
            f.visits_due,
            f.visits_seen,
            f.visits_missed,
            f.observation_unwell,
            f.observation_referred,
            f.observation_breaches,
            f.households_registered,
            f.households_screened,
            f.persons_registered,
            f.persons_accounted,
        ];
        let mut l = pad_right(name, label_width);
        for (h, v) in HEADS.iter().zip(values) {
            l.push(' ');
            l.push_str(&pad_left(&v.to_string(), h.width().max(5)));
        }
        l.push('\n');
        l
    };
    for row in &r.rows {
        out.push_str(&line(&row.community, &row.figures));
    }
    for z in &r.zones {
        out.push_str(&line(&format!("{}（小计）", z.zone), &z.figures));
    }
    out.push_str(&line("合计", &r.total));
    if !r.compounds_in_no_zone.is_empty() {
        out.push_str(&format!(
            "{} 个小区不在任何片区（`kadian-server zone add`）\n",
            r.compounds_in_no_zone.len()
        ));
    }
    for l in &r.late_additions {
        out.push_str(&late_line(l));
        out.push('\n');
    }
    for c in &r.checks {
        out.push_str(&format!("核对未通过：{}：{}\n", c.unit, c.message));
    }
    if !r.not_built.is_empty() {
        out.push_str(&format!(
            "未统计（功能尚未建成）：{}",
            r.not_built.join("、")
        ));
    }
    match &r.signed {
        Some(s) => out.push_str(&format!(
            "\n已签发：签发人 {}，{}，SHA-256 {}",
            s.signer,
            china_minute(s.signed_at),
            s.hash
        )),
        None => out.push_str("\n未签发（`kadian-server report sign --date … --signer …`）"),
    }
    out
}

/// The report in the district's template ([`kadian_registers::daily_report`]): a row per
/// community (its 备注 names its late data), 合计, a row per signed day with late additions
/// (补报, not in 合计), the zones' subtotals on their own sheet.
/// Columns whose area is not built stay empty and the notes say so.
pub fn daily_sheet(
    r: &DailyReport,
    filled_by: &str,
    phone: &str,
) -> kadian_registers::daily_report::DailyReportSheet {
    use kadian_registers::daily_report::{DailyReportRow, DailyReportSheet};
    let values = kadian_registers::daily_report::figure_values;
    let as_of_text = |t: Option<DateTime<Utc>>| {
        t.map_or_else(
            || "未知（有设备从未同步）".to_owned(),
            |t| {
                t.with_timezone(&offset())
                    .format("%Y年%-m月%-d日%H时%M分")
                    .to_string()
            },
        )
    };
    let rows = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, x)| DailyReportRow {
            serial: Some(i as u32 + 1),
            unit: x.community.clone(),
            values: values(&x.figures),
            remark: match x.data_as_of {
                Some(t) if !is_late(Some(t), r.made_for) => String::new(),
                t => format!("数据截至 {}，可能偏低", as_of_text(t)),
            },
        })
        .collect();
    let zones = r
        .zones
        .iter()
        .map(|z| DailyReportRow {
            serial: None,
            unit: z.zone.clone(),
            values: values(&z.figures),
            remark: format!("片区长 {}，{} 个小区", z.leader, z.compounds),
        })
        .collect();
    DailyReportSheet {
        street: r.street.clone(),
        title_note: String::new(),
        data_as_of: as_of_text(r.data_as_of),
        filled_by: filled_by.to_owned(),
        phone: phone.to_owned(),
        signer: r
            .signed
            .as_ref()
            .map(|s| s.signer.clone())
            .unwrap_or_default(),
        rows,
        total: DailyReportRow {
            serial: None,
            unit: "合计".into(),
            values: values(&r.total),
            remark: [
                (r.unplaced, "含无法归入社区的记录"),
                (
                    r.street_own,
                    "含街道自留（未交办的举报、街道直管点位、街道仓库）",
                ),
            ]
            .iter()
            .filter(|(f, _)| *f != Figures::default())
            .map(|(_, text)| *text)
            .collect::<Vec<_>>()
            .join("；"),
        },
        late: r
            .late_additions
            .iter()
            .map(|l| DailyReportRow {
                serial: None,
                unit: format!("补报 {}", l.date.format("%-m月%-d日")),
                values: values(&l.figures),
                remark: if l.some_fewer {
                    "该日签发后到达；另有签发后作废的记录".into()
                } else {
                    "该日签发后到达".into()
                },
            })
            .collect(),
        zones,
        notes: notes(r),
    }
}

/// The notes under the table: how the figures were counted, what is not counted yet, and the
/// late additions (补报) to days signed before.
fn notes(r: &DailyReport) -> Vec<String> {
    let mut notes = vec![
            format!(
                "注：1. 统计日为北京时间 {}（0:00–24:00）；数据截至为各设备最近一次全部上传完毕的时间中最早者，备注中注明数据可能偏低的社区；",
                r.date.format("%Y-%m-%d")
            ),
            format!(
                "2. 体温异常指首次测温 ≥ {:.1} ℃ 的人次（复测不重复计），复测正常指其最近一次复测低于该值；车辆指登记了车牌的出入；",
                r.fever_threshold_c
            ),
            "3. 居家观察以到达当日为第0天，观察14天；应随访、已随访、未见按各小区笔记本的随访表统计；".into(),
            if r.not_built.is_empty() {
                "4. 在岗人次为各卡点平板当日的签到人次（志愿者凭 PIN 签到一次计一人次）；".into()
            } else {
                format!(
                    "4. 空白栏目尚未由卡点登记系统统计：{}；",
                    r.not_built
                        .iter()
                        .map(|c| c.split(" (").next().unwrap_or(c))
                        .collect::<Vec<_>>()
                        .join("、")
                )
            },
            "5. 片区小计见「片区小计」表；本表数字由系统从登记记录计算，经社区核对、签发人签字后报送。".into(),
    ];
    for (l, n) in r.late_additions.iter().zip(6..) {
        notes.push(format!("{n}. {}；", late_line(l)));
    }
    notes
}

/// One day's late additions as the text and the file's notes say them.
fn late_line(l: &LateAdditions) -> String {
    format!(
        "补报 {}（该日日报签发后到达）：人员进 {}、出 {}，体温异常 {}，返乡新增 {}{}",
        l.date.format("%Y-%m-%d"),
        l.figures.passages_in,
        l.figures.passages_out,
        l.figures.fevers,
        l.figures.returnees_hubei + l.figures.returnees_other,
        if l.some_fewer {
            "，另有签发后作废的记录"
        } else {
            ""
        }
    )
}

/// Adds the 重点区域 columns of `date` (`kadian_domain::key_areas::add_day`): the key areas and
/// their changes, and — only when one is in force — the households of their compounds and the
/// household visits of that day.
async fn key_areas_add_day(
    db: &dyn Database,
    date: NaiveDate,
    (areas, changes): (
        &[kadian_domain::records::KeyArea],
        &[kadian_domain::records::KeyAreaChange],
    ),
    compound_unit: &(dyn Fn(Option<&str>, Option<&str>) -> Unit + Sync),
    units: &mut HashMap<Unit, Figures>,
) -> anyhow::Result<()> {
    use kadian_domain::key_areas::{HouseholdFact, VisitFact};
    use kadian_domain::records::HouseholdPlace;
    let compounds: HashSet<String> = areas
        .iter()
        .filter(|a| kadian_domain::records::standing(a, changes, date).active)
        .map(|a| a.compound.clone())
        .collect();
    if compounds.is_empty() {
        return Ok(());
    }
    #[derive(serde::Deserialize)]
    struct HouseholdLite {
        id: Uuid,
        compound: String,
        place: HouseholdPlace,
    }
    #[derive(serde::Deserialize)]
    struct VisitLite {
        household_id: Uuid,
        date: NaiveDate,
        outcome: kadian_domain::records::HouseholdVisitOutcome,
    }
    let mut households = Vec::new();
    let mut visits = Vec::new();
    for r in db
        .clocked_records(&["household", "household_visit"])
        .await?
    {
        if r.kind == "household" {
            if let Ok(h) = serde_json::from_str::<HouseholdLite>(&r.body) {
                if compounds.contains(&h.compound) {
                    households.push(HouseholdFact {
                        id: h.id,
                        compound: h.compound,
                        place: h.place,
                    });
                }
            }
        } else if let Ok(v) = serde_json::from_str::<VisitLite>(&r.body) {
            if v.date == date {
                use kadian_domain::records::HouseholdVisitOutcome as Outcome;
                visits.push(VisitFact {
                    household: v.household_id,
                    date: v.date,
                    reached: matches!(v.outcome, Outcome::AllWell | Outcome::SomeoneUnwell),
                    unwell: v.outcome == Outcome::SomeoneUnwell,
                });
            }
        }
    }
    kadian_domain::key_areas::add_day(
        areas,
        changes,
        &households,
        &visits,
        date,
        |a| compound_unit(Some(&a.compound), Some(&a.community_code)),
        units,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn data_as_of_is_the_oldest_sync_and_unknown_when_a_device_never_synced() {
        let t = |h: u32| Utc.with_ymd_and_hms(2026, 12, 6, h, 0, 0).single();
        assert_eq!(oldest(&[t(9), t(3), t(7)]), t(3));
        assert_eq!(oldest(&[t(9), None]), None);
        assert_eq!(oldest(&[]), None);
        let now = t(12).expect("noon");
        assert!(!is_late(t(11), now));
        assert!(!is_late(t(10), now), "2 hours is not late yet");
        assert!(is_late(Some(now - chrono::Duration::minutes(121)), now));
        assert!(is_late(None, now), "never synced");
    }

    #[test]
    fn a_figure_counted_since_a_report_was_signed_is_no_late_addition_to_it() {
        let now = Figures {
            passages_in: 5,
            gate_referrals: 2,
            observation_breaches: 3,
            ..Figures::default()
        };
        // Signed before the two were counted: only the passage is late.
        let mut total = serde_json::to_value(Figures {
            passages_in: 4,
            ..Figures::default()
        })
        .expect("json");
        for name in COUNTED_LATER {
            total.as_object_mut().expect("object").remove(name);
        }
        let mut reported: Figures = serde_json::from_value(total.clone()).expect("old copy");
        assert_eq!(reported.gate_referrals, 0, "read as 0");
        let old = serde_json::json!({ "total": total }).to_string();
        counted_since(&old, &mut reported, &now);
        let (late, fewer) = now.beyond(&reported);
        assert_eq!(
            (
                late.passages_in,
                late.gate_referrals,
                late.observation_breaches,
                fewer
            ),
            (1, 0, 0, false)
        );
        // Signed with them: a referral that came late is late.
        let signed = Figures {
            passages_in: 4,
            gate_referrals: 1,
            observation_breaches: 3,
            ..Figures::default()
        };
        let body = serde_json::json!({ "total": signed }).to_string();
        let mut reported = signed;
        counted_since(&body, &mut reported, &now);
        assert_eq!(now.beyond(&reported).0.gate_referrals, 1);
    }
}
