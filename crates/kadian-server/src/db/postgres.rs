//! The production backend: PostgreSQL through tokio-postgres.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kadian_domain::sync::{Change, Receipt};

use super::{DbError, DbResult, DeviceRow, EnrolCode, PullFilter, PushMeta};
use crate::logic::{Device, Incoming, Reference};

/// The PostgreSQL backend.
pub struct PgDb;

impl PgDb {
    /// Connects.
    pub async fn connect(_url: &str) -> DbResult<Self> {
        Err(DbError::Url("postgres: not built yet".into()))
    }
}

#[async_trait]
impl super::Database for PgDb {
    async fn migrate(&self) -> DbResult<()> { todo!() }
    async fn init_street(&self, _: &str, _: &str) -> DbResult<()> { todo!() }
    async fn street(&self) -> DbResult<Option<(String, String)>> { todo!() }
    async fn upsert_community(&self, _: &str, _: &str) -> DbResult<()> { todo!() }
    async fn add_compound(&self, _: &str, _: &str) -> DbResult<String> { todo!() }
    async fn add_checkpoint(&self, _: &str, _: &str) -> DbResult<String> { todo!() }
    async fn import_places(&self, _: &[(String, String, String)]) -> DbResult<usize> { todo!() }
    async fn reference(&self) -> DbResult<Reference> { todo!() }
    async fn add_enrol_code(&self, _: &EnrolCode) -> DbResult<()> { todo!() }
    async fn enrol(&self, _: &str, _: &str, _: &str, _: &str, _: &str, _: DateTime<Utc>) -> DbResult<Option<Device>> { todo!() }
    async fn device_by_token(&self, _: &str, _: DateTime<Utc>) -> DbResult<Option<Device>> { todo!() }
    async fn devices(&self) -> DbResult<Vec<DeviceRow>> { todo!() }
    async fn revoke(&self, _: &str, _: DateTime<Utc>) -> DbResult<bool> { todo!() }
    async fn store(&self, _: &PushMeta, _: Vec<Result<Incoming, Receipt>>) -> DbResult<Vec<Receipt>> { todo!() }
    async fn pull(&self, _: &PullFilter, _: i64, _: i64) -> DbResult<(Vec<Change>, i64, bool)> { todo!() }
    async fn count(&self, _: &str) -> DbResult<i64> { todo!() }
    async fn flagged(&self) -> DbResult<Vec<(String, DateTime<Utc>, DateTime<Utc>)>> { todo!() }
}
