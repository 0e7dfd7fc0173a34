//! The device store's migrations: the SQL files of `migrations/device/`, embedded at build time,
//! each applied in its own transaction and recorded in `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use super::error::{Result, StoreError};

/// One numbered migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// 1, 2, ...: the schema version after it.
    pub version: i64,
    /// File name in `migrations/device/`.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
    /// A step in Rust after the SQL, in the same transaction (filling a derived column SQLite
    /// cannot compute).
    pub then: Option<fn(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial.sql",
        sql: include_str!("../../../../migrations/device/0001_initial.sql"),
        then: None,
    },
    Migration {
        version: 2,
        name: "0002_sync_replica.sql",
        sql: include_str!("../../../../migrations/device/0002_sync_replica.sql"),
        then: None,
    },
    Migration {
        version: 3,
        name: "0003_review_indexes.sql",
        sql: include_str!("../../../../migrations/device/0003_review_indexes.sql"),
        then: None,
    },
    Migration {
        version: 4,
        name: "0004_sync_quarantine.sql",
        sql: include_str!("../../../../migrations/device/0004_sync_quarantine.sql"),
        then: None,
    },
    Migration {
        version: 5,
        name: "0005_outbox_record.sql",
        sql: include_str!("../../../../migrations/device/0005_outbox_record.sql"),
        then: None,
    },
    Migration {
        version: 6,
        name: "0006_person_pinyin.sql",
        sql: include_str!("../../../../migrations/device/0006_person_pinyin.sql"),
        then: Some(fill_name_pinyin),
    },
    Migration {
        version: 7,
        name: "0007_acknowledged.sql",
        sql: include_str!("../../../../migrations/device/0007_acknowledged.sql"),
        then: None,
    },
    Migration {
        version: 8,
        name: "0008_observation.sql",
        sql: include_str!("../../../../migrations/device/0008_observation.sql"),
        then: None,
    },
    Migration {
        version: 9,
        name: "0009_passage_destination.sql",
        sql: include_str!("../../../../migrations/device/0009_passage_destination.sql"),
        then: None,
    },
    Migration {
        version: 10,
        name: "0010_figure_indexes.sql",
        sql: include_str!("../../../../migrations/device/0010_figure_indexes.sql"),
        then: None,
    },
    Migration {
        version: 11,
        name: "0011_referral.sql",
        sql: include_str!("../../../../migrations/device/0011_referral.sql"),
        then: None,
    },
    Migration {
        version: 12,
        name: "0012_household.sql",
        sql: include_str!("../../../../migrations/device/0012_household.sql"),
        then: None,
    },
    Migration {
        version: 13,
        name: "0013_screening.sql",
        sql: include_str!("../../../../migrations/device/0013_screening.sql"),
        then: None,
    },
    Migration {
        version: 14,
        name: "0014_key_area.sql",
        sql: include_str!("../../../../migrations/device/0014_key_area.sql"),
        then: None,
    },
    Migration {
        version: 15,
        name: "0015_person_link.sql",
        sql: include_str!("../../../../migrations/device/0015_person_link.sql"),
        then: None,
    },
    Migration {
        version: 16,
        name: "0016_passage_at_person.sql",
        sql: include_str!("../../../../migrations/device/0016_passage_at_person.sql"),
        then: None,
    },
    Migration {
        version: 17,
        name: "0017_hotline.sql",
        sql: include_str!("../../../../migrations/device/0017_hotline.sql"),
        then: None,
    },
    Migration {
        version: 18,
        name: "0018_disinfection.sql",
        sql: include_str!("../../../../migrations/device/0018_disinfection.sql"),
        then: None,
    },
    Migration {
        version: 19,
        name: "0019_supplies.sql",
        sql: include_str!("../../../../migrations/device/0019_supplies.sql"),
        then: None,
    },
    Migration {
        version: 20,
        name: "0020_donation.sql",
        sql: include_str!("../../../../migrations/device/0020_donation.sql"),
        then: None,
    },
    Migration {
        version: 21,
        name: "0021_shift_event.sql",
        sql: include_str!("../../../../migrations/device/0021_shift_event.sql"),
        then: None,
    },
];

/// Fills `person.name_pinyin` of the persons stored before migration 6.
fn fill_name_pinyin(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let names: Vec<(String, String)> = tx
        .prepare("SELECT id, name FROM person")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = tx.prepare("UPDATE person SET name_pinyin = ?2 WHERE id = ?1")?;
    for (id, name) in names {
        update.execute(rusqlite::params![
            id,
            super::search_keys::full_pinyin(&name)
        ])?;
    }
    Ok(())
}

/// The newest schema version this build knows.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// All migrations, in order.
pub fn migrations() -> &'static [Migration] {
    MIGRATIONS
}

/// Brings the database from its `user_version` up to `target` (normally [`LATEST_VERSION`]).
/// Each step runs in one `BEGIN IMMEDIATE` transaction; a failing step leaves the database at the
/// version before it.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > LATEST_VERSION {
        return Err(StoreError::TooNew {
            found: current,
            supported: LATEST_VERSION,
        });
    }
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > current && m.version <= target)
    {
        let failed = |e: rusqlite::Error| match StoreError::from(e) {
            StoreError::Sqlite(e) => StoreError::Migration {
                version: m.version,
                name: m.name,
                detail: e.to_string(),
            },
            other => other,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        tx.execute_batch(m.sql).map_err(failed)?;
        if let Some(then) = m.then {
            then(&tx).map_err(failed)?;
        }
        tx.pragma_update(None, "user_version", m.version)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}
