//! `kadian-server report disinfection`: a China day's disinfection per community and for the
//! street: sites on the schedule, slots due, done, overdue (a slot's time plus the street's
//! grace passed with no record), beyond the plan, and the overdue list. Counted by
//! `kadian_domain::disinfection`, as a laptop counts it. A disinfection's time is taken as
//! recorded (often typed by staff), never moved by the pushing device's measured clock error:
//! the slot it keeps is the one the laptop showed it keeping, so both say the same.

use chrono::{DateTime, NaiveDate, Utc};
use kadian_domain::disinfection::{day_figures, DisinfectionFigures, OverdueSlot};
use kadian_domain::records::{Disinfection, DisinfectionSite};
use serde::Serialize;

use crate::db::Database;

/// One community's figures (or the street's own sites').
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommunityDisinfection {
    /// Its name (`街道` for the street's own sites).
    pub name: String,
    /// Its figures (`community_code` none: the street's own).
    #[serde(flatten)]
    pub figures: DisinfectionFigures,
}

/// `report disinfection`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisinfectionOverview {
    /// The China day.
    pub date: NaiveDate,
    /// When it was counted (UTC): overdue is judged at this time.
    pub at: DateTime<Utc>,
    /// Minutes after a slot's time before it is overdue.
    pub grace_minutes: u32,
    /// The street's figures.
    pub street: DisinfectionFigures,
    /// Per community (by code), the street's own last.
    pub communities: Vec<CommunityDisinfection>,
    /// The overdue slots, most late first.
    pub overdue: Vec<OverdueSlot>,
    /// Stored bodies that no longer read (counted, not read).
    pub unreadable: usize,
}

/// The sites and disinfections the server holds, and the bodies that no longer read.
pub async fn held(
    db: &dyn Database,
) -> anyhow::Result<(Vec<DisinfectionSite>, Vec<Disinfection>, usize)> {
    let rows = db
        .clocked_records(&["disinfection_site", "disinfection"])
        .await?;
    let (mut sites, mut done, mut unreadable) = (Vec::new(), Vec::new(), 0);
    for r in rows {
        match r.kind.as_str() {
            "disinfection_site" => match serde_json::from_str::<DisinfectionSite>(&r.body) {
                Ok(s) => sites.push(s),
                Err(_) => unreadable += 1,
            },
            _ => match serde_json::from_str::<Disinfection>(&r.body) {
                Ok(d) => done.push(d),
                Err(_) => unreadable += 1,
            },
        }
    }
    Ok((sites, done, unreadable))
}

/// The key areas the server holds and their changes (a key area's site is on the schedule
/// while its key area is in force: `kadian_domain::disinfection::site_on`); bodies that no
/// longer read are left out.
pub async fn key_areas(
    db: &dyn Database,
) -> anyhow::Result<(
    Vec<kadian_domain::records::KeyArea>,
    Vec<kadian_domain::records::KeyAreaChange>,
)> {
    let (mut areas, mut changes) = (Vec::new(), Vec::new());
    for r in db.clocked_records(&["key_area", "key_area_change"]).await? {
        if r.kind == "key_area" {
            areas.extend(serde_json::from_str(&r.body).ok());
        } else {
            changes.extend(serde_json::from_str(&r.body).ok());
        }
    }
    Ok((areas, changes))
}

/// Counts the day `date` (China) at `now`.
pub async fn disinfection(
    db: &dyn Database,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<DisinfectionOverview> {
    let reference = db.reference().await?;
    let (sites, done, unreadable) = held(db).await?;
    let grace = db
        .disinfection_policy()
        .await?
        .unwrap_or_default()
        .grace_minutes;
    let (areas, changes) = key_areas(db).await?;
    let sites = kadian_domain::disinfection::sites_on(&sites, date, &areas, &changes);
    let (rows, overdue) = day_figures(&sites, &done, date, now, grace);
    let mut street = DisinfectionFigures::default();
    for f in &rows {
        street.sites += f.sites;
        street.due += f.due;
        street.done += f.done;
        street.overdue += f.overdue;
        street.extra += f.extra;
    }
    Ok(DisinfectionOverview {
        date,
        at: now,
        grace_minutes: grace,
        street,
        communities: rows
            .into_iter()
            .map(|f| CommunityDisinfection {
                name: match &f.community_code {
                    Some(c) => reference.communities.get(c).cloned().unwrap_or(c.clone()),
                    None => "街道".into(),
                },
                figures: f,
            })
            .collect(),
        overdue,
        unreadable,
    })
}

/// The overview as text: one line per community, the street's total, the overdue list.
pub fn disinfection_text(o: &DisinfectionOverview) -> String {
    let line = |name: &str, f: &DisinfectionFigures| {
        format!(
            "{name}: 点位 {} · 应消杀 {} 次 · 已完成 {} · 超时未消杀 {} · 计划外 {}",
            f.sites, f.due, f.done, f.overdue, f.extra
        )
    };
    let mut out = vec![format!(
        "消杀 {}（超过计划时间 {} 分钟未登记即为超时）",
        o.date, o.grace_minutes
    )];
    out.extend(o.communities.iter().map(|c| line(&c.name, &c.figures)));
    out.push(line("合计", &o.street));
    if !o.overdue.is_empty() {
        out.push("超时未消杀：".into());
        out.extend(o.overdue.iter().map(|s| {
            format!(
                "  {} {}（{}）已超时 {} 小时 {} 分",
                s.slot
                    .map_or_else(|| "全天".to_owned(), |t| t.format("%H:%M").to_string()),
                s.site_name,
                s.kind.zh(),
                s.minutes_late / 60,
                s.minutes_late % 60
            )
        }));
    }
    if o.unreadable > 0 {
        out.push(format!("{} 条记录无法读取，未计入", o.unreadable));
    }
    out.join("\n")
}
