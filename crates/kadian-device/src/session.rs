//! What a device keeps in memory only, between screens: the shift on duty and the last
//! hand-over, the register preview waiting for its commit, and how far the running sync round has
//! come. A restart forgets it (the volunteer signs in again). A leaf: it imports nothing of ours.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use kadian_registers::import::ImportBatch;

/// The volunteer on duty at this tablet.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Shift {
    /// The sign-in's id (the shift's, in the shift events this tablet sends).
    #[serde(skip)]
    #[ts(skip)]
    pub id: uuid::Uuid,
    /// Volunteer id: every record made in the shift carries it as `recorded_by`.
    pub volunteer_id: String,
    /// Volunteer name.
    pub volunteer_name: String,
    /// Checkpoint id.
    pub checkpoint_id: String,
    /// When the shift began (UTC, RFC 3339).
    pub started_at: DateTime<Utc>,
}

/// The hand-over summary of a shift.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HandOver {
    /// The shift.
    pub shift: Shift,
    /// When it was summed up (UTC).
    pub at: DateTime<Utc>,
    /// Entries registered in the shift (voided ones not counted).
    pub entries: u32,
    /// Exits registered in the shift.
    pub exits: u32,
    /// Passages with a fever reading.
    pub fevers: u32,
    /// Entries on this tablet not yet acknowledged by the server (a registration with its
    /// reading is one, see `Store::pending_entries`).
    pub pending: u32,
}

/// The shift state the device keeps in memory (a restart asks for the PIN again).
#[derive(Debug, Default)]
pub(crate) struct ShiftState {
    pub(crate) shift: Option<Shift>,
    /// The summary of the shift that ended last on this tablet (signed out, or handed over
    /// when the next volunteer signed in from the lock), for the next volunteer to read.
    pub(crate) previous: Option<HandOver>,
    pub(crate) failures: u32,
    pub(crate) locked_until: Option<DateTime<Utc>>,
}

/// The device's shift slot.
pub(crate) type ShiftSlot = Mutex<ShiftState>;

/// Progress of the running sync round, updated page by page (lock-free: the window reads it
/// while the round holds the store).
#[derive(Debug, Default)]
pub struct RoundProgress {
    pub(crate) syncing: std::sync::atomic::AtomicBool,
    pub(crate) received: std::sync::atomic::AtomicI64,
}

impl RoundProgress {
    /// (a round is running, changes received in it so far).
    pub fn get(&self) -> (bool, i64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.syncing.load(Relaxed), self.received.load(Relaxed))
    }
}

/// The preview waiting for its commit (one at a time).
pub(crate) type PendingImport = Mutex<Option<(String, ImportBatch)>>;

/// Everything a device keeps in memory between screens, held by `AppCore`.
#[derive(Debug, Default)]
pub struct Session {
    /// The shift on duty and the last hand-over.
    pub(crate) shift: ShiftSlot,
    /// Held across a sign-in or sign-out whole (the check, its shift events, the new state), so
    /// that two taps at once write one sign-in.
    pub(crate) shift_change: Mutex<()>,
    /// The register preview waiting for its commit.
    pub(crate) pending_import: PendingImport,
    /// How far the running sync round has come.
    pub(crate) round: RoundProgress,
}
