//! `kadian-server report hotline`: the hotline reports received on a span of China days, per
//! community and for the street: received, checked, late on a deadline, observation opened,
//! still open, conflicting, and the median time to check. Counted by
//! `kadian_domain::hotline`, as a street laptop counts them. Deadlines run on the server's
//! time: an instant written by a device whose clock was off at its push (flagged, more than 5
//! minutes) is moved by the offset measured then; both clocks stay on the record.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use kadian_domain::hotline::{
    figures, fold, timeliness, HotlineDayFact, HotlineFigures, ReportFacts, ReportState,
};
use kadian_domain::records::{HotlineReport, ReportAction};
use serde::Serialize;
use uuid::Uuid;

use crate::db::Database;

/// One community's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommunityHotline {
    /// Its 12-digit code; none: reports still at the street (not assigned).
    pub code: Option<String>,
    /// Its name (`街道（未交办）` for those at the street).
    pub name: String,
    /// Its figures.
    pub figures: HotlineFigures,
}

/// `report hotline`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotlineOverview {
    /// The street's figures.
    pub street: HotlineFigures,
    /// Per community (by code), then those at the street.
    pub communities: Vec<CommunityHotline>,
    /// When it was counted (UTC): overdue is judged at this time.
    pub at: DateTime<Utc>,
    /// Stored bodies that no longer pass their kind's rules (counted, not read).
    pub unreadable: usize,
}

/// Every report the server holds, with its receipt on the server's clock, where it is placed
/// (community, compound) and its state; and the bodies that no longer read.
/// A report, its receipt on the server's clock, and where it is placed (community, compound).
type PlacedReport = (HotlineReport, DateTime<Utc>, Option<String>, Option<String>);

struct Held {
    reports: Vec<PlacedReport>,
    states: Vec<ReportState>,
    policy: kadian_domain::hotline::HotlinePolicy,
    unreadable: usize,
}

async fn held(db: &dyn Database) -> anyhow::Result<Held> {
    let rows = db
        .clocked_records(&["hotline_report", "report_action"])
        .await?;
    let mut reports = Vec::new();
    let mut actions: HashMap<Uuid, Vec<(ReportAction, DateTime<Utc>)>> = HashMap::new();
    let mut unreadable = 0;
    for r in rows {
        let skew = r.skew();
        match r.kind.as_str() {
            "hotline_report" => match serde_json::from_str::<HotlineReport>(&r.body) {
                Ok(h) => {
                    let received = h.received_at.utc - skew;
                    reports.push((h, received, r.community, r.compound));
                }
                Err(_) => unreadable += 1,
            },
            _ => match serde_json::from_str::<ReportAction>(&r.body) {
                Ok(a) => {
                    let at = a.at.utc - skew;
                    actions.entry(a.report_id).or_default().push((a, at));
                }
                Err(_) => unreadable += 1,
            },
        }
    }
    let states = reports
        .iter()
        .map(|(h, received, _, _)| {
            let mine = actions.get(&h.id).map(Vec::as_slice).unwrap_or(&[]);
            let times: HashMap<Uuid, DateTime<Utc>> =
                mine.iter().map(|(a, t)| (a.id, *t)).collect();
            fold(h, *received, mine.iter().map(|(a, _)| a), |a| {
                times.get(&a.id).copied().unwrap_or(a.at.utc)
            })
        })
        .collect();
    Ok(Held {
        reports,
        states,
        policy: db.hotline_policy().await?.unwrap_or_default(),
        unreadable,
    })
}

/// The reports as a day's figures read them (the 日报's 热线 columns), each counted where
/// `place` puts the (compound, community) the server placed it in.
pub async fn day_facts(
    db: &dyn Database,
    place: impl Fn(Option<&str>, Option<&str>) -> kadian_domain::figures::Unit,
) -> anyhow::Result<Vec<HotlineDayFact>> {
    let h = held(db).await?;
    Ok(h.reports
        .iter()
        .zip(&h.states)
        .map(|((r, received, community, compound), s)| {
            let unit = place(compound.as_deref(), community.as_deref());
            HotlineDayFact::new(unit, r, *received, s, &h.policy)
        })
        .collect())
}

/// Counts the reports received on `from`..=`to` (China days) at `now`.
pub async fn hotline(
    db: &dyn Database,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<HotlineOverview> {
    let reference = db.reference().await?;
    let Held {
        reports,
        states,
        policy,
        unreadable,
    } = held(db).await?;
    let facts = |pick: &dyn Fn(&Option<String>) -> bool| {
        reports
            .iter()
            .zip(&states)
            .filter(|((_, _, c, _), _)| pick(c))
            .map(|((h, received, _, _), s)| ReportFacts {
                received: *received,
                state: s,
                timeliness: timeliness(&policy, h, *received, s, now),
            })
            .collect::<Vec<_>>()
    };
    let street = figures(facts(&|_| true), from, to);
    let mut codes: BTreeMap<Option<String>, ()> = BTreeMap::new();
    for (_, _, c, _) in &reports {
        codes.insert(c.clone(), ());
    }
    let mut communities: Vec<CommunityHotline> = codes
        .into_keys()
        .map(|code| CommunityHotline {
            name: match &code {
                Some(c) => reference.communities.get(c).cloned().unwrap_or(c.clone()),
                None => "街道（未交办）".into(),
            },
            figures: figures(facts(&|c| *c == code), from, to),
            code,
        })
        .filter(|c| c.figures.received > 0)
        .collect();
    // Those at the street after the communities.
    communities.sort_by_key(|c| (c.code.is_none(), c.code.clone()));
    Ok(HotlineOverview {
        street,
        communities,
        at: now,
        unreadable,
    })
}

/// The overview as text: one line per community and the street's total.
pub fn hotline_text(o: &HotlineOverview) -> String {
    let line = |name: &str, f: &HotlineFigures| {
        format!(
            "{name}: 接报 {} · 已核查 {} · 超时 {} · 落实居家观察 {} · 未办结 {} · 结果冲突 {} · 核查用时中位数 {}",
            f.received,
            f.checked,
            f.overdue,
            f.observation_opened,
            f.open,
            f.conflicting,
            f.median_minutes_to_check
                .map(|m| format!("{m} 分钟"))
                .unwrap_or_else(|| "—".into())
        )
    };
    let mut out: Vec<String> = o
        .communities
        .iter()
        .map(|c| line(&c.name, &c.figures))
        .collect();
    out.push(line("合计", &o.street));
    if o.unreadable > 0 {
        out.push(format!("{} stored records could not be read", o.unreadable));
    }
    out.join("\n")
}
