//! Disinfection derived, never stored: which of a site's slots of a day were kept, which are
//! still due and which are overdue (a slot's time plus the street's grace passed with no
//! record), and the day's figures per community. One set of rules for the server's
//! `report disinfection` and a laptop's schedule, so both say the same.
//!
//! Times: instants are UTC; a slot's planned time and a day are China time (UTC+8). A slot
//! without a planned time is due by the end of its China day.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::figures::{china_date, china_day_start};
use crate::records::{Disinfection, DisinfectionSite, SiteKind};

/// The street's grace before a slot is overdue, minutes (the plan's default: 2 hours).
pub const DEFAULT_GRACE_MINUTES: u32 = 120;

/// Longest grace a street may set: 12 hours, in minutes (a slot later than that is no slot).
pub const MAX_GRACE_MINUTES: u32 = 12 * 60;

/// The street's disinfection setting (`kadian-server disinfection policy`): how long after its
/// planned time a slot with no record is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisinfectionPolicy {
    /// Minutes after a slot's time (and after the day's end for an untimed slot): 10 to
    /// [`MAX_GRACE_MINUTES`].
    pub grace_minutes: u32,
}

impl DisinfectionPolicy {
    /// The id of its reference row (kind `disinfection_policy`, placed nowhere: every device
    /// pulls it; absent, every device uses the default).
    pub const ID: &'static str = "disinfection_policy";
}

impl Default for DisinfectionPolicy {
    fn default() -> Self {
        DisinfectionPolicy {
            grace_minutes: DEFAULT_GRACE_MINUTES,
        }
    }
}

/// A setting devices can keep: a grace of 10 minutes to 12 hours. Errors: `invalid_policy`.
pub fn check_disinfection_policy(p: &DisinfectionPolicy) -> Result<(), crate::Notice> {
    if (10..=MAX_GRACE_MINUTES).contains(&p.grace_minutes) {
        Ok(())
    } else {
        Err(crate::Notice::error(
            crate::Field::Record,
            "invalid_policy",
            format!("消杀宽限时间应在 10–{MAX_GRACE_MINUTES} 分钟之间"),
            format!("The disinfection grace is 10–{MAX_GRACE_MINUTES} minutes"),
        ))
    }
}

/// A site as it stands on `day`: a key area's site (its full disinfection, 全面消杀) is on the
/// schedule only while its key area is in force ([`crate::records::standing`]); on a day it is
/// not, the site is returned ending the day before, so every rule here finds it off the
/// schedule. Any other site, or one whose key area this device does not hold, as it is.
pub fn site_on(
    site: &DisinfectionSite,
    day: NaiveDate,
    areas: &[crate::records::KeyArea],
    changes: &[crate::records::KeyAreaChange],
) -> DisinfectionSite {
    let in_force = site.key_area_id.and_then(|id| {
        areas
            .iter()
            .find(|a| a.id == id)
            .map(|a| crate::records::standing(a, changes, day).active)
    });
    let mut s = site.clone();
    if in_force == Some(false) {
        s.active_to = day.pred_opt();
    }
    s
}

/// Every site as it stands on `day` ([`site_on`]).
pub fn sites_on(
    sites: &[DisinfectionSite],
    day: NaiveDate,
    areas: &[crate::records::KeyArea],
    changes: &[crate::records::KeyAreaChange],
) -> Vec<DisinfectionSite> {
    sites
        .iter()
        .map(|s| site_on(s, day, areas, changes))
        .collect()
}

/// Where a slot of a day stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SlotState {
    /// Done: the disinfection that kept it.
    Done {
        /// The disinfection.
        record: Uuid,
        /// When it was done (UTC).
        at: DateTime<Utc>,
    },
    /// Not done, its time and grace not yet passed.
    Due,
    /// Not done, its time and grace passed.
    Overdue {
        /// Whole minutes since its planned time (not since the grace ran out).
        minutes_late: i64,
    },
}

/// One slot of a site's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotStatus {
    /// Its planned time (China); none: an untimed slot, due by the end of the day.
    pub slot: Option<NaiveTime>,
    /// When it is due (UTC): the planned time, or the day's end.
    pub due_at: DateTime<Utc>,
    /// Where it stands.
    pub state: SlotState,
}

/// A site's day: its slots and the disinfections beyond them (done twice, or more often than
/// planned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteDay {
    /// The slots, timed ones in time order then the untimed ones.
    pub slots: Vec<SlotStatus>,
    /// Disinfections of the day that kept no slot.
    pub extra: u32,
}

impl SiteDay {
    /// Slots done.
    pub fn done(&self) -> u32 {
        self.count(|s| matches!(s, SlotState::Done { .. }))
    }

    /// Slots overdue.
    pub fn overdue(&self) -> u32 {
        self.count(|s| matches!(s, SlotState::Overdue { .. }))
    }

    fn count(&self, f: impl Fn(&SlotState) -> bool) -> u32 {
        u32::try_from(self.slots.iter().filter(|s| f(&s.state)).count()).unwrap_or(u32::MAX)
    }
}

/// The slots of `site` on the China day `day`, kept by `records` (the site's disinfections; the
/// others and those of other days are left out), as they stand at `now` with `grace_minutes`.
/// A site not on the schedule that day has no slots.
///
/// Records are taken in time order. One naming a planned time keeps that slot if it is open,
/// else it counts beyond the plan (two laptops recording one slot: the earlier keeps it; a
/// missed slot is never hidden by a second record of another). One naming no slot (or a time
/// the schedule no longer has) keeps the earliest open timed slot due by its time plus the
/// grace, else an untimed slot, else it counts beyond the plan. (A laptop names the slot it
/// records, [`next_slot`]: records without one come from elsewhere.)
pub fn site_day(
    site: &DisinfectionSite,
    day: NaiveDate,
    records: &[&Disinfection],
    now: DateTime<Utc>,
    grace_minutes: u32,
) -> SiteDay {
    if !site.active_on(day) {
        return SiteDay {
            slots: Vec::new(),
            extra: 0,
        };
    }
    let start = china_day_start(day);
    let end = china_day_start(day.succ_opt().unwrap_or(day));
    let grace = Duration::minutes(i64::from(grace_minutes));
    let mut slots: Vec<(Option<NaiveTime>, DateTime<Utc>, Option<&Disinfection>)> = site
        .slots
        .iter()
        .map(|t| (Some(*t), start + (*t - NaiveTime::MIN), None))
        .collect();
    let untimed = usize::from(site.times_per_day).saturating_sub(site.slots.len());
    slots.extend((0..untimed).map(|_| (None, end, None)));
    let mut todays: Vec<&Disinfection> = records
        .iter()
        .copied()
        .filter(|d| d.site_id == site.id && china_date(d.at.utc) == day)
        .collect();
    todays.sort_by_key(|a| (a.at.utc, a.id));
    let named = |d: &Disinfection| d.slot.filter(|t| site.slots.contains(t));
    let mut extra = 0u32;
    for d in todays.iter().filter(|d| named(d).is_some()) {
        match slots
            .iter_mut()
            .find(|s| s.0.is_some() && s.0 == d.slot && s.2.is_none())
        {
            Some(s) => s.2 = Some(d),
            None => extra += 1,
        }
    }
    for d in todays.iter().filter(|d| named(d).is_none()) {
        let timed = slots
            .iter()
            .position(|s| s.0.is_some() && s.2.is_none() && s.1 <= d.at.utc + grace);
        let open = timed.or_else(|| slots.iter().position(|s| s.0.is_none() && s.2.is_none()));
        match open {
            Some(i) => slots[i].2 = Some(d),
            None => extra += 1,
        }
    }
    SiteDay {
        slots: slots
            .into_iter()
            .map(|(slot, due_at, kept)| SlotStatus {
                slot,
                due_at,
                state: match kept {
                    Some(d) => SlotState::Done {
                        record: d.id,
                        at: d.at.utc,
                    },
                    None if now > due_at + grace => SlotState::Overdue {
                        minutes_late: (now - due_at).num_minutes(),
                    },
                    None => SlotState::Due,
                },
            })
            .collect(),
        extra,
    }
}

/// The slot a disinfection done at `at` keeps when it names none, by [`site_day`]'s rule: the
/// earliest open timed slot of its China day due by `at` plus the grace; none when that is an
/// untimed slot or nothing is open (it counts beyond the plan). A laptop stores it on the
/// record, so the record keeps what it kept on the screen wherever it arrives.
pub fn next_slot(
    site: &DisinfectionSite,
    records: &[&Disinfection],
    at: DateTime<Utc>,
    grace_minutes: u32,
) -> Option<NaiveTime> {
    let day = china_date(at);
    let grace = Duration::minutes(i64::from(grace_minutes));
    site_day(site, day, records, at, grace_minutes)
        .slots
        .into_iter()
        .find(|s| {
            s.slot.is_some() && !matches!(s.state, SlotState::Done { .. }) && s.due_at <= at + grace
        })
        .and_then(|s| s.slot)
}

/// A community's (or the street's own) disinfection on a day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisinfectionFigures {
    /// The community's code; none: the street's own sites.
    pub community_code: Option<String>,
    /// Sites on the schedule that day.
    pub sites: u32,
    /// Slots planned.
    pub due: u32,
    /// Slots done.
    pub done: u32,
    /// Slots overdue.
    pub overdue: u32,
    /// Disinfections beyond the plan.
    pub extra: u32,
}

/// An overdue slot, for the overdue list (most late first, then by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueSlot {
    /// The site.
    pub site_id: Uuid,
    /// Its name.
    pub site_name: String,
    /// Its kind.
    pub kind: SiteKind,
    /// Its community; none: the street's own.
    pub community_code: Option<String>,
    /// The planned time; none: an untimed slot.
    pub slot: Option<NaiveTime>,
    /// Whole minutes since it was due.
    pub minutes_late: i64,
}

/// The day's figures per community (in code order, the street's own last) and the overdue
/// slots (most late first), for `sites` and their `records` at `now`.
pub fn day_figures(
    sites: &[DisinfectionSite],
    records: &[Disinfection],
    day: NaiveDate,
    now: DateTime<Utc>,
    grace_minutes: u32,
) -> (Vec<DisinfectionFigures>, Vec<OverdueSlot>) {
    let mut by_site: std::collections::HashMap<Uuid, Vec<&Disinfection>> =
        std::collections::HashMap::new();
    for d in records {
        by_site.entry(d.site_id).or_default().push(d);
    }
    let mut rows: std::collections::BTreeMap<(bool, Option<String>), DisinfectionFigures> =
        std::collections::BTreeMap::new();
    let mut overdue = Vec::new();
    for site in sites {
        let recs = by_site.get(&site.id).map(Vec::as_slice).unwrap_or(&[]);
        let d = site_day(site, day, recs, now, grace_minutes);
        if d.slots.is_empty() {
            continue;
        }
        let key = (site.community_code.is_none(), site.community_code.clone());
        let f = rows.entry(key).or_insert_with(|| DisinfectionFigures {
            community_code: site.community_code.clone(),
            ..DisinfectionFigures::default()
        });
        f.sites += 1;
        f.due += u32::try_from(d.slots.len()).unwrap_or(u32::MAX);
        f.done += d.done();
        f.overdue += d.overdue();
        f.extra += d.extra;
        for s in &d.slots {
            if let SlotState::Overdue { minutes_late } = s.state {
                overdue.push(OverdueSlot {
                    site_id: site.id,
                    site_name: site.name.clone(),
                    kind: site.kind,
                    community_code: site.community_code.clone(),
                    slot: s.slot,
                    minutes_late,
                });
            }
        }
    }
    overdue.sort_by(|a, b| {
        b.minutes_late
            .cmp(&a.minutes_late)
            .then_with(|| a.site_name.cmp(&b.site_name))
    });
    (rows.into_values().collect(), overdue)
}

/// Adds the China day `date`'s disinfection to `units` (the 日报's 消杀 columns and a laptop's
/// 概况): per site on the schedule that day, in its unit, 应消杀点位 (1), 已完成 (every slot
/// done) and 逾期 (a slot overdue at `now`). One rule for the server's 日报 and the laptops.
pub fn add_day(
    sites: &[(crate::figures::Unit, DisinfectionSite)],
    records: &[Disinfection],
    date: NaiveDate,
    now: DateTime<Utc>,
    grace_minutes: u32,
    units: &mut std::collections::HashMap<crate::figures::Unit, crate::figures::Figures>,
) {
    let mut by_site: std::collections::HashMap<Uuid, Vec<&Disinfection>> =
        std::collections::HashMap::new();
    for d in records {
        by_site.entry(d.site_id).or_default().push(d);
    }
    for (unit, site) in sites {
        let recs = by_site.get(&site.id).map(Vec::as_slice).unwrap_or(&[]);
        let d = site_day(site, date, recs, now, grace_minutes);
        if d.slots.is_empty() {
            continue;
        }
        let u = units.entry(unit.clone()).or_default();
        u.disinfection_sites += 1;
        u.disinfection_sites_done +=
            u32::from(usize::try_from(d.done()).is_ok_and(|n| n == d.slots.len()));
        u.disinfection_sites_overdue += u32::from(d.overdue() > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{DisinfectantAgent, DisinfectedBy, DisinfectionMethod, Instant};

    fn site(slots: &[&str], times: u8) -> DisinfectionSite {
        DisinfectionSite {
            id: Uuid::from_u128(1),
            kind: SiteKind::Supermarket,
            name: "丹尼斯超市".into(),
            address: None,
            community_code: Some("411402001018".into()),
            compound: None,
            responsible_unit: None,
            contact_name: None,
            contact_phone: None,
            times_per_day: times,
            slots: slots
                .iter()
                .map(|s| NaiveTime::parse_from_str(s, "%H:%M").unwrap())
                .collect(),
            active_from: None,
            active_to: None,
            key_area_id: None,
            recorded_by: "test".into(),
        }
    }

    fn done(n: u128, at: &str, slot: Option<&str>) -> Disinfection {
        Disinfection {
            id: Uuid::from_u128(100 + n),
            site_id: Uuid::from_u128(1),
            slot: slot.map(|s| NaiveTime::parse_from_str(s, "%H:%M").unwrap()),
            at: Instant {
                utc: at.parse().unwrap(),
                offset_minutes: 480,
            },
            areas: Vec::new(),
            agent: DisinfectantAgent::Chlorine,
            concentration_mg_l: Some(500),
            method: DisinfectionMethod::Spray,
            done_by: DisinfectedBy::Merchant,
            checked_by: None,
            note: None,
            recorded_by: "test".into(),
        }
    }

    const DAY: &str = "2026-02-10";

    #[test]
    fn a_slot_is_overdue_only_once_its_grace_has_passed() {
        let s = site(&["08:00", "16:00"], 2);
        let day = DAY.parse().unwrap();
        // 10:00 China = 02:00 UTC: 08:00 + 2 h exactly, not yet overdue.
        let at_ten = "2026-02-10T02:00:00Z".parse().unwrap();
        let d = site_day(&s, day, &[], at_ten, DEFAULT_GRACE_MINUTES);
        assert_eq!(d.slots[0].state, SlotState::Due);
        let later = "2026-02-10T02:01:00Z".parse().unwrap();
        let d = site_day(&s, day, &[], later, DEFAULT_GRACE_MINUTES);
        assert_eq!(d.slots[0].state, SlotState::Overdue { minutes_late: 121 });
        assert_eq!(d.slots[1].state, SlotState::Due);
    }

    #[test]
    fn a_second_record_for_a_kept_slot_is_extra_and_never_hides_a_missed_one() {
        let s = site(&["08:00", "16:00"], 3);
        let day = DAY.parse().unwrap();
        let r = [
            // 16:05 and 16:10 China, both for 16:00: the second is beyond the plan.
            done(1, "2026-02-10T08:05:00Z", Some("16:00")),
            done(2, "2026-02-10T08:10:00Z", Some("16:00")),
            // 17:00 China, no slot named: 08:00 is open and due by then: kept late.
            done(3, "2026-02-10T09:00:00Z", None),
            // 17:30, no slot: nothing timed open; the untimed slot.
            done(4, "2026-02-10T09:30:00Z", None),
            // 18:00, no slot, nothing open: beyond the plan.
            done(6, "2026-02-10T10:00:00Z", None),
            // The day before in China (23:59 on the 9th): not this day's.
            done(5, "2026-02-09T15:59:00Z", Some("08:00")),
        ];
        let refs: Vec<&Disinfection> = r.iter().collect();
        let now = "2026-02-10T15:00:00Z".parse().unwrap();
        let d = site_day(&s, day, &refs, now, DEFAULT_GRACE_MINUTES);
        let kept: Vec<Option<Uuid>> = d
            .slots
            .iter()
            .map(|s| match s.state {
                SlotState::Done { record, .. } => Some(record),
                _ => None,
            })
            .collect();
        assert_eq!(
            kept,
            vec![
                Some(Uuid::from_u128(103)),
                Some(Uuid::from_u128(101)),
                Some(Uuid::from_u128(104))
            ]
        );
        assert_eq!((d.done(), d.overdue(), d.extra), (3, 0, 2));
        // Without the record of 17:00, 08:00 stays overdue: the second 16:00 does not keep it.
        let refs: Vec<&Disinfection> = [&r[0], &r[1]].into_iter().collect();
        let d = site_day(&s, day, &refs, now, DEFAULT_GRACE_MINUTES);
        assert!(matches!(d.slots[0].state, SlotState::Overdue { .. }));
        assert_eq!(d.extra, 1);
    }

    #[test]
    fn a_record_made_early_keeps_no_slot_not_yet_due_and_the_next_slot_is_named() {
        let s = site(&["08:00", "16:00"], 2);
        // 07:00 China: 08:00 is due by 07:00 + 2 h, 16:00 is not.
        let early = "2026-02-09T23:00:00Z".parse().unwrap();
        assert_eq!(
            next_slot(&s, &[], early, DEFAULT_GRACE_MINUTES),
            NaiveTime::from_hms_opt(8, 0, 0)
        );
        let r = [done(1, "2026-02-09T23:00:00Z", Some("08:00"))];
        let refs: Vec<&Disinfection> = r.iter().collect();
        // 08:00 kept: at 09:00 nothing more is due yet.
        let nine = "2026-02-10T01:00:00Z".parse().unwrap();
        assert_eq!(next_slot(&s, &refs, nine, DEFAULT_GRACE_MINUTES), None);
        let d = site_day(
            &s,
            DAY.parse().unwrap(),
            &[&done(2, "2026-02-10T01:00:00Z", None), &r[0]],
            nine,
            120,
        );
        assert_eq!((d.done(), d.extra), (1, 1));
    }

    #[test]
    fn an_untimed_slot_is_due_by_the_end_of_the_china_day() {
        let s = site(&[], 1);
        let day = DAY.parse().unwrap();
        // 23:59 China on the 10th: due; 02:01 on the 11th: overdue by 2 h 1 min.
        let d = site_day(&s, day, &[], "2026-02-10T15:59:00Z".parse().unwrap(), 120);
        assert_eq!(d.slots[0].state, SlotState::Due);
        let d = site_day(&s, day, &[], "2026-02-10T18:01:00Z".parse().unwrap(), 120);
        assert_eq!(d.slots[0].state, SlotState::Overdue { minutes_late: 121 });
    }

    #[test]
    fn a_site_off_the_schedule_that_day_has_no_slots_and_no_figures() {
        let mut s = site(&["08:00"], 1);
        s.active_from = Some("2026-02-11".parse().unwrap());
        let now = "2026-02-10T15:00:00Z".parse().unwrap();
        let (rows, overdue) = day_figures(&[s], &[], DAY.parse().unwrap(), now, 120);
        assert!(rows.is_empty() && overdue.is_empty());
    }

    #[test]
    fn the_day_adds_sites_due_done_and_overdue_to_their_units() {
        use crate::figures::Unit;
        let a = site(&["08:00"], 1);
        let mut b = site(&["08:00", "16:00"], 2);
        b.id = Uuid::from_u128(2);
        let unit = Unit::Community("411402001018".into());
        let r = [done(1, "2026-02-10T00:10:00Z", Some("08:00"))];
        let mut units = std::collections::HashMap::new();
        let now = "2026-02-10T15:00:00Z".parse().unwrap();
        add_day(
            &[(unit.clone(), a), (unit.clone(), b)],
            &r,
            DAY.parse().unwrap(),
            now,
            120,
            &mut units,
        );
        let f = &units[&unit];
        assert_eq!(
            (
                f.disinfection_sites,
                f.disinfection_sites_done,
                f.disinfection_sites_overdue
            ),
            (2, 1, 1)
        );
    }

    #[test]
    fn the_figures_count_per_community_with_the_streets_own_last() {
        let a = site(&["08:00", "16:00"], 2);
        let mut b = site(&["08:00"], 1);
        b.id = Uuid::from_u128(2);
        b.community_code = None;
        b.name = "平原街道公厕".into();
        let r = [done(1, "2026-02-10T00:10:00Z", Some("08:00"))];
        let now = "2026-02-10T15:00:00Z".parse().unwrap();
        let (rows, overdue) = day_figures(&[b, a], &r, DAY.parse().unwrap(), now, 120);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].community_code.as_deref(), Some("411402001018"));
        assert_eq!(
            (rows[0].sites, rows[0].due, rows[0].done, rows[0].overdue),
            (1, 2, 1, 1)
        );
        assert_eq!(rows[1].community_code, None);
        assert_eq!((rows[1].due, rows[1].overdue), (1, 1));
        // 23:00 China: the street's 08:00 is 15 h late, the supermarket's 16:00 7 h.
        assert_eq!(overdue[0].minutes_late, 15 * 60);
        assert_eq!(overdue[1].minutes_late, 7 * 60);
    }

    #[test]
    fn a_key_areas_full_disinfection_is_due_only_while_the_key_area_is_in_force() {
        use crate::records::{
            DeclaredBy, Instant, KeyArea, KeyAreaChange, KeyAreaChangeKind, KeyAreaReason,
        };
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("day");
        let area = KeyArea {
            id: Uuid::from_u128(5),
            community_code: "411402001018".into(),
            compound: "bayi".into(),
            parts: vec!["3".into()],
            reason: KeyAreaReason::Confirmed,
            declared_by: DeclaredBy::Street,
            from: day(2),
            review: day(16),
            note: None,
        };
        let lift = KeyAreaChange {
            id: Uuid::from_u128(6),
            key_area_id: area.id,
            kind: KeyAreaChangeKind::Lift,
            effective: day(6),
            review: None,
            reason: "解除".into(),
            at: Instant {
                utc: "2026-03-06T01:00:00Z".parse().expect("utc"),
                offset_minutes: 480,
            },
            recorded_by: "t".into(),
        };
        let mut site = site(&[], 1);
        site.key_area_id = Some(area.id);
        site.active_from = Some(day(2));
        let on = |d| {
            site_on(
                &site,
                d,
                std::slice::from_ref(&area),
                std::slice::from_ref(&lift),
            )
        };
        assert!(on(day(4)).active_on(day(4)), "in force: on the schedule");
        assert!(!on(day(6)).active_on(day(6)), "lifted: off it");
        let noon = |d: NaiveDate| china_day_start(d) + Duration::hours(12);
        assert_eq!(
            site_day(&on(day(6)), day(6), &[], noon(day(6)), 120)
                .slots
                .len(),
            0
        );
        // A device that does not hold the key area keeps the site as it is.
        assert!(site_on(&site, day(6), &[], &[]).active_on(day(6)));
    }
}
