//! Kadian's central endpoint: the sync API for devices (axum), storage behind [`db::Database`]
//! with SQLite and PostgreSQL backends, and the admin commands of the `kadian-server` binary.

pub mod admin;
pub mod api;
pub mod db;
pub mod logic;
pub mod openapi;

pub use api::{router, serve, AppState};
pub use db::{connect, Database};
