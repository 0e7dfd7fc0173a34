//! The disinfection_site and disinfection tables (消杀点位, 消杀记录): sites are entities with a
//! version, disinfections events; each written with its outbox row in the same transaction.

use chrono::{DateTime, Utc};
use kadian_domain::records::{self, Disinfection, DisinfectionSite, RecordKind, Source};
use rusqlite::{params, OptionalExtension, Transaction};

use super::error::{Result, StoreError};
use super::outbox::{enqueue, enqueue_entity};
use super::Store;

/// The version held of a site, if it is held.
pub(crate) fn held_site_version(tx: &Transaction<'_>, id: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT version FROM disinfection_site WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Writes a site: a new one or a change of one held here (on the version held). Pulled ones
/// take the server's version and queue nothing. Errors: the site's rules.
pub(crate) fn upsert_site_tx(
    tx: &Transaction<'_>,
    s: &DisinfectionSite,
    source: Source,
    version: Option<i64>,
) -> Result<usize> {
    records::check_disinfection_site(s).map_err(StoreError::Invalid)?;
    let id = s.id.to_string();
    let held = held_site_version(tx, &id)?;
    tx.prepare_cached(
        "INSERT INTO disinfection_site (id, kind, name, community_code, compound, body, version, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
             community_code = excluded.community_code, compound = excluded.compound,
             body = excluded.body, version = excluded.version",
    )?
    .execute(params![
        id,
        serde_json::to_value(s.kind)?.as_str().unwrap_or_default(),
        s.name,
        s.community_code,
        s.compound,
        serde_json::to_string(s)?,
        version.unwrap_or_else(|| held.unwrap_or(0)),
        source.as_str(),
    ])?;
    enqueue_entity(tx, RecordKind::DisinfectionSite, s.id, held, s, source)
}

/// Stores a disinfection once. Errors: its rules.
pub(crate) fn insert_disinfection_tx(
    tx: &Transaction<'_>,
    d: &Disinfection,
    source: Source,
) -> Result<usize> {
    records::check_disinfection(d).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO disinfection (id, site_id, at_utc, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            d.id.to_string(),
            d.site_id.to_string(),
            super::ts(d.at.utc),
            serde_json::to_string(d)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    enqueue(
        tx,
        RecordKind::Disinfection,
        d.id,
        "create",
        None,
        d,
        source,
    )
}

impl Store {
    /// Writes sites (new, or changed on the version held) in one transaction: all or nothing.
    /// Errors: each site's rules.
    pub fn write_sites(&mut self, sites: &[DisinfectionSite], source: Source) -> Result<usize> {
        self.write(|tx| {
            let mut queued = 0;
            for s in sites {
                queued += upsert_site_tx(tx, s, source, None)?;
            }
            Ok(queued)
        })
    }

    /// Stores a disinfection. Errors: `NotFound` for a site not held here; its rules.
    pub fn write_disinfection(&mut self, d: &Disinfection, source: Source) -> Result<usize> {
        self.write(|tx| {
            let site = d.site_id.to_string();
            if held_site_version(tx, &site)?.is_none() {
                return Err(StoreError::NotFound {
                    kind: RecordKind::DisinfectionSite.as_str(),
                    id: site,
                });
            }
            insert_disinfection_tx(tx, d, source)
        })
    }

    /// Every site held here, by name.
    pub fn disinfection_sites(&self) -> Result<Vec<DisinfectionSite>> {
        self.bodies("SELECT body FROM disinfection_site ORDER BY name, id", [])
    }

    /// One site, if held.
    pub fn disinfection_site(&self, id: uuid::Uuid) -> Result<Option<DisinfectionSite>> {
        Ok(self
            .bodies(
                "SELECT body FROM disinfection_site WHERE id = ?1",
                [id.to_string()],
            )?
            .into_iter()
            .next())
    }

    /// The disinfections done in [`from`, `to`) (UTC), by time.
    pub fn disinfections_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Disinfection>> {
        self.bodies(
            "SELECT body FROM disinfection WHERE at_utc >= ?1 AND at_utc < ?2 ORDER BY at_utc, id",
            [super::ts(from), super::ts(to)],
        )
    }
}
