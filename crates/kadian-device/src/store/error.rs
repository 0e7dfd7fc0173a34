//! What can go wrong with the device store, in words a volunteer (or the engineer they call)
//! can act on. Every variant has a stable [`StoreError::code`].

use std::path::PathBuf;

use kadian_domain::Notice;
use rusqlite::ErrorCode;

/// An error of the device store. Nothing is half-written when one is returned: every write runs
/// in one transaction that is rolled back on error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder or file cannot be created or opened (missing, not a folder, read-only, no
    /// permission).
    #[error("cannot open the Kadian database at {path}: {detail}. Check that the folder exists and this user may write to it")]
    CannotOpen {
        /// The database path.
        path: PathBuf,
        /// What the system said.
        detail: String,
    },
    /// The file or its folder is read-only.
    #[error("the Kadian database at {path} is read-only; nothing was written. Move it to a writable folder or fix its permissions")]
    ReadOnly {
        /// The database path.
        path: PathBuf,
    },
    /// The disk is full; the last write was rolled back.
    #[error("the disk is full; the last record was NOT saved (nothing was half-written). Free some space and try again")]
    DiskFull,
    /// The file is a plain, unencrypted SQLite database or has another application's id.
    #[error("{path} is not a Kadian database (it belongs to another program or is not encrypted); it was left untouched")]
    NotKadianDatabase {
        /// The database path.
        path: PathBuf,
    },
    /// The key does not open the file (wrong key, or not a database at all).
    #[error("the key does not open {path}: either the device key was lost or changed, or the file is not a Kadian database. The file was left untouched")]
    WrongKey {
        /// The database path.
        path: PathBuf,
    },
    /// The database was written by a newer Kadian.
    #[error("the database is at schema version {found}, newer than this Kadian ({supported}); update Kadian")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// A migration failed; the database stays at the previous version.
    #[error("migration {version} ({name}) failed: {detail}; the database stays at version {}", version - 1)]
    Migration {
        /// The migration's number.
        version: i64,
        /// Its file name.
        name: &'static str,
        /// What SQLite said.
        detail: String,
    },
    /// Another write held the database longer than the busy timeout.
    #[error("the database is busy; try again")]
    Busy,
    /// An event was asked to change in place.
    #[error("events are never edited; record a correction instead")]
    EventImmutable,
    /// A record failed a rule of the field.
    #[error("invalid record: {0}")]
    Invalid(Notice),
    /// A referenced record does not exist.
    #[error("{kind} {id} not found")]
    NotFound {
        /// Record kind.
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// The key could not be loaded or stored.
    #[error(transparent)]
    Key(#[from] super::key::KeyError),
    /// Any other SQLite error (a bug, or a damaged file).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A record could not be turned into JSON (a bug).
    #[error("encoding error: {0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    /// Stable machine-readable code (`disk_full`, `wrong_key`, ...), for the UI and logs.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::CannotOpen { .. } => "cannot_open",
            StoreError::ReadOnly { .. } => "read_only",
            StoreError::DiskFull => "disk_full",
            StoreError::NotKadianDatabase { .. } => "not_kadian_database",
            StoreError::WrongKey { .. } => "wrong_key",
            StoreError::TooNew { .. } => "schema_too_new",
            StoreError::Migration { .. } => "migration_failed",
            StoreError::Busy => "busy",
            StoreError::EventImmutable => "event_immutable",
            StoreError::Invalid(_) => "invalid_record",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Key(_) => "key_error",
            StoreError::Sqlite(_) => "database_error",
            StoreError::Json(_) => "encoding_error",
        }
    }

    /// True when the error lies in the record being written (it breaks a rule, names something
    /// missing, or a constraint of the store), not in the store itself (disk full, busy, key):
    /// writing the same record again would fail the same way.
    pub fn is_record_fault(&self) -> bool {
        matches!(
            self,
            StoreError::Invalid(_)
                | StoreError::NotFound { .. }
                | StoreError::EventImmutable
                | StoreError::Json(_)
        ) || matches!(self, StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if f.code == ErrorCode::ConstraintViolation)
            || matches!(
                self,
                StoreError::Sqlite(
                    rusqlite::Error::InvalidColumnType(..)
                        | rusqlite::Error::ToSqlConversionFailure(_)
                        | rusqlite::Error::IntegralValueOutOfRange(..)
                )
            )
    }

    /// The message in Chinese, for the screen (the English one is `to_string()`).
    pub fn message_zh(&self) -> String {
        match self {
            StoreError::CannotOpen { .. } => {
                "打不开本机数据文件，请检查存储空间和权限后重启应用".into()
            }
            StoreError::ReadOnly { .. } => "本机数据文件只读，没有保存。请联系技术人员".into(),
            StoreError::DiskFull => "存储空间已满，刚才这条没有保存。请清理空间后再试".into(),
            StoreError::NotKadianDatabase { .. } => {
                "数据文件不是卡点登记的，已原样保留。请联系技术人员".into()
            }
            StoreError::WrongKey { .. } => {
                "密钥打不开本机数据（密钥丢失或被更改），文件已原样保留。请联系技术人员".into()
            }
            StoreError::TooNew { .. } => "数据来自更新版本的应用，请先升级".into(),
            StoreError::Migration { .. } => "数据升级失败，原数据未改动。请联系技术人员".into(),
            StoreError::Busy => "设备正忙，请稍后再试".into(),
            StoreError::EventImmutable => "登记不能修改，只能作废后重新登记".into(),
            StoreError::Invalid(detail) => format!("内容不完整，没有保存：{detail}"),
            StoreError::NotFound { .. } => "找不到这条记录".into(),
            StoreError::Key(_) => "读取设备密钥失败。请联系技术人员".into(),
            StoreError::Sqlite(_) | StoreError::Json(_) => {
                "本机数据出错，没有保存。请联系技术人员".into()
            }
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            match f.code {
                ErrorCode::DiskFull => return StoreError::DiskFull,
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => return StoreError::Busy,
                ErrorCode::ConstraintViolation
                    if msg.as_deref().unwrap_or("").contains("event_immutable") =>
                {
                    return StoreError::EventImmutable
                }
                _ => {}
            }
        }
        StoreError::Sqlite(e)
    }
}

/// Result of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
