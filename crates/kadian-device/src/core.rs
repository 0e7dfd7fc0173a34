//! `AppCore`: one device's state, built once by the app (Tauri's `setup`) and handed to it; never
//! a global, so a test can run two devices in one process.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

use crate::session::Session;
use crate::store::{KeyLocation, KeyPolicy, Result, Store, StoreOptions};

/// File name of the device store inside the data folder.
pub const DB_FILE: &str = "kadian-device.db";

/// One device: its data folder and its open store.
#[derive(Debug)]
pub struct AppCore {
    data_dir: PathBuf,
    key_location: KeyLocation,
    store: Mutex<Store>,
    wake: Arc<tokio::sync::Notify>,
    skew_ms: AtomicI64,
    clock_offset_ms: AtomicI64,
    session: Session,
}

/// What the app shows about the device's storage.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StorageInfo {
    /// The data folder.
    pub data_dir: String,
    /// `keyring` or `file`.
    pub key_kept_in: &'static str,
    /// Schema version.
    #[ts(type = "number")]
    pub schema_version: i64,
    /// Records waiting for the server.
    #[ts(type = "number")]
    pub pending: i64,
}

impl AppCore {
    /// Opens the device in `data_dir` (created if missing): loads or creates the key by
    /// `policy`, opens and migrates the encrypted store.
    pub fn open(data_dir: &Path, policy: &KeyPolicy) -> Result<AppCore> {
        let db = data_dir.join(DB_FILE);
        let exists = db.metadata().map(|m| m.len() > 0).unwrap_or(false);
        let (key, key_location) = policy.load_or_create(exists)?;
        let store = Store::open(&db, &StoreOptions::encrypted(key))?;
        Ok(AppCore {
            data_dir: data_dir.to_owned(),
            key_location,
            store: Mutex::new(store),
            wake: Arc::new(tokio::sync::Notify::new()),
            skew_ms: AtomicI64::new(i64::MIN),
            clock_offset_ms: AtomicI64::new(0),
            session: Session::default(),
        })
    }

    /// A device over an already opened store (tests of migrations; tools). The key stays where
    /// the store's opener found it.
    pub fn open_store(data_dir: &Path, store: Store) -> AppCore {
        AppCore {
            data_dir: data_dir.to_owned(),
            key_location: KeyLocation::File(data_dir.join("device.key")),
            store: Mutex::new(store),
            wake: Arc::new(tokio::sync::Notify::new()),
            skew_ms: AtomicI64::new(i64::MIN),
            clock_offset_ms: AtomicI64::new(0),
            session: Session::default(),
        }
    }

    pub(crate) fn shift_slot(&self) -> &crate::session::ShiftSlot {
        &self.session.shift
    }

    /// Held across a whole sign-in or sign-out.
    pub(crate) fn shift_change(&self) -> std::sync::MutexGuard<'_, ()> {
        self.session
            .shift_change
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn pending_import_slot(&self) -> &crate::session::PendingImport {
        &self.session.pending_import
    }

    /// How far the running sync round has come (the sync bar shows it).
    pub fn round_progress(&self) -> &crate::session::RoundProgress {
        &self.session.round
    }

    /// The store, locked for one operation. A panic in another holder does not lock the device
    /// out: SQLite's transaction already rolled back whatever it was doing.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The device's clock (UTC): the system clock, plus the offset tests set to play a device
    /// whose clock is wrong.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
            + chrono::Duration::milliseconds(self.clock_offset_ms.load(Ordering::Relaxed))
    }

    /// Makes this device's clock run `offset` ahead (negative: behind) of the system clock.
    pub fn set_clock_offset(&self, offset: chrono::Duration) {
        self.clock_offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
    }

    /// Tells the sync task that something was written (it pushes soon after).
    pub fn written(&self) {
        self.wake.notify_one();
    }

    /// The notifier the sync task waits on.
    pub fn wake_handle(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Records the clock skew the server reported (device minus server, ms).
    pub fn note_skew(&self, ms: i64) {
        self.skew_ms.store(ms, Ordering::Relaxed);
    }

    /// The last reported clock skew.
    pub fn last_skew(&self) -> Option<i64> {
        Some(self.skew_ms.load(Ordering::Relaxed)).filter(|v| *v != i64::MIN)
    }

    /// Storage facts for the status screen.
    pub fn storage_info(&self) -> Result<StorageInfo> {
        let store = self.store();
        Ok(StorageInfo {
            data_dir: self.data_dir.display().to_string(),
            key_kept_in: match self.key_location {
                KeyLocation::Keyring(_) => "keyring",
                KeyLocation::File(_) => "file",
            },
            schema_version: store.schema_version()?,
            pending: store.pending_count()?,
        })
    }
}
