//! The shift (值班, event): a volunteer signs in at a checkpoint's tablet (签到) and hands over
//! (交班) when the next one takes over or the shift ends; each is one event, written by the
//! tablet as it happens, so the compound, the community and the street see who is on duty
//! where without anyone typing it. A shift is the fold of its two events
//! ([`crate::duty::shifts`]); one whose tablet was restarted or lost has a sign-in and no
//! hand-over, and is shown as such, never guessed. Source: the street's plan (99 checkpoints
//! staffed 24 hours; 在岗人次 in the daily report).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::bad;
use super::rules::{instant, reference};
use super::Instant;

/// Which end of a shift an event marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftMark {
    /// 签到: the volunteer signed in with their PIN; the shift begins.
    SignedIn,
    /// 交班: the volunteer handed over (signed out, or the next volunteer signed in).
    HandedOver,
}

/// A shift's sign-in or hand-over (event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftEvent {
    /// UUIDv7.
    pub id: Uuid,
    /// The shift: the sign-in's own id (so a hand-over names the sign-in it ends).
    pub shift_id: Uuid,
    /// The checkpoint (卡点) whose tablet it was.
    pub checkpoint_id: String,
    /// The tablet (its enrolled device id): a gate may have more than one, and a shift is one
    /// tablet's.
    pub device_id: String,
    /// The volunteer on duty (their id).
    pub volunteer_id: String,
    /// Sign-in or hand-over.
    pub mark: ShiftMark,
    /// When (UTC with the tablet's offset).
    pub at: Instant,
}

/// A shift event: a checkpoint, a tablet and a volunteer named, a time between 2000 and 2100
/// (the records' bounds), and a sign-in that is its own shift (its `shift_id` is its `id`; a
/// hand-over's is another's).
///
/// Errors: `reference_missing`, `too_long`, `control_character`, `date_out_of_range`,
/// `field_misplaced`.
pub fn check_shift_event(e: &ShiftEvent) -> Result<(), Notice> {
    reference("卡点 / checkpoint", &e.checkpoint_id)?;
    reference("设备 / device", &e.device_id)?;
    reference("志愿者 / volunteer", &e.volunteer_id)?;
    instant("时间 / at", &e.at)?;
    let own = e.shift_id == e.id;
    if own != (e.mark == ShiftMark::SignedIn) {
        return Err(bad(
            Field::Record,
            "field_misplaced",
            "签到的班次就是它自己，交班要指明所交的班次",
            "A sign-in is its own shift; a hand-over names the shift it ends",
        ));
    }
    Ok(())
}
