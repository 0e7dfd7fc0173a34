//! The device store, the bottom layer: one SQLCipher-encrypted SQLite file per device, in WAL
//! mode, with foreign keys on, every write in a `BEGIN IMMEDIATE` transaction and
//! `synchronous=FULL`, so a write that returned is on disk.
//!
//! The store never looks up: nothing here names an area, the sync client or the app. Its SQL is
//! split by table (`persons`, `passages`, `readings`, `travels`, `corrections`, `volunteers`),
//! with the outbox, the replica (what sync applies) and register imports beside them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use kadian_domain::records::RecordKind;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use uuid::Uuid;

mod corrections;
mod counts;
mod disinfection;
pub mod error;
mod hotline;
mod households;
mod imports;
pub mod key;
pub mod migrate;
mod observation;
mod outbox;
mod passages;
mod person_links;
mod persons;
mod readings;
mod referrals;
mod replica;
mod search_keys;
mod shifts;
mod supplies;
mod travels;
mod volunteers;

pub use counts::{
    CountedArrival, CountedPassage, CountedReading, SQL_COUNTED_PASSAGES, SQL_COUNTED_READINGS,
    SQL_REMEASURED_READINGS,
};
pub use error::{Result, StoreError};
pub use hotline::HotlineWrite;
pub use imports::ImportCommitted;
pub use key::{DbKey, KeyError, KeyLocation, KeyPolicy};
pub use migrate::{migrations, Migration, LATEST_VERSION};
pub use observation::{transition_fact, visit_fact};
pub use outbox::OutboxEntry;
pub use passages::{PassageRegistration, PassageRow, PresentPerson, Recorded};
pub use person_links::PersonKeyRow;
pub use persons::{MatchKind, PersonHit, PersonWrite};
pub use readings::ReadingLinks;
pub(crate) use readings::ReadingRow;
pub use replica::{Enrolment, QuarantinedChange, RecordSyncState, RejectedRecord, SyncConflict};

/// `PRAGMA application_id` of a Kadian device store: `KDN1`.
pub const APPLICATION_ID: i64 = 0x4B44_4E31;

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The SQLCipher key; `None` opens a plain SQLite file (benchmarks only: it is how the cost
    /// of encryption is measured).
    pub key: Option<DbKey>,
    /// Migrate up to this version (tests of migrations); normally [`LATEST_VERSION`].
    pub target_version: i64,
    /// SQLite `max_page_count`, to make a full disk reproducible in tests; `None` for no limit.
    pub max_page_count: Option<u32>,
}

impl StoreOptions {
    /// Encrypted with `key`, migrated to the latest schema.
    pub fn encrypted(key: DbKey) -> Self {
        StoreOptions {
            key: Some(key),
            target_version: LATEST_VERSION,
            max_page_count: None,
        }
    }
}

/// The device's local store.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// The bodies a query's first column returns, each read as `T` (the store's own JSON:
    /// one that no longer reads is an error, never left out). Every "records of …" reader of
    /// the store goes through here.
    pub(crate) fn bodies<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<T>> {
        let bodies: Vec<String> = self
            .conn
            .prepare_cached(sql)?
            .query_map(params, |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        bodies
            .iter()
            .map(|b| Ok(serde_json::from_str(b)?))
            .collect()
    }

    /// Opens (creating if needed) the store at `path`, checks the key and the file's identity,
    /// and applies pending migrations.
    ///
    /// Errors: [`StoreError::CannotOpen`] / [`StoreError::ReadOnly`] for an unusable path,
    /// [`StoreError::NotKadianDatabase`] for a plain SQLite file or another program's database,
    /// [`StoreError::WrongKey`] when the key does not decrypt it, [`StoreError::TooNew`],
    /// [`StoreError::Migration`]. None of them changes the file.
    pub fn open(path: &Path, options: &StoreOptions) -> Result<Store> {
        let cannot_open = |detail: String| StoreError::CannotOpen {
            path: path.to_owned(),
            detail,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                if e.kind() == std::io::ErrorKind::PermissionDenied || e.raw_os_error() == Some(30)
                {
                    StoreError::ReadOnly {
                        path: path.to_owned(),
                    }
                } else {
                    cannot_open(e.to_string())
                }
            })?;
        }
        if options.key.is_some() && is_plain_sqlite(path) {
            return Err(StoreError::NotKadianDatabase {
                path: path.to_owned(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn =
            Connection::open_with_flags(path, flags).map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly {
                    path: path.to_owned(),
                },
                _ => cannot_open(e.to_string()),
            })?;
        if let Some(key) = &options.key {
            // A wrong key is reported as StoreError::WrongKey; SQLCipher need not also log it.
            conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
            // Raw 256-bit key: SQLCipher skips its passphrase KDF.
            conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
        }
        let tables: i64 =
            match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)) {
                Ok(n) => n,
                Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
                    return Err(if options.key.is_some() {
                        StoreError::WrongKey {
                            path: path.to_owned(),
                        }
                    } else {
                        StoreError::NotKadianDatabase {
                            path: path.to_owned(),
                        }
                    })
                }
                Err(e) => return Err(cannot_open(e.to_string())),
            };
        let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if tables > 0 && app_id != APPLICATION_ID {
            return Err(StoreError::NotKadianDatabase {
                path: path.to_owned(),
            });
        }
        conn.busy_timeout(Duration::from_secs(5))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| match StoreError::from(e) {
                StoreError::Sqlite(e)
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) =>
                {
                    StoreError::ReadOnly {
                        path: path.to_owned(),
                    }
                }
                other => other,
            })?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(cannot_open(format!(
                "WAL journal not available (got {mode})"
            )));
        }
        // 32 MiB of page cache: a roster import touches every index page many times; spilling them
        // early costs an encryption and a write each.
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768;",
        )?;
        if let Some(pages) = options.max_page_count {
            conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        }
        migrate::migrate_to(&mut conn, options.target_version)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed when `f` returns `Ok`, rolled
    /// back otherwise.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Writes the WAL back into the main file and truncates it (on close, before a backup).
    pub fn wal_checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// A device setting (`device_meta`), e.g. `checkpoint_id`.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM device_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a device setting.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO device_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
            Ok(())
        })
    }

    /// Row count of a table of this store (tests and status screens).
    pub fn count(&self, table: &str) -> Result<i64> {
        let table = RecordKind::ALL
            .into_iter()
            .map(table_of)
            .chain(["travel_place", "outbox"])
            .find(|t| *t == table)
            .ok_or(StoreError::NotFound {
                kind: "table",
                id: table.to_owned(),
            })?;
        Ok(self
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    }

    /// `EXPLAIN QUERY PLAN` of one SQL statement with its parameters, one detail line per step.
    pub fn explain(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let rows = stmt
            .query_map(params, |r| r.get::<_, String>(3))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// True when the file starts with the plain SQLite header (an unencrypted database).
fn is_plain_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map(|()| &header == b"SQLite format 3\0")
        .unwrap_or(false)
}

/// The table that holds a record kind on the device (volunteers are kept with the reference
/// data they arrive as).
pub fn table_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Person => "person",
        RecordKind::Passage => "passage",
        RecordKind::TemperatureReading => "temperature_reading",
        RecordKind::TravelDeclaration => "travel_declaration",
        RecordKind::Correction => "correction",
        RecordKind::Volunteer => "reference",
        RecordKind::ObservationCase => "observation_case",
        RecordKind::FollowUpVisit => "follow_up_visit",
        RecordKind::CaseTransition => "case_transition",
        RecordKind::Referral => "referral",
        RecordKind::Household => "household",
        RecordKind::Screening => "screening",
        RecordKind::KeyArea => "key_area",
        RecordKind::KeyAreaChange => "key_area_change",
        RecordKind::HouseholdVisit => "household_visit",
        RecordKind::PersonLink => "person_link",
        RecordKind::HotlineReport => "hotline_report",
        RecordKind::ReportAction => "report_action",
        RecordKind::DisinfectionSite => "disinfection_site",
        RecordKind::Disinfection => "disinfection",
        RecordKind::StockMovement => "stock_movement",
        RecordKind::Donation => "donation",
        RecordKind::ShiftEvent => "shift_event",
    }
}

pub(crate) fn ts(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

pub(crate) fn uuid_opt(s: Option<String>) -> Option<Uuid> {
    s.and_then(|s| Uuid::parse_str(&s).ok())
}
