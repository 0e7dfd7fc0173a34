//! Duty (值班) derived from the tablets' shift events, never typed: the shifts (a sign-in and
//! the hand-over that ends it), who is on duty now at which checkpoint, the shifts that ended
//! with no hand-over, and the daily report's 在岗人次. One set of rules for the server's 日报
//! and the laptops' dashboards, so both say the same.
//!
//! Times: instants are UTC; a day is a China day (UTC+8).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::figures::{china_date, Figures, Unit};
use crate::records::{ShiftEvent, ShiftMark};

/// Longest a shift runs without a hand-over before it is no longer counted on duty (a
/// tablet restarted or lost mid-shift): 12 hours, the longest shift of a 24-hour roster of two.
pub const MAX_SHIFT_HOURS: i64 = 12;

/// A shift as its events say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// The sign-in's id.
    pub id: Uuid,
    /// The checkpoint.
    pub checkpoint_id: String,
    /// The tablet.
    pub device_id: String,
    /// The volunteer (id).
    pub volunteer_id: String,
    /// Signed in (UTC).
    pub started: DateTime<Utc>,
    /// The last sign-in of it (UTC): `started`, or when the same volunteer signed in again on
    /// its tablet after a restart. Its [`MAX_SHIFT_HOURS`] count from here.
    pub last_signed_in: DateTime<Utc>,
    /// Handed over (UTC), if it was.
    pub handed_over: Option<DateTime<Utc>>,
    /// When the next shift began on its tablet, if one did: a shift with no hand-over ends
    /// there (a tablet holds one shift at a time), or [`MAX_SHIFT_HOURS`] after it began if
    /// that is sooner.
    pub next_started: Option<DateTime<Utc>>,
}

impl Shift {
    /// [`MAX_SHIFT_HOURS`] after its last sign-in.
    fn cap(&self) -> DateTime<Utc> {
        self.last_signed_in + Duration::hours(MAX_SHIFT_HOURS)
    }

    /// When it ended: its hand-over, else the next sign-in on its tablet, and never later
    /// than [`MAX_SHIFT_HOURS`] after its last sign-in (a hand-over tapped the next morning
    /// does not make a 22-hour shift).
    pub fn end(&self) -> DateTime<Utc> {
        self.handed_over
            .or(self.next_started)
            .map_or(self.cap(), |t| t.min(self.cap()))
    }

    /// Whether the next volunteer's sign-in ended it (no hand-over, the next sign-in within
    /// [`MAX_SHIFT_HOURS`]).
    pub fn ended_by_next(&self) -> bool {
        self.handed_over.is_none() && self.next_started.is_some_and(|n| n < self.cap())
    }

    /// Whether it was on duty at `t`.
    pub fn on_duty_at(&self, t: DateTime<Utc>) -> bool {
        self.started <= t && t < self.end()
    }

    /// Whether it ended with no hand-over by `now`: the next volunteer signed in on its
    /// tablet, or [`MAX_SHIFT_HOURS`] passed (the tablet was restarted or lost).
    pub fn without_hand_over(&self, now: DateTime<Utc>) -> bool {
        self.handed_over.is_none() && self.end() <= now
    }
}

/// The shifts of `events` (any order; events repeated count once), by start: each sign-in
/// with its hand-over (the first, if a retried tablet sent two; one from another gate, tablet
/// or volunteer than its sign-in's is no hand-over of it), and the next sign-in on its tablet.
/// The same volunteer signing in again on the same tablet before the last shift was handed
/// over and within [`MAX_SHIFT_HOURS`] of its start (the app was restarted) goes on with that
/// shift: one shift, one 在岗人次. A hand-over whose sign-in is not here names no shift.
pub fn shifts(events: &[ShiftEvent]) -> Vec<Shift> {
    let mut seen = HashSet::new();
    let mut signed_in: Vec<&ShiftEvent> = events
        .iter()
        .filter(|e| e.mark == ShiftMark::SignedIn && seen.insert(e.id))
        .collect();
    let own: HashMap<Uuid, &ShiftEvent> = signed_in.iter().map(|e| (e.id, *e)).collect();
    let mut handed: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for e in events.iter().filter(|e| e.mark == ShiftMark::HandedOver) {
        let Some(s) = own.get(&e.shift_id) else {
            continue;
        };
        if (&s.checkpoint_id, &s.device_id, &s.volunteer_id)
            != (&e.checkpoint_id, &e.device_id, &e.volunteer_id)
        {
            continue;
        }
        let at = handed.entry(e.shift_id).or_insert(e.at.utc);
        *at = (*at).min(e.at.utc);
    }
    signed_in.sort_by(|a, b| {
        (&a.checkpoint_id, &a.device_id, a.at.utc, a.id).cmp(&(
            &b.checkpoint_id,
            &b.device_id,
            b.at.utc,
            b.id,
        ))
    });
    let mut out: Vec<Shift> = Vec::with_capacity(signed_in.len());
    for e in signed_in {
        let start = e.at.utc;
        // A hand-over before its own sign-in is a tablet's clock gone wrong: kept, at the
        // sign-in.
        let handed_over = handed.get(&e.id).map(|t| (*t).max(start));
        if let Some(last) = out
            .last_mut()
            .filter(|l| (&l.checkpoint_id, &l.device_id) == (&e.checkpoint_id, &e.device_id))
        {
            if last.handed_over.is_none()
                && last.volunteer_id == e.volunteer_id
                && start < last.cap()
            {
                // The same stint, resumed: this sign-in's hand-over ends it, its 12 hours count
                // from here.
                last.handed_over = handed_over;
                last.last_signed_in = start;
                continue;
            }
            last.next_started = Some(start);
        }
        out.push(Shift {
            id: e.id,
            checkpoint_id: e.checkpoint_id.clone(),
            device_id: e.device_id.clone(),
            volunteer_id: e.volunteer_id.clone(),
            started: start,
            last_signed_in: start,
            handed_over,
            next_started: None,
        });
    }
    out.sort_by_key(|s| (s.started, s.id));
    out
}

/// Duty at a moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DutyNow {
    /// Checkpoints with a volunteer on duty.
    pub checkpoints_staffed: HashSet<String>,
    /// Volunteers on duty (ids).
    pub volunteers_on_duty: HashSet<String>,
    /// Shifts begun in the 24 hours before that ended with no hand-over.
    pub without_hand_over: Vec<Shift>,
}

/// Who is on duty at `now`, and the last day's shifts that ended with no hand-over.
pub fn now(shifts: &[Shift], now: DateTime<Utc>) -> DutyNow {
    let mut d = DutyNow::default();
    for s in shifts {
        if s.on_duty_at(now) {
            d.checkpoints_staffed.insert(s.checkpoint_id.clone());
            d.volunteers_on_duty.insert(s.volunteer_id.clone());
        }
        if s.started > now - Duration::hours(24) && s.without_hand_over(now) {
            d.without_hand_over.push(s.clone());
        }
    }
    d
}

/// Adds the China day `date`'s 在岗人次 to `units`: the shifts begun that day, each counted
/// in `unit_of` its checkpoint (its compound's unit).
pub fn add_day(
    shifts: &[Shift],
    date: NaiveDate,
    unit_of: impl Fn(&str) -> Unit,
    units: &mut HashMap<Unit, Figures>,
) {
    for s in shifts.iter().filter(|s| china_date(s.started) == date) {
        units
            .entry(unit_of(&s.checkpoint_id))
            .or_default()
            .duty_shifts += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Instant;

    fn at(hhmm: &str) -> DateTime<Utc> {
        // China time on 2026-02-10.
        format!("2026-02-10T{hhmm}:00+08:00")
            .parse::<DateTime<chrono::FixedOffset>>()
            .expect("time")
            .with_timezone(&Utc)
    }

    fn event(
        id: Uuid,
        shift: Uuid,
        gate: &str,
        who: &str,
        mark: ShiftMark,
        t: DateTime<Utc>,
    ) -> ShiftEvent {
        ShiftEvent {
            id,
            shift_id: shift,
            checkpoint_id: gate.into(),
            device_id: format!("tablet-{gate}"),
            volunteer_id: who.into(),
            mark,
            at: Instant {
                utc: t,
                offset_minutes: 480,
            },
        }
    }

    fn sign_in(gate: &str, who: &str, t: DateTime<Utc>) -> ShiftEvent {
        let id = Uuid::now_v7();
        event(id, id, gate, who, ShiftMark::SignedIn, t)
    }

    fn hand_over(of: &ShiftEvent, t: DateTime<Utc>) -> ShiftEvent {
        event(
            Uuid::now_v7(),
            of.id,
            &of.checkpoint_id,
            &of.volunteer_id,
            ShiftMark::HandedOver,
            t,
        )
    }

    #[test]
    fn a_shift_ends_at_its_hand_over_else_at_the_next_sign_in_else_after_twelve_hours() {
        let a = sign_in("east", "wang", at("08:00"));
        let b = sign_in("east", "li", at("16:00"));
        let c = sign_in("west", "zhao", at("00:30"));
        let events = vec![
            b.clone(),
            hand_over(&a, at("15:55")),
            a.clone(),
            c.clone(),
            a.clone(),
        ];
        let s = shifts(&events);
        assert_eq!(s.len(), 3, "a sign-in sent twice is one shift");
        let by = |id: Uuid| s.iter().find(|x| x.id == id).expect("shift").clone();
        assert_eq!(by(a.id).end(), at("15:55"));
        assert!(!by(a.id).without_hand_over(at("20:00")));
        assert_eq!(
            by(c.id).end(),
            at("12:30"),
            "no hand-over, no next: 12 hours"
        );
        assert!(!by(c.id).ended_by_next());
        assert!(by(c.id).without_hand_over(at("13:00")));
        assert!(!by(c.id).without_hand_over(at("12:00")), "still on duty");
        let d = now(&s, at("17:00"));
        assert_eq!(d.checkpoints_staffed, HashSet::from(["east".to_owned()]));
        assert_eq!(d.volunteers_on_duty, HashSet::from(["li".to_owned()]));
        assert_eq!(d.without_hand_over.len(), 1);
        assert_eq!(d.without_hand_over[0].id, c.id);
        // Li never handed over; the next sign-in at the east gate ends her shift there.
        let d2 = sign_in("east", "sun", at("23:50"));
        let s = shifts(&[events, vec![d2]].concat());
        let li = s.iter().find(|x| x.id == b.id).expect("li");
        assert_eq!(li.end(), at("23:50"));
        assert!(li.ended_by_next());
        assert!(li.without_hand_over(at("23:51")));
    }

    #[test]
    fn a_next_sign_in_past_twelve_hours_does_not_stretch_a_shift_and_each_tablet_has_its_own() {
        let a = sign_in("east", "wang", at("00:30"));
        let later = sign_in("east", "li", at("20:00"));
        let mut second_tablet = sign_in("east", "zhao", at("09:00"));
        second_tablet.device_id = "tablet-east-2".into();
        let s = shifts(&[a.clone(), later, second_tablet]);
        let wang = s.iter().find(|x| x.id == a.id).expect("wang");
        assert_eq!(wang.end(), at("12:30"), "capped, not stretched to 20:00");
        // A hand-over tapped the next morning ends it 12 hours after its sign-in.
        let b = sign_in("west", "sun", at("08:00"));
        let s2 = shifts(&[b.clone(), hand_over(&b, at("08:00") + Duration::hours(22))]);
        assert_eq!(s2[0].end(), at("20:00"));
        assert!(!wang.ended_by_next());
        let d = now(&s, at("10:00"));
        assert_eq!(
            d.volunteers_on_duty.len(),
            2,
            "the second tablet's sign-in ends nothing"
        );
        assert_eq!(d.checkpoints_staffed.len(), 1);
    }

    #[test]
    fn the_same_volunteer_signing_in_again_after_a_restart_goes_on_with_one_shift() {
        let first = sign_in("east", "wang", at("08:00"));
        let again = sign_in("east", "wang", at("10:00"));
        let handed = hand_over(&again, at("16:00"));
        // A hand-over sent from another gate names no shift of this one.
        let mut stray = hand_over(&first, at("09:00"));
        stray.checkpoint_id = "west".into();
        let s = shifts(&[first, again, handed, stray]);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(
            (s[0].started, s[0].handed_over),
            (at("08:00"), Some(at("16:00")))
        );
        // Signed in again at 19:30 after a restart, it goes on past 20:00 (12 hours from the
        // first sign-in) until 07:30 the next day.
        let first = sign_in("east", "wang", at("08:00"));
        let late = sign_in("east", "wang", at("19:30"));
        let s = shifts(&[first, late]);
        assert_eq!(s.len(), 1);
        assert!(s[0].on_duty_at(at("21:00")));
        assert_eq!(s[0].end(), at("19:30") + Duration::hours(12));
        let mut units = HashMap::new();
        add_day(&s, at("12:00").date_naive(), |_| Unit::Unplaced, &mut units);
        assert_eq!(units[&Unit::Unplaced].duty_shifts, 1);
    }

    #[test]
    fn a_shift_counts_on_its_china_day_not_its_utc_day() {
        // China 07:00 on the 10th is 23:00 UTC on the 9th.
        let s = shifts(&[sign_in("east", "wang", at("07:00"))]);
        let tenth = NaiveDate::from_ymd_opt(2026, 2, 10).expect("day");
        let mut units = HashMap::new();
        add_day(&s, tenth, |_| Unit::Unplaced, &mut units);
        assert_eq!(units[&Unit::Unplaced].duty_shifts, 1);
        let mut ninth = HashMap::new();
        add_day(
            &s,
            tenth.pred_opt().expect("day"),
            |_| Unit::Unplaced,
            &mut ninth,
        );
        assert!(ninth.is_empty());
    }

    #[test]
    fn a_hand_over_without_its_sign_in_names_no_shift_and_the_day_counts_shifts_begun() {
        let a = sign_in("east", "wang", at("08:00"));
        let orphan = hand_over(&sign_in("east", "ghost", at("07:00")), at("07:30"));
        let yesterday = sign_in("east", "li", at("00:00") - Duration::minutes(10));
        let s = shifts(&[a, orphan, yesterday]);
        assert_eq!(s.len(), 2);
        let mut units = HashMap::new();
        add_day(&s, at("12:00").date_naive(), |_| Unit::Unplaced, &mut units);
        assert_eq!(
            units[&Unit::Unplaced].duty_shifts,
            1,
            "the shift begun that China day"
        );
    }
}
