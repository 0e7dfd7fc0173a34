//! Kadian's central endpoint: the sync API for devices (axum), storage behind [`db::Database`]
//! with SQLite and PostgreSQL backends, and the admin commands of the `kadian-server` binary.

pub mod admin;
pub mod china_time;
pub mod coverage;
pub mod db;
pub mod disinfection;
pub mod export;
pub mod hotline;
pub mod http;
pub mod report;
pub mod rules;
pub mod supplies;

pub use db::{connect, Database};
pub use http::{router, serve, AppState};
