//! Everything a Kadian tablet or laptop does without a window. Nothing here depends on Tauri, so
//! every behaviour is tested without a window (`tests/<area>.rs`).
//!
//! The house (see `docs/architecture.md`), layers from the bottom up; imports point down only
//! (`cargo xtask house` checks it):
//! - `store`: the encrypted local SQLite store (SQLCipher through rusqlite), its migrations, the
//!   SQL split by table, the outbox and the replica sync applies. It never looks up.
//! - leaves the areas share: `app_error`, `local_time`, `places`, `reference`, `session`.
//! - `core`: `AppCore`, one device (store, wake, clock, session).
//! - `sync`: the HTTP client and the engine that runs sync rounds on an `AppCore`.
//! - `areas`: one module per group of screens (enrolment, shift, gate, review, sync panel,
//!   register import, volunteers); an area never imports another.

pub mod app_error;
pub mod areas;
pub mod core;
pub mod local_time;
pub mod places;
pub mod reference;
pub mod session;
pub mod store;
pub mod sync;

pub use crate::core::AppCore;
pub use app_error::{AppError, AppResult, NoticeView};
pub use store::{
    migrations, DbKey, Enrolment, KeyError, KeyLocation, KeyPolicy, MatchKind, Migration,
    OutboxEntry, PassageRegistration, PassageRow, PersonHit, PersonWrite, PresentPerson,
    QuarantinedChange, RecordSyncState, Recorded, RejectedRecord, Store, StoreError, StoreOptions,
    SyncConflict, LATEST_VERSION, SQL_COUNTED_PASSAGES, SQL_COUNTED_READINGS,
    SQL_REMEASURED_READINGS,
};
pub use sync::{SyncClient, SyncError, SyncHandle, SyncSettings, SyncStatus};
