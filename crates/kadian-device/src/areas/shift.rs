//! The volunteer's shift at a tablet: the sign-in list, sign-in with a PIN (with a pause after
//! wrong PINs), the hand-over summary and sign-out.

use chrono::Duration;
use kadian_domain::records::{Direction, ShiftEvent, ShiftMark};
use serde::Serialize;
use ts_rs::TS;

use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::session::{HandOver, Shift};

/// Wrong PINs in a row before sign-in pauses.
pub const PIN_ATTEMPTS: u32 = 5;

/// How long sign-in pauses after [`PIN_ATTEMPTS`] wrong PINs.
pub const PIN_LOCKOUT: Duration = Duration::seconds(60);

/// A volunteer who may sign in at this compound's gates (reference data from the server).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Volunteer {
    /// Id (UUID).
    pub id: String,
    /// Name.
    pub name: String,
}

impl AppCore {
    /// The volunteers of this compound, by name.
    pub fn volunteers(&self) -> AppResult<Vec<Volunteer>> {
        let mut list: Vec<Volunteer> = self
            .all_volunteers()?
            .into_iter()
            .filter(|v| !v.retired)
            .map(|v| Volunteer {
                id: v.id.to_string(),
                name: v.name,
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// Signs a volunteer in with their PIN (4–6 digits, set by compound staff; the server sends
    /// only its Argon2 hash). After [`PIN_ATTEMPTS`] wrong PINs sign-in pauses for
    /// [`PIN_LOCKOUT`].
    ///
    /// When the volunteer on duty signs in again (after the idle lock) the running shift goes on;
    /// when another volunteer signs in while a shift runs, that shift is handed over first (see
    /// [`AppCore::previous_shift`]).
    ///
    /// Errors: `not_a_gate`, `pin_locked`, `unknown_volunteer`, `pin_wrong`.
    pub fn sign_in(&self, volunteer_id: &str, pin: &str) -> AppResult<Shift> {
        let checkpoint_id = self.enrolled_checkpoint()?;
        let _one_at_a_time = self.shift_change();
        let now = self.now();
        let volunteer = self.volunteer_with_pin(volunteer_id, pin)?;
        let state = self.shift_state();
        // The same volunteer back from the idle lock: the shift goes on (its summary too).
        if let Some(running) = state
            .shift
            .as_ref()
            .filter(|s| s.volunteer_id == volunteer_id)
        {
            return Ok(running.clone());
        }
        drop(state);
        // Another volunteer signs in while a shift runs (换人签到 at the lock): the running
        // shift is handed over first and its summary kept for the newcomer to read.
        if self.shift().is_some() {
            let summary = self.hand_over()?;
            self.record_shift_event(&summary.shift, ShiftMark::HandedOver)?;
            self.shift_state().previous = Some(summary);
        }
        let shift = Shift {
            id: kadian_domain::records::new_id(),
            volunteer_id: volunteer_id.to_owned(),
            volunteer_name: volunteer.name,
            checkpoint_id,
            started_at: now,
        };
        self.record_shift_event(&shift, ShiftMark::SignedIn)?;
        self.shift_state().shift = Some(shift.clone());
        Ok(shift)
    }

    /// The volunteer `volunteer_id` of this compound, when `pin` is theirs: what a sign-in and
    /// a delivery confirmed at the gate ask. After [`PIN_ATTEMPTS`] wrong PINs in a row (sign-ins
    /// and confirmations together) it pauses for [`PIN_LOCKOUT`]. Errors: `not_a_gate`,
    /// `pin_locked`, `unknown_volunteer`, `pin_wrong`.
    pub(crate) fn volunteer_with_pin(
        &self,
        volunteer_id: &str,
        pin: &str,
    ) -> AppResult<kadian_domain::records::volunteer::Volunteer> {
        self.enrolled_checkpoint()?;
        let now = self.now();
        if let Some(until) = self.shift_state().locked_until.filter(|u| *u > now) {
            let secs = (until - now).num_seconds().max(1);
            return Err(AppError::new(
                "pin_locked",
                Some("pin"),
                &format!("密码错误次数太多，请 {secs} 秒后再试"),
                &format!("Too many wrong PINs; try again in {secs} s"),
            ));
        }
        let volunteer = self
            .all_volunteers()?
            .into_iter()
            .find(|v| v.id.to_string() == volunteer_id && !v.retired)
            .ok_or_else(|| {
                AppError::new(
                    "unknown_volunteer",
                    Some("volunteer"),
                    "名单里没有这位志愿者，请联系小区工作人员",
                    "This volunteer is not on the list; ask the compound staff",
                )
            })?;
        let ok = kadian_domain::records::volunteer::verify_pin(&volunteer.pin_hash, pin);
        let mut state = self.shift_state();
        if !ok {
            state.failures += 1;
            if state.failures >= PIN_ATTEMPTS {
                state.failures = 0;
                state.locked_until = Some(now + PIN_LOCKOUT);
            }
            return Err(AppError::new(
                "pin_wrong",
                Some("pin"),
                "密码不对，请再试一次",
                "Wrong PIN; try again",
            ));
        }
        state.failures = 0;
        state.locked_until = None;
        Ok(volunteer)
    }

    /// The summary of the shift that ended last on this tablet (since the app started), for
    /// the volunteer who takes over: who was on duty, from when to when, and the counts.
    pub fn previous_shift(&self) -> Option<HandOver> {
        self.shift_state().previous.clone()
    }

    /// The hand-over summary of the shift on duty (counts of its own, non-voided passages).
    pub fn hand_over(&self) -> AppResult<HandOver> {
        let shift = self.on_duty()?;
        let now = self.now();
        let store = self.store();
        let rows = store.passages_between(
            &shift.checkpoint_id,
            shift.started_at,
            now + Duration::seconds(1),
        )?;
        let mine = rows
            .iter()
            .filter(|r| !r.voided && r.recorded_by == shift.volunteer_id);
        let (mut entries, mut exits, mut fevers) = (0, 0, 0);
        for r in mine {
            match r.direction {
                Direction::In => entries += 1,
                Direction::Out => exits += 1,
            }
            fevers += u32::from(r.fever);
        }
        Ok(HandOver {
            shift,
            at: now,
            entries,
            exits,
            fevers,
            pending: u32::try_from(store.pending_entries()?).unwrap_or(u32::MAX),
        })
    }

    /// Writes a shift's sign-in or hand-over (now), to be synced: the compound, the community
    /// and the street see who is on duty at this gate (`kadian_domain::duty`).
    fn record_shift_event(&self, shift: &Shift, mark: ShiftMark) -> AppResult<()> {
        let id = match mark {
            ShiftMark::SignedIn => shift.id,
            ShiftMark::HandedOver => kadian_domain::records::new_id(),
        };
        let device_id = self.enrolled()?.device_id;
        self.store().write_shift_event(&ShiftEvent {
            id,
            shift_id: shift.id,
            checkpoint_id: shift.checkpoint_id.clone(),
            device_id,
            volunteer_id: shift.volunteer_id.clone(),
            mark,
            at: kadian_domain::records::Instant {
                utc: self.now(),
                offset_minutes: crate::local_time::CST_MINUTES,
            },
        })?;
        self.written();
        Ok(())
    }

    /// Ends the shift (its hand-over is written, to be synced) and returns its hand-over
    /// summary.
    pub fn sign_out(&self) -> AppResult<HandOver> {
        let _one_at_a_time = self.shift_change();
        let summary = self.hand_over()?;
        self.record_shift_event(&summary.shift, ShiftMark::HandedOver)?;
        let mut state = self.shift_state();
        state.shift = None;
        state.previous = Some(summary.clone());
        Ok(summary)
    }
}
