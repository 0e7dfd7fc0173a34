//! Sync with the street's server: the HTTP client (`client`), the certificate pin (`tls_pin`)
//! and the engine that runs rounds (`engine`). Below the areas: nothing here names one.

pub mod client;
pub mod engine;
pub mod tls_pin;

pub use client::{
    check_server_url, enrol_failure_messages, message_zh, normalise_server_url, SyncClient,
    SyncError, MAX_RESPONSE_BYTES,
};
pub use engine::{
    backoff, enrol, start, sync_round, wait_after, RoundReport, SyncHandle, SyncSettings,
    SyncStatus, PULL_PAGE, PUSH_BATCH,
};
