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
    /// The volunteer (id).
    pub volunteer_id: String,
    /// Signed in (UTC).
    pub started: DateTime<Utc>,
    /// Handed over (UTC), if it was.
    pub handed_over: Option<DateTime<Utc>>,
    /// When the next shift began at its checkpoint, if one did: a shift with no hand-over
    /// ends there (the tablet holds one shift at a time).
    pub next_started: Option<DateTime<Utc>>,
}

impl Shift {
    /// When it ended: its hand-over, else the next sign-in at its checkpoint, else
    /// [`MAX_SHIFT_HOURS`] after it began.
    pub fn end(&self) -> DateTime<Utc> {
        self.handed_over
            .or(self.next_started)
            .unwrap_or(self.started + Duration::hours(MAX_SHIFT_HOURS))
    }

    /// Whether it was on duty at `t`.
    pub fn on_duty_at(&self, t: DateTime<Utc>) -> bool {
        self.started <= t && t < self.end()
    }

    /// Whether it ended with no hand-over by `now`: the next volunteer signed in at its
    /// tablet, or [`MAX_SHIFT_HOURS`] passed (the tablet was restarted or lost).
    pub fn without_hand_over(&self, now: DateTime<Utc>) -> bool {
        self.handed_over.is_none() && self.end() <= now
    }
}

/// The shifts of `events` (any order; events repeated count once), by start: each sign-in
/// with its hand-over (the first, if a retried tablet sent two), and the next sign-in at its
/// checkpoint. A hand-over whose sign-in is not here names no shift and is left out.
pub fn shifts(events: &[ShiftEvent]) -> Vec<Shift> {
    let mut handed: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for e in events.iter().filter(|e| e.mark == ShiftMark::HandedOver) {
        let at = handed.entry(e.shift_id).or_insert(e.at.utc);
        *at = (*at).min(e.at.utc);
    }
    let mut seen = HashSet::new();
    let mut out: Vec<Shift> = events
        .iter()
        .filter(|e| e.mark == ShiftMark::SignedIn && seen.insert(e.id))
        .map(|e| Shift {
            id: e.id,
            checkpoint_id: e.checkpoint_id.clone(),
            volunteer_id: e.volunteer_id.clone(),
            started: e.at.utc,
            // A hand-over before its own sign-in is a tablet's clock gone wrong: kept, at the
            // sign-in.
            handed_over: handed.get(&e.id).map(|t| (*t).max(e.at.utc)),
            next_started: None,
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.checkpoint_id, a.started, a.id).cmp(&(&b.checkpoint_id, b.started, b.id))
    });
    for i in 1..out.len() {
        if out[i].checkpoint_id == out[i - 1].checkpoint_id {
            let next = out[i].started;
            out[i - 1].next_started = Some(next);
        }
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
        assert!(li.without_hand_over(at("23:51")));
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
