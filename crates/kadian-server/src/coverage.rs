//! `kadian-server report coverage`: the street's screening coverage (村不漏户、户不漏人) on a China
//! day, per compound: households on the register and screened, residents on the register and
//! accounted for. The rules are `kadian_domain::coverage`'s (a laptop's 排查覆盖 counts the same
//! way); here a resident is placed where the server placed them (their household's compound
//! first), and the evidence is every passage, screening and follow-up visit of the window the
//! server holds.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};
use kadian_domain::coverage::{self, Coverage, HouseholdFact, ResidentFact, ACCOUNTED_WINDOW_DAYS};
use kadian_domain::figures::{china_day_start, Unit};
use kadian_domain::observation::VisitOutcome;
use kadian_domain::records::{CorrectionAction, HouseholdKind, PersonCategory, PersonLink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Database;

/// One compound's coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundCoverage {
    /// Its community's 12-digit code.
    pub community_code: String,
    /// Its community's name.
    pub community: String,
    /// The compound's id.
    pub compound_id: String,
    /// Its name (`八一新苑`, `季庄村`).
    pub compound: String,
    /// The figures.
    #[serde(flatten)]
    pub coverage: Coverage,
    /// 户覆盖率 (%), none without households.
    pub household_rate: Option<f64>,
}

/// The coverage report of a China day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageReport {
    /// The China day.
    pub date: NaiveDate,
    /// The first day of the evidence window (the day and the six before).
    pub window_from: NaiveDate,
    /// Days in the window.
    pub window_days: u64,
    /// The community asked for, if one was.
    pub community_code: Option<String>,
    /// One row per compound, by community code and compound name.
    pub rows: Vec<CompoundCoverage>,
    /// The sum of the rows.
    pub total: Coverage,
    /// 户覆盖率 of the total (%).
    pub household_rate: Option<f64>,
    /// Residents and households the street's layout cannot place (street-wide only; none with
    /// a community).
    pub unplaced: Coverage,
    /// Stored records that could not be read, left out.
    pub unreadable: usize,
}

/// What coverage reads of a person.
#[derive(Deserialize)]
struct PersonLite {
    id: Uuid,
    category: PersonCategory,
    #[serde(default)]
    community_code: Option<String>,
    #[serde(default)]
    compound: Option<String>,
    #[serde(default)]
    household: Option<Uuid>,
    #[serde(default)]
    living_here: Option<bool>,
}

/// Of a household.
#[derive(Deserialize)]
struct HouseholdLite {
    id: Uuid,
    community_code: String,
    compound: String,
    #[serde(default)]
    kind: Option<HouseholdKind>,
}

/// Of a passage.
#[derive(Deserialize)]
struct PassageLite {
    id: Uuid,
    person_id: Option<Uuid>,
    at: kadian_domain::records::Instant,
}

/// Of a follow-up visit.
#[derive(Deserialize)]
struct VisitLite {
    case_id: Uuid,
    date: NaiveDate,
    outcome: VisitOutcome,
}

/// Of a screening: who it named, and when.
#[derive(Deserialize)]
struct ScreeningLite {
    household_id: Uuid,
    at: kadian_domain::records::Instant,
    members: Vec<ScreenedLite>,
}

/// A member a screening named.
#[derive(Deserialize)]
struct ScreenedLite {
    person_id: Uuid,
}

/// Of a household visit: who it saw, on which day.
#[derive(Deserialize)]
struct HouseholdVisitLite {
    household_id: Uuid,
    date: NaiveDate,
    seen: Vec<ScreenedLite>,
}

/// Of a case.
#[derive(Deserialize)]
struct CaseLite {
    id: Uuid,
    person_id: Uuid,
}

/// Of a correction.
#[derive(Deserialize)]
struct CorrectionLite {
    target_id: Uuid,
    action: CorrectionAction,
}

/// The coverage of `date` (a China day), street-wide or of one `community`. Errors: the
/// database's; an unknown community.
pub async fn coverage(
    db: &dyn Database,
    date: NaiveDate,
    community: Option<&str>,
) -> anyhow::Result<CoverageReport> {
    let reference = db.reference().await?;
    if let Some(c) = community.filter(|c| !reference.communities.contains_key(*c)) {
        anyhow::bail!("unknown community {c}");
    }
    let window_from = coverage::window_start(date);
    let (units, unreadable) = units(db, date, &reference).await?;
    let mut rows: Vec<CompoundCoverage> = reference
        .compounds
        .iter()
        .filter(|(_, (c, _))| community.is_none_or(|want| want == c))
        .filter(|(id, _)| {
            reference.retired_at(id).is_none()
                || units.contains_key(&Unit::Compound((*id).as_str().into()))
        })
        .map(|(id, (c, name))| {
            let cov = units
                .get(&Unit::Compound(id.as_str().into()))
                .copied()
                .unwrap_or_default();
            CompoundCoverage {
                community_code: c.clone(),
                community: reference.communities.get(c).cloned().unwrap_or_default(),
                compound_id: id.clone(),
                compound: name.clone(),
                household_rate: cov.household_rate(),
                coverage: cov,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.community_code, &a.compound, &a.compound_id).cmp(&(
            &b.community_code,
            &b.compound,
            &b.compound_id,
        ))
    });
    let mut total = Coverage::default();
    for r in &rows {
        total += r.coverage;
    }
    // Residents placed in a community without a compound count in its total.
    let mut unplaced = Coverage::default();
    for (unit, c) in &units {
        match unit {
            Unit::Community(code) if community.is_none_or(|want| want == &**code) => total += *c,
            Unit::Unplaced if community.is_none() => {
                total += *c;
                unplaced += *c;
            }
            _ => {}
        }
    }
    Ok(CoverageReport {
        date,
        window_from,
        window_days: ACCOUNTED_WINDOW_DAYS,
        community_code: community.map(str::to_owned),
        rows,
        household_rate: total.household_rate(),
        total,
        unplaced,
        unreadable,
    })
}

/// Coverage of `date` per unit (a compound, a community for residents placed in no compound,
/// or nowhere the layout knows), and how many stored records could not be read. The daily
/// report's 排查 columns and `report coverage` both count with it. Errors: the database's.
pub async fn units(
    db: &dyn Database,
    date: NaiveDate,
    reference: &crate::rules::Reference,
) -> anyhow::Result<(HashMap<Unit, Coverage>, usize)> {
    let window_from = coverage::window_start(date);
    let from = china_day_start(window_from);
    let to = china_day_start(date.checked_add_days(Days::new(1)).unwrap_or(date));
    let mut unreadable = 0;
    let mut persons = Vec::new();
    let mut households: Vec<(HouseholdLite, Option<String>)> = Vec::new();
    let mut passages = Vec::new();
    let mut visits = Vec::new();
    let mut screenings = Vec::new();
    let mut household_visits = Vec::new();
    let mut links: Vec<PersonLink> = Vec::new();
    let mut case_person: HashMap<Uuid, Uuid> = HashMap::new();
    let mut voided: HashSet<Uuid> = HashSet::new();
    // A visit counts by the day it is for, which may be a day before it was recorded, or up to
    // 60 days before (typed in late): read from a day before the window to 61 days after it
    // (passages and screenings are kept to the window below).
    // Each record is parsed as it arrives (PostgreSQL streams them).
    let mut parse = |r: crate::db::PlacedRecord| {
        let ok = match r.kind.as_str() {
            "person" => serde_json::from_str::<PersonLite>(&r.body)
                .map(|p| persons.push((p, r.community, r.compound)))
                .is_ok(),
            "household" => serde_json::from_str::<HouseholdLite>(&r.body)
                .map(|h| households.push((h, r.compound)))
                .is_ok(),
            "passage" => serde_json::from_str::<PassageLite>(&r.body)
                .map(|p| passages.push(p))
                .is_ok(),
            "screening" => serde_json::from_str::<ScreeningLite>(&r.body)
                .map(|s| screenings.push(s))
                .is_ok(),
            "person_link" => serde_json::from_str::<PersonLink>(&r.body)
                .map(|l| links.push(l))
                .is_ok(),
            "household_visit" => serde_json::from_str::<HouseholdVisitLite>(&r.body)
                .map(|v| household_visits.push(v))
                .is_ok(),
            "follow_up_visit" => serde_json::from_str::<VisitLite>(&r.body)
                .map(|v| visits.push(v))
                .is_ok(),
            "observation_case" => serde_json::from_str::<CaseLite>(&r.body)
                .map(|c| {
                    case_person.insert(c.id, c.person_id);
                })
                .is_ok(),
            "correction" => serde_json::from_str::<CorrectionLite>(&r.body)
                .map(|c| {
                    if matches!(c.action, CorrectionAction::Void | CorrectionAction::Amend) {
                        voided.insert(c.target_id);
                    }
                })
                .is_ok(),
            _ => true,
        };
        if !ok {
            unreadable += 1;
        }
    };
    db.coverage_records(
        from - chrono::Duration::days(1),
        to,
        to + chrono::Duration::days(61),
        &mut parse,
    )
    .await?;
    // A screening or household visit accounts only for members of the household it is of: a
    // record naming anyone else (a bug, or a hostile device) accounts for nobody else.
    let household_of: HashMap<Uuid, Option<Uuid>> = persons
        .iter()
        .map(|(p, _, _)| (p.id, p.household))
        .collect();
    let member_of = |person: &Uuid, household: &Uuid| {
        household_of
            .get(person)
            .is_some_and(|h| *h == Some(*household))
    };
    // The evidence: persons seen within the window.
    let mut seen: HashSet<Uuid> = passages
        .iter()
        .filter(|p| !voided.contains(&p.id) && p.at.utc >= from && p.at.utc < to)
        .filter_map(|p| p.person_id)
        .collect();
    seen.extend(
        screenings
            .iter()
            .filter(|s| s.at.utc >= from && s.at.utc < to)
            .flat_map(|s| {
                s.members
                    .iter()
                    .map(|m| m.person_id)
                    .filter(|p| member_of(p, &s.household_id))
            }),
    );
    seen.extend(
        household_visits
            .iter()
            .filter(|v| v.date >= window_from && v.date <= date)
            .flat_map(|v| {
                v.seen
                    .iter()
                    .map(|m| m.person_id)
                    .filter(|p| member_of(p, &v.household_id))
            }),
    );
    seen.extend(
        visits
            .iter()
            .filter(|v| {
                matches!(v.outcome, VisitOutcome::SeenWell | VisitOutcome::SeenUnwell)
                    && v.date >= window_from
                    && v.date <= date
            })
            .filter_map(|v| case_person.get(&v.case_id).copied()),
    );
    let compound_unit =
        |compound: Option<&str>, community: Option<&str>| match (compound, community) {
            (Some(c), _) if reference.compounds.contains_key(c) => Unit::Compound(c.into()),
            (_, Some(c)) if reference.communities.contains_key(c) => Unit::Community(c.into()),
            _ => Unit::Unplaced,
        };
    let household_unit: HashMap<Uuid, Unit> = households
        .iter()
        .map(|(h, placed)| {
            (
                h.id,
                compound_unit(
                    placed.as_deref().or(Some(h.compound.as_str())),
                    Some(&h.community_code),
                ),
            )
        })
        .collect();
    // Where each person a link names is counted (visitors too): a link counts only within one
    // unit (`coverage::links_within`).
    let named: HashSet<Uuid> = links
        .iter()
        .flat_map(|l| [l.person_id, l.same_as])
        .collect();
    // By the record's own place, as a laptop reads it (its household's compound, else the
    // compound it names by id or by name, else its community), not by where the server put a
    // record that names none: both sides then apply the same links.
    let unit_of: HashMap<Uuid, Unit> = persons
        .iter()
        .filter(|(p, _, _)| named.contains(&p.id))
        .map(|(p, _, _)| {
            let own = || {
                let community = p.community_code.as_deref();
                // By id, else by name within its community (as `AppCore::coverage_count`).
                let compound = p.compound.as_deref().and_then(|c| {
                    if reference.compounds.contains_key(c) {
                        Some(c.to_owned())
                    } else {
                        community.and_then(|m| reference.compound_named(m, c))
                    }
                });
                compound_unit(compound.as_deref(), community)
            };
            (
                p.id,
                p.household
                    .and_then(|h| household_unit.get(&h).cloned())
                    .unwrap_or_else(own),
            )
        })
        .collect();
    let mut residents: Vec<ResidentFact> = persons
        .into_iter()
        .filter(|(p, _, _)| p.category != PersonCategory::Visitor)
        .map(|(p, community, compound)| ResidentFact {
            id: p.id,
            unit: p
                .household
                .and_then(|h| household_unit.get(&h).cloned())
                .unwrap_or_else(|| compound_unit(compound.as_deref(), community.as_deref())),
            household: p.household,
            away: p.living_here == Some(false),
        })
        .collect();
    let household_facts: Vec<HouseholdFact> = households
        .iter()
        .map(|(h, _)| HouseholdFact {
            id: h.id,
            unit: household_unit.get(&h.id).cloned().unwrap_or(Unit::Unplaced),
            vacant: h.kind == Some(HouseholdKind::Vacant),
        })
        .collect();
    // Staff's links of person records: one person counted once, seen under either record.
    coverage::apply_links(
        &mut residents,
        &mut seen,
        &coverage::links_within(&links, &unit_of),
    );
    let (units, _) = coverage::count(&residents, &household_facts, &seen);
    Ok((units, unreadable))
}

/// The report as a table for people: a line per compound and the total.
pub fn coverage_text(r: &CoverageReport) -> String {
    use unicode_width::UnicodeWidthStr;
    let pad_right = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.width())));
    let pad_left = |s: &str, w: usize| format!("{}{s}", " ".repeat(w.saturating_sub(s.width())));
    let mut out = format!(
        "排查覆盖 {}（证据窗口 {} 至 {}，{} 天：卡点出入、随访见到本人）\n",
        r.date, r.window_from, r.date, r.window_days
    );
    let heads = [
        "登记户",
        "已排查户",
        "部分",
        "未见户",
        "空置",
        "户覆盖率",
        "登记人",
        "已掌握人",
        "外出",
    ];
    let width = r
        .rows
        .iter()
        .map(|x| x.community.width() + x.compound.width() + 1)
        .max()
        .unwrap_or(8)
        .max(8);
    let mut head = pad_right("社区 小区", width);
    for h in heads {
        head.push(' ');
        head.push_str(&pad_left(h, h.width().max(6)));
    }
    out.push_str(&head);
    out.push('\n');
    let line = |name: &str, c: &Coverage| {
        let rate = c
            .household_rate()
            .map_or_else(|| "—".to_owned(), |p| format!("{p:.1}%"));
        let values = [
            c.households_registered.to_string(),
            c.households_screened.to_string(),
            c.households_partial.to_string(),
            c.households_silent.to_string(),
            c.households_vacant.to_string(),
            rate,
            c.persons_registered.to_string(),
            c.persons_accounted.to_string(),
            c.persons_away.to_string(),
        ];
        let mut l = pad_right(name, width);
        for (h, v) in heads.iter().zip(values) {
            l.push(' ');
            l.push_str(&pad_left(&v, h.width().max(6)));
        }
        l.push('\n');
        l
    };
    for row in &r.rows {
        out.push_str(&line(
            &format!("{} {}", row.community, row.compound),
            &row.coverage,
        ));
    }
    out.push_str(&line("合计", &r.total));
    if r.unreadable > 0 {
        out.push_str(&format!("{} 条记录无法读取，未计入\n", r.unreadable));
    }
    out
}
