//! 消杀 (disinfection) on a staff laptop, offline from its own store: the day's schedule of the
//! sites it holds (each slot done, due or overdue), the overdue list by kind and community, a
//! site added or changed, a disinfection recorded for a slot. Whether a slot was kept and when
//! it is overdue are `kadian_domain::disinfection`'s rules, as the server's
//! `report disinfection` counts them.

use chrono::{NaiveDateTime, NaiveTime};
use kadian_domain::disinfection::{
    day_figures, next_slot, site_day, DisinfectionFigures, SiteDay, SlotState,
};
use kadian_domain::records::{
    new_id, Disinfection, DisinfectionSite, Instant, SiteKind, Source, MAX_TIMES_PER_DAY,
};
use kadian_domain::sync::Role;
use kadian_domain::Phone;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::views::{choice, mask_phone, opt, parse_day, staff_name, write_export, ExportResult};
use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::{day_start_utc, local, CST_MINUTES};
use crate::reference::ReferenceData;

/// One slot of a site's day.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SlotView {
    /// The planned time (`08:00`); none: an untimed slot (due by the day's end).
    pub slot: Option<String>,
    /// `done`, `due` or `overdue`.
    pub state: String,
    /// Due at, China time (`08:00`; `24:00` for an untimed slot).
    pub due_at: String,
    /// Minutes since it was due, when overdue.
    #[ts(type = "number | null")]
    pub minutes_late: Option<i64>,
    /// When it was done, China time (`08:12`).
    pub done_at: Option<String>,
}

/// A site as the schedule shows it, with its slots of the day.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SiteRow {
    /// Site id.
    pub id: String,
    /// `compound_public_area`, `supermarket`, `market`, `gas_station`, `pharmacy`,
    /// `public_toilet`, `checkpoint`, `other`.
    pub kind: String,
    /// 点位名称.
    pub name: String,
    /// 地址.
    pub address: Option<String>,
    /// Its community's code; none: the street's own.
    pub community_code: Option<String>,
    /// Its compound's id.
    pub compound: Option<String>,
    /// Where it is: the compound's name, else the community's; empty: the street's own.
    pub place: String,
    /// 责任单位.
    pub responsible_unit: Option<String>,
    /// 联系人.
    pub contact_name: Option<String>,
    /// 联系电话, masked.
    pub contact_phone: Option<String>,
    /// Times a day.
    pub times_per_day: u8,
    /// The planned times (`08:00`).
    pub slot_times: Vec<String>,
    /// On the schedule from (YYYY-MM-DD).
    pub active_from: Option<String>,
    /// Until (YYYY-MM-DD).
    pub active_to: Option<String>,
    /// The day's slots (none when it is off the schedule that day).
    pub slots: Vec<SlotView>,
    /// Slots done.
    pub done: u32,
    /// Slots overdue.
    pub overdue: u32,
    /// Disinfections beyond the plan.
    pub extra: u32,
}

/// A unit's figures of the day.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DisinfectionUnitView {
    /// The community's code; none: the street's own sites.
    pub community_code: Option<String>,
    /// Its name (`八一社区`); empty for the street's own sites.
    pub name: String,
    /// Sites on the schedule.
    pub sites: u32,
    /// Slots planned.
    pub due: u32,
    /// Done.
    pub done: u32,
    /// Overdue.
    pub overdue: u32,
    /// Beyond the plan.
    pub extra: u32,
}

/// An overdue slot on the overdue list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct OverdueView {
    /// Site id.
    pub site_id: String,
    /// Its name.
    pub site_name: String,
    /// Its kind.
    pub kind: String,
    /// Where it is.
    pub place: String,
    /// The planned time; none: untimed.
    pub slot: Option<String>,
    /// Minutes since it was due.
    #[ts(type = "number")]
    pub minutes_late: i64,
}

/// The day's disinfection as this laptop holds it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DisinfectionBoard {
    /// The China day (YYYY-MM-DD).
    pub day: String,
    /// As of (China time, `2026-12-07 10:15`).
    pub as_of: String,
    /// Minutes after a slot's time before it is overdue.
    pub grace_minutes: u32,
    /// Every site held, by kind then name, with the day's slots.
    pub sites: Vec<SiteRow>,
    /// Per community (the street's own last).
    pub units: Vec<DisinfectionUnitView>,
    /// The whole of what this laptop holds.
    pub total: DisinfectionUnitView,
    /// Overdue slots, most late first.
    pub overdue: Vec<OverdueView>,
    /// The communities a site listed here may belong to (a street laptop: every community it
    /// holds; elsewhere none: a site is the laptop's own community's).
    pub communities: Vec<CommunityChoice>,
}

/// A community to choose.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CommunityChoice {
    /// Its 12-digit code.
    pub code: String,
    /// Its name.
    pub name: String,
}

/// A site added or changed on a laptop.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct SiteInput {
    /// The site to change; empty: a new one.
    #[serde(default)]
    pub id: String,
    /// Its kind (see [`SiteRow::kind`]).
    pub kind: String,
    /// 点位名称.
    pub name: String,
    /// 地址.
    #[serde(default)]
    pub address: String,
    /// The community's code (empty on a compound laptop: its own).
    #[serde(default)]
    pub community: String,
    /// The compound's id (empty: the community's own site).
    #[serde(default)]
    pub compound: String,
    /// 责任单位.
    #[serde(default)]
    pub responsible_unit: String,
    /// 联系人.
    #[serde(default)]
    pub contact_name: String,
    /// 联系电话 (a mobile or a landline); empty on a change: the one held stays (the form shows
    /// it masked).
    #[serde(default)]
    pub contact_phone: String,
    /// Times a day (1–12).
    pub times_per_day: u8,
    /// The planned times (`08:00`, `16:00`), any order.
    #[serde(default)]
    pub slots: Vec<String>,
    /// On the schedule from (YYYY-MM-DD); empty: a new site from today, a changed one as it was.
    #[serde(default)]
    pub active_from: String,
    /// Its last day on the schedule (停用, YYYY-MM-DD, included); empty: until further notice.
    #[serde(default)]
    pub active_to: String,
}

/// A disinfection recorded on a laptop.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct DisinfectionInput {
    /// The site.
    pub site_id: String,
    /// The planned time it answers (`08:00`); empty: the day's next open slot.
    #[serde(default)]
    pub slot: String,
    /// When it was done, China time (`2026-12-07 08:10`); empty: now.
    #[serde(default)]
    pub at: String,
    /// What was disinfected: `entrance`, `lift`, `stairwell`, `handrails`, `bins`, `counters`,
    /// `pumps`, `trolleys`, `toilets`.
    #[serde(default)]
    pub areas: Vec<String>,
    /// `chlorine`, `alcohol75`, `peracetic_acid`, `other`.
    pub agent: String,
    /// mg/L (a chlorine agent's available chlorine).
    #[serde(default)]
    pub concentration_mg_l: Option<u32>,
    /// `spray`, `wipe`, `fog`.
    pub method: String,
    /// `property_company`, `merchant`, `volunteers`, `street_team`, `other`.
    pub done_by: String,
    /// Who checked it.
    #[serde(default)]
    pub checked_by: String,
    /// A note.
    #[serde(default)]
    pub note: String,
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// Where a site is, by name; empty: the street's own (the screen says 街道 in its language).
fn place_of(community: Option<&str>, compound: Option<&str>, reference: &ReferenceData) -> String {
    if let Some(c) = compound.and_then(|k| reference.compounds.get(k)) {
        return c.name.clone();
    }
    community
        .map(|c| {
            reference
                .communities
                .get(c)
                .map_or_else(|| c.to_owned(), |c| c.name.clone())
        })
        .unwrap_or_default()
}

fn kind_str(k: SiteKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn site_row(s: &DisinfectionSite, d: &SiteDay, reference: &ReferenceData) -> SiteRow {
    let china = |t: chrono::DateTime<chrono::Utc>| local(t).format("%H:%M").to_string();
    SiteRow {
        id: s.id.to_string(),
        kind: kind_str(s.kind),
        name: s.name.clone(),
        address: s.address.clone(),
        community_code: s.community_code.clone(),
        compound: s.compound.clone(),
        place: place_of(
            s.community_code.as_deref(),
            s.compound.as_deref(),
            reference,
        ),
        responsible_unit: s.responsible_unit.clone(),
        contact_name: s.contact_name.clone(),
        contact_phone: s.contact_phone.as_deref().map(mask_phone),
        times_per_day: s.times_per_day,
        slot_times: s.slots.iter().map(|t| hhmm(*t)).collect(),
        active_from: s.active_from.map(|d| d.to_string()),
        active_to: s.active_to.map(|d| d.to_string()),
        slots: d
            .slots
            .iter()
            .map(|slot| {
                let (state, minutes_late, done_at) = match slot.state {
                    SlotState::Done { at, .. } => ("done", None, Some(china(at))),
                    SlotState::Due => ("due", None, None),
                    SlotState::Overdue { minutes_late } => ("overdue", Some(minutes_late), None),
                };
                SlotView {
                    slot: slot.slot.map(hhmm),
                    state: state.to_owned(),
                    due_at: slot.slot.map_or_else(|| "24:00".to_owned(), hhmm),
                    minutes_late,
                    done_at,
                }
            })
            .collect(),
        done: d.done(),
        overdue: d.overdue(),
        extra: d.extra,
    }
}

fn unit_view(f: &DisinfectionFigures, reference: &ReferenceData) -> DisinfectionUnitView {
    DisinfectionUnitView {
        community_code: f.community_code.clone(),
        name: place_of(f.community_code.as_deref(), None, reference),
        sites: f.sites,
        due: f.due,
        done: f.done,
        overdue: f.overdue,
        extra: f.extra,
    }
}

impl AppCore {
    fn disinfection_staff(&self) -> AppResult<crate::store::Enrolment> {
        let e = self.enrolled()?;
        if e.role == Role::Volunteer {
            return Err(AppError::new(
                "not_staff",
                None,
                "消杀安排只在小区、片区、社区和街道的笔记本上",
                "Disinfection is on compound, zone, community and street laptops only",
            ));
        }
        Ok(e)
    }

    /// The day's disinfection (`day` YYYY-MM-DD; empty: today, China time): every site held
    /// with its slots, the figures per community and the overdue list. Errors: `not_staff`,
    /// `invalid_date` (day).
    pub fn disinfection_board(&self, day: &str) -> AppResult<DisinfectionBoard> {
        self.disinfection_staff()?;
        let now = self.now();
        let day = match opt(day) {
            None => local(now).date(),
            Some(d) => parse_day(&d, "day")?,
        };
        let reference = self.reference()?;
        let (sites, records, (areas, changes)) = {
            let store = self.store();
            let from = day_start_utc(day);
            (
                store.disinfection_sites()?,
                store.disinfections_between(from, from + chrono::Duration::days(1))?,
                store.key_areas()?,
            )
        };
        // A key area's site as it stands that day (due while its key area is in force).
        let sites = kadian_domain::disinfection::sites_on(&sites, day, &areas, &changes);
        let grace = reference.disinfection.grace_minutes;
        let refs: Vec<&Disinfection> = records.iter().collect();
        let mut rows: Vec<(SiteKind, SiteRow)> = sites
            .iter()
            .map(|s| {
                (
                    s.kind,
                    site_row(s, &site_day(s, day, &refs, now, grace), &reference),
                )
            })
            .collect();
        rows.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
        let (figures, overdue) = day_figures(&sites, &records, day, now, grace);
        let units: Vec<DisinfectionUnitView> =
            figures.iter().map(|f| unit_view(f, &reference)).collect();
        let total = DisinfectionUnitView {
            community_code: None,
            name: "合计".to_owned(),
            sites: units.iter().map(|u| u.sites).sum(),
            due: units.iter().map(|u| u.due).sum(),
            done: units.iter().map(|u| u.done).sum(),
            overdue: units.iter().map(|u| u.overdue).sum(),
            extra: units.iter().map(|u| u.extra).sum(),
        };
        let place_by_site: std::collections::HashMap<Uuid, String> = sites
            .iter()
            .map(|s| {
                (
                    s.id,
                    place_of(
                        s.community_code.as_deref(),
                        s.compound.as_deref(),
                        &reference,
                    ),
                )
            })
            .collect();
        let street_laptop = self.enrolled()?.role == Role::Street;
        Ok(DisinfectionBoard {
            communities: reference
                .communities
                .values()
                .filter(|_| street_laptop)
                .map(|c| CommunityChoice {
                    code: c.code.clone(),
                    name: c.name.clone(),
                })
                .collect(),
            day: day.to_string(),
            as_of: local(now).format("%Y-%m-%d %H:%M").to_string(),
            grace_minutes: grace,
            sites: rows.into_iter().map(|(_, r)| r).collect(),
            units,
            total,
            overdue: overdue
                .into_iter()
                .map(|o| OverdueView {
                    site_id: o.site_id.to_string(),
                    place: place_by_site.get(&o.site_id).cloned().unwrap_or_default(),
                    site_name: o.site_name,
                    kind: kind_str(o.kind),
                    slot: o.slot.map(hhmm),
                    minutes_late: o.minutes_late,
                })
                .collect(),
        })
    }

    /// Whether this laptop may list a site at (`community`, `compound`): the street anywhere,
    /// a community in its own, a compound laptop in its compound, a zone laptop in its
    /// compounds. Errors: `not_allowed`.
    fn may_list_site(
        &self,
        staff: &crate::store::Enrolment,
        reference: &ReferenceData,
        community: &Option<String>,
        compound: &Option<String>,
    ) -> AppResult<()> {
        let s = &staff.scope;
        let ok = match staff.role {
            Role::Street => true,
            Role::Community => community.is_some() && *community == s.community,
            Role::Compound => *community == s.community && *compound == s.compound,
            Role::Zone => compound
                .as_ref()
                .is_some_and(|k| reference.compounds.contains_key(k)),
            Role::Volunteer => false,
        };
        if ok {
            Ok(())
        } else {
            Err(AppError::new(
                "not_allowed",
                Some("compound"),
                "这台设备不能在那里登记消杀点位",
                "This device cannot list a site there",
            ))
        }
    }

    /// Adds a site, or changes one held here (its schedule, contact, place): checked by the
    /// site's rules, placed in this laptop's scope (a compound laptop: its own compound).
    /// Returns the day's board. Errors: `not_staff`, `invalid_input` or `invalid_date` (the field says which),
    /// `not_found`, `not_allowed`.
    pub fn disinfection_site_save(&self, input: &SiteInput) -> AppResult<DisinfectionBoard> {
        let staff = self.disinfection_staff()?;
        let reference = self.reference()?;
        let held = match opt(&input.id) {
            None => None,
            Some(id) => {
                let site = Uuid::parse_str(&id)
                    .ok()
                    .and_then(|id| self.store().disinfection_site(id).ok().flatten());
                Some(site.ok_or_else(|| {
                    AppError::new(
                        "not_found",
                        Some("id"),
                        "这台设备上没有这个消杀点位",
                        "This device holds no such site",
                    )
                })?)
            }
        };
        let name = opt(&input.name).ok_or_else(|| {
            AppError::new(
                "invalid_input",
                Some("name"),
                "请填写点位名称",
                "Give the site's name",
            )
        })?;
        let (community, compound) = match (opt(&input.compound), opt(&input.community)) {
            (Some(k), _) => {
                let c = reference.compounds.get(&k).ok_or_else(|| {
                    AppError::new(
                        "not_found",
                        Some("compound"),
                        "这台设备没有这个小区的资料",
                        "This device holds no compound by that id",
                    )
                })?;
                (Some(c.community.clone()), Some(k))
            }
            (None, Some(c)) if reference.communities.contains_key(&c) => (Some(c), None),
            (None, Some(_)) => {
                return Err(AppError::new(
                    "not_found",
                    Some("community"),
                    "这台设备没有这个社区的资料",
                    "This device holds no community by that code",
                ))
            }
            // A compound laptop lists its own compound's sites; a community laptop its own.
            (None, None) => (staff.scope.community.clone(), staff.scope.compound.clone()),
        };
        self.may_list_site(&staff, &reference, &community, &compound)?;
        let mut slots = Vec::new();
        for raw in input.slots.iter().filter_map(|s| opt(s)) {
            let t = NaiveTime::parse_from_str(&raw.replace('：', ":"), "%H:%M").map_err(|_| {
                AppError::new(
                    "invalid_input",
                    Some("slots"),
                    &format!("时间“{raw}”请写成 08:00"),
                    &format!("Write the time “{raw}” as 08:00"),
                )
            })?;
            slots.push(t);
        }
        slots.sort();
        if slots.windows(2).any(|w| w[0] == w[1]) {
            return Err(AppError::new(
                "invalid_input",
                Some("slots"),
                "同一时间写了两次",
                "A time is written twice",
            ));
        }
        if input.times_per_day == 0
            || input.times_per_day > MAX_TIMES_PER_DAY
            || slots.len() > usize::from(input.times_per_day)
        {
            return Err(AppError::new(
                "invalid_input",
                Some("times_per_day"),
                &format!("每天 1–{MAX_TIMES_PER_DAY} 次，且不少于所写的时间数"),
                &format!("1–{MAX_TIMES_PER_DAY} times a day, no fewer than the times written"),
            ));
        }
        let contact_phone = opt(&input.contact_phone)
            .map(|raw| {
                Phone::parse(&raw).map(|p| p.value.number).map_err(|n| {
                    AppError::new(
                        "invalid_input",
                        Some("contact_phone"),
                        &n.message,
                        &n.message_en,
                    )
                })
            })
            .transpose()?
            // The form shows the phone masked: left empty on a change, the one held stays.
            .or_else(|| held.as_ref().and_then(|h| h.contact_phone.clone()));
        let day = |raw: &str, field: &str| opt(raw).map(|d| parse_day(&d, field)).transpose();
        let today = local(self.now()).date();
        // A new site is on the schedule from today: the days before were never its to keep.
        let active_from = day(&input.active_from, "active_from")?.or(match &held {
            Some(h) => h.active_from,
            None => Some(today),
        });
        let active_to = day(&input.active_to, "active_to")?;
        if let (Some(f), Some(t)) = (active_from, active_to) {
            if t < f {
                return Err(AppError::new(
                    "invalid_input",
                    Some("active_to"),
                    "停用日期不能早于开始日期",
                    "The last day is not before the first",
                ));
            }
        }
        let site = DisinfectionSite {
            id: held.as_ref().map_or_else(new_id, |h| h.id),
            kind: choice(&input.kind, "kind")?,
            name,
            address: opt(&input.address),
            community_code: community,
            compound,
            responsible_unit: opt(&input.responsible_unit),
            contact_name: opt(&input.contact_name),
            contact_phone,
            times_per_day: input.times_per_day,
            slots,
            active_from,
            active_to,
            key_area_id: held.as_ref().and_then(|h| h.key_area_id),
            recorded_by: held
                .as_ref()
                .map_or_else(|| staff_name(&staff), |h| h.recorded_by.clone()),
        };
        kadian_domain::records::check_disinfection_site(&site)
            .map_err(|n| AppError::invalid(vec![n]))?;
        self.store().write_sites(&[site], Source::User)?;
        self.written();
        self.disinfection_board("")
    }

    /// Records a disinfection at a site held here, for a planned time of the day or the next
    /// open slot, done now or at a time given (China time, not in the future). Returns the
    /// board of the day it was done. Errors: `not_staff`, `not_found`, `invalid_input`, its
    /// rules.
    pub fn disinfection_record(&self, input: &DisinfectionInput) -> AppResult<DisinfectionBoard> {
        let staff = self.disinfection_staff()?;
        let site = Uuid::parse_str(input.site_id.trim())
            .ok()
            .and_then(|id| self.store().disinfection_site(id).ok().flatten())
            .ok_or_else(|| {
                AppError::new(
                    "not_found",
                    Some("site_id"),
                    "这台设备上没有这个消杀点位",
                    "This device holds no such site",
                )
            })?;
        let now = self.now();
        let at = match opt(&input.at) {
            None => now,
            Some(raw) => {
                let t = NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M").map_err(|_| {
                    AppError::new(
                        "invalid_input",
                        Some("at"),
                        "时间请写成 2026-03-01 08:10",
                        "Write the time as 2026-03-01 08:10",
                    )
                })?;
                let utc = (t - chrono::Duration::minutes(CST_MINUTES.into())).and_utc();
                if utc > now + chrono::Duration::minutes(5) {
                    return Err(AppError::new(
                        "invalid_input",
                        Some("at"),
                        "消杀时间不能晚于现在",
                        "A disinfection is not in the future",
                    ));
                }
                utc
            }
        };
        let slot = match opt(&input.slot) {
            // The next open slot, named on the record: it keeps on every device what it kept
            // on this screen.
            None => {
                let day = local(at).date();
                let from = day_start_utc(day);
                let held = self
                    .store()
                    .disinfections_between(from, from + chrono::Duration::days(1))?;
                let refs: Vec<&Disinfection> = held.iter().collect();
                let (areas, changes) = self.store().key_areas()?;
                next_slot(
                    &kadian_domain::disinfection::site_on(&site, day, &areas, &changes),
                    &refs,
                    at,
                    self.reference()?.disinfection.grace_minutes,
                )
            }
            Some(raw) => {
                let t = NaiveTime::parse_from_str(&raw, "%H:%M").ok();
                match t.filter(|t| site.slots.contains(t)) {
                    Some(t) => Some(t),
                    None => {
                        return Err(AppError::new(
                            "invalid_input",
                            Some("slot"),
                            &format!("这个点位没有 {raw} 的消杀安排"),
                            &format!("The site has no slot at {raw}"),
                        ))
                    }
                }
            }
        };
        let areas = input
            .areas
            .iter()
            .map(|a| choice(a, "areas"))
            .collect::<AppResult<Vec<_>>>()?;
        let record = Disinfection {
            id: new_id(),
            site_id: site.id,
            slot,
            at: Instant {
                utc: at,
                offset_minutes: CST_MINUTES,
            },
            areas,
            agent: choice(&input.agent, "agent")?,
            concentration_mg_l: input.concentration_mg_l,
            method: choice(&input.method, "method")?,
            done_by: choice(&input.done_by, "done_by")?,
            checked_by: opt(&input.checked_by),
            note: opt(&input.note),
            recorded_by: staff_name(&staff),
        };
        kadian_domain::records::check_disinfection(&record)
            .map_err(|n| AppError::invalid(vec![n]))?;
        self.store().write_disinfection(&record, Source::User)?;
        self.written();
        self.disinfection_board(&local(at).date().to_string())
    }

    /// Writes the 消杀记录表 of the China days `from..=to` (YYYY-MM-DD; at most 31 days): one
    /// row per disinfection held here, by time — the day, the slot it kept (or 计划外), the site,
    /// its kind and place, the areas, agent, concentration, method, who did it and who checked.
    /// Errors: `not_staff`, `invalid_date` (from, to), `invalid_input` (a span over 31 days),
    /// `invalid_format`, `export_failed`.
    pub fn disinfection_export(
        &self,
        from: &str,
        to: &str,
        format: &str,
        dir: &std::path::Path,
    ) -> AppResult<ExportResult> {
        use kadian_registers::export::{ExportTable, ExportValue};
        self.disinfection_staff()?;
        let (from, to) = (parse_day(from, "from")?, parse_day(to, "to")?);
        if to < from || (to - from).num_days() > 30 {
            return Err(AppError::new(
                "invalid_input",
                Some("to"),
                "结束日期不能早于开始日期，且一次最多导出 31 天",
                "The last day is not before the first, and at most 31 days at once",
            ));
        }
        let reference = self.reference()?;
        let now = self.now();
        let (sites, records, (areas, changes)) = {
            let store = self.store();
            (
                store.disinfection_sites()?,
                store.disinfections_between(
                    day_start_utc(from),
                    day_start_utc(to) + chrono::Duration::days(1),
                )?,
                store.key_areas()?,
            )
        };
        let by_id: std::collections::HashMap<Uuid, &DisinfectionSite> =
            sites.iter().map(|s| (s.id, s)).collect();
        // Which slot each record kept, day by day, by the same rule the board uses.
        let mut kept: std::collections::HashMap<Uuid, Option<NaiveTime>> =
            std::collections::HashMap::new();
        let refs: Vec<&Disinfection> = records.iter().collect();
        for d in from.iter_days().take_while(|d| *d <= to) {
            for s in &kadian_domain::disinfection::sites_on(&sites, d, &areas, &changes) {
                for slot in site_day(s, d, &refs, now, reference.disinfection.grace_minutes).slots {
                    if let SlotState::Done { record, .. } = slot.state {
                        kept.insert(record, slot.slot);
                    }
                }
            }
        }
        let text = |s: Option<&str>| {
            s.map(|s| ExportValue::Text(s.to_owned()))
                .unwrap_or(ExportValue::Empty)
        };
        let rows = records
            .iter()
            .map(|d| {
                let site = by_id.get(&d.site_id);
                vec![
                    ExportValue::Text(local(d.at.utc).date().to_string()),
                    ExportValue::Text(match kept.get(&d.id) {
                        Some(Some(t)) => hhmm(*t),
                        Some(None) => "不定时".to_owned(),
                        None => "计划外".to_owned(),
                    }),
                    ExportValue::DateTime(local(d.at.utc)),
                    text(site.map(|s| s.name.as_str())),
                    text(site.map(|s| s.kind.zh())),
                    ExportValue::Text(site.map_or_else(String::new, |s| {
                        place_of(
                            s.community_code.as_deref(),
                            s.compound.as_deref(),
                            &reference,
                        )
                    })),
                    ExportValue::Text(
                        d.areas
                            .iter()
                            .map(|a| a.zh())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                    ExportValue::Text(d.agent.zh().to_owned()),
                    d.concentration_mg_l
                        .map_or(ExportValue::Empty, |c| ExportValue::Number(f64::from(c))),
                    ExportValue::Text(d.method.zh().to_owned()),
                    ExportValue::Text(d.done_by.zh().to_owned()),
                    text(d.checked_by.as_deref()),
                    ExportValue::Text(d.recorded_by.clone()),
                    text(d.note.as_deref()),
                ]
            })
            .collect();
        let table = ExportTable {
            sheet: "消杀记录表".to_owned(),
            headers: [
                "日期",
                "时段",
                "消杀时间",
                "点位名称",
                "类型",
                "所属",
                "消杀部位",
                "消毒剂",
                "浓度（mg/L）",
                "方式",
                "实施单位",
                "检查人",
                "登记人",
                "备注",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            rows,
        };
        write_export(
            &table,
            &format!(
                "消杀记录表_{}_{}",
                from.format("%Y%m%d"),
                to.format("%Y%m%d")
            ),
            format,
            dir,
            local(now),
            0,
        )
    }
}

/// A gate's disinfection on its tablet: its compound's checkpoint sites with today's slots.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct GateDisinfection {
    /// Minutes after a slot's time before it is overdue.
    pub grace_minutes: u32,
    /// The checkpoint sites of this compound, with today's slots (China time).
    pub sites: Vec<SiteRow>,
}

impl AppCore {
    /// Today's disinfection of the gates of this tablet's compound, for the volunteer on duty:
    /// each checkpoint site (卡点) with its slots done, due or overdue. Errors: `not_a_gate`,
    /// `not_signed_in`.
    pub fn disinfection_gate(&self) -> AppResult<GateDisinfection> {
        self.enrolled_checkpoint()?;
        self.on_duty()?;
        let reference = self.reference()?;
        let now = self.now();
        let day = local(now).date();
        let grace = reference.disinfection.grace_minutes;
        let (sites, records) = {
            let store = self.store();
            let from = day_start_utc(day);
            (
                store.disinfection_sites()?,
                store.disinfections_between(from, from + chrono::Duration::days(1))?,
            )
        };
        let refs: Vec<&Disinfection> = records.iter().collect();
        Ok(GateDisinfection {
            grace_minutes: grace,
            sites: sites
                .iter()
                .filter(|s| s.kind == SiteKind::Checkpoint && s.active_on(day))
                .map(|s| site_row(s, &site_day(s, day, &refs, now, grace), &reference))
                .collect(),
        })
    }

    /// Records, now, the disinfection of a checkpoint site of this compound by the volunteers
    /// on duty (the next open slot of the day): the entrance and handrails, with `agent`
    /// (`chlorine` at 500 mg/L, or `alcohol75`) by `method` (`spray`, `wipe`). Errors:
    /// `not_a_gate`, `not_signed_in`, `not_found` (no such checkpoint site here),
    /// `invalid_input` (agent, method).
    pub fn disinfection_gate_record(
        &self,
        site_id: &str,
        agent: &str,
        method: &str,
    ) -> AppResult<GateDisinfection> {
        self.enrolled_checkpoint()?;
        let shift = self.on_duty()?;
        let site = Uuid::parse_str(site_id.trim())
            .ok()
            .and_then(|id| self.store().disinfection_site(id).ok().flatten())
            .filter(|s| s.kind == SiteKind::Checkpoint && s.active_on(local(self.now()).date()))
            .ok_or_else(|| {
                AppError::new(
                    "not_found",
                    Some("site_id"),
                    "这台平板上没有这个卡点消杀点位",
                    "This tablet holds no such checkpoint site",
                )
            })?;
        let agent: kadian_domain::records::DisinfectantAgent = choice(agent, "agent")?;
        let method: kadian_domain::records::DisinfectionMethod = choice(method, "method")?;
        let at = self.now();
        let day = local(at).date();
        let held = {
            let from = day_start_utc(day);
            self.store()
                .disinfections_between(from, from + chrono::Duration::days(1))?
        };
        let refs: Vec<&Disinfection> = held.iter().collect();
        let grace = self.reference()?.disinfection.grace_minutes;
        let record = Disinfection {
            id: new_id(),
            site_id: site.id,
            slot: next_slot(&site, &refs, at, grace),
            at: Instant {
                utc: at,
                offset_minutes: CST_MINUTES,
            },
            areas: vec![
                kadian_domain::records::DisinfectedArea::Entrance,
                kadian_domain::records::DisinfectedArea::Handrails,
            ],
            concentration_mg_l: (agent == kadian_domain::records::DisinfectantAgent::Chlorine)
                .then_some(500),
            agent,
            method,
            done_by: kadian_domain::records::DisinfectedBy::Volunteers,
            checked_by: None,
            note: None,
            recorded_by: shift.volunteer_id.clone(),
        };
        kadian_domain::records::check_disinfection(&record)
            .map_err(|n| AppError::invalid(vec![n]))?;
        self.store().write_disinfection(&record, Source::User)?;
        self.written();
        self.disinfection_gate()
    }
}
