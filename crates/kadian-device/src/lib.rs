//! Everything a Kadian tablet or laptop does without a window: the encrypted local store
//! (SQLCipher through rusqlite), its migrations, the writes of the gate with their outbox rows,
//! and the lookups a gate needs. Nothing here depends on Tauri, so every behaviour is tested
//! without a window.

pub mod core;
pub mod error;
pub mod gate;
pub mod key;
mod lookup;
mod migrate;
pub mod register_import;
pub mod replica;
pub mod review;
mod search_keys;
pub mod store;
pub mod sync;
pub mod tls_pin;
pub mod volunteers;
mod write;

pub use crate::core::AppCore;
pub use error::StoreError;
pub use key::{DbKey, KeyError, KeyLocation, KeyPolicy};
pub use lookup::{MatchKind, PassageRow, PersonHit, PresentPerson};
pub use migrate::{migrations, Migration, LATEST_VERSION};
pub use replica::{Enrolment, QuarantinedChange, RecordSyncState, RejectedRecord, SyncConflict};
pub use store::{OutboxEntry, Store, StoreOptions};
pub use sync::{SyncClient, SyncError, SyncHandle, SyncSettings, SyncStatus};
pub use write::{PassageRegistration, PersonWrite, Recorded};
