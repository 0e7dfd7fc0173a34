//! The stock_movement table (物资出入库): events, each written with its outbox row in the same
//! transaction. Stock on hand is their sum, counted where it is shown. The donation table (捐赠,
//! entities with a version), each written with the receipts its lines bring.

use kadian_domain::records::{self, Donation, RecordKind, Source, StockMovement};
use rusqlite::{params, OptionalExtension, Transaction};

use super::error::{Result, StoreError};
use super::outbox::{enqueue, enqueue_entity};
use super::Store;

/// Stores a movement once. Errors: its rules.
pub(crate) fn insert_stock_movement_tx(
    tx: &Transaction<'_>,
    m: &StockMovement,
    source: Source,
) -> Result<usize> {
    records::check_stock_movement(m).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO stock_movement (id, item, at_utc, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            m.id.to_string(),
            m.item,
            super::ts(m.at.utc),
            serde_json::to_string(m)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    enqueue(
        tx,
        RecordKind::StockMovement,
        m.id,
        "create",
        None,
        m,
        source,
    )
}

impl Store {
    /// Stores movements in one transaction (a receipt and its count together): all or
    /// nothing. Errors: each movement's rules.
    pub fn write_stock_movements(&mut self, ms: &[StockMovement], source: Source) -> Result<usize> {
        self.write(|tx| {
            let mut queued = 0;
            for m in ms {
                queued += insert_stock_movement_tx(tx, m, source)?;
            }
            Ok(queued)
        })
    }

    /// Every movement held here, by time.
    pub fn stock_movements(&self) -> Result<Vec<StockMovement>> {
        self.bodies("SELECT body FROM stock_movement ORDER BY at_utc, id", [])
    }
}

/// The version held of a donation, if it is held.
pub(crate) fn held_donation_version(tx: &Transaction<'_>, id: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row("SELECT version FROM donation WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Writes a donation: a new one or a change of one held here (on the version held). Pulled
/// ones take the server's version and queue nothing. Errors: the donation's rules.
pub(crate) fn upsert_donation_tx(
    tx: &Transaction<'_>,
    d: &Donation,
    source: Source,
    version: Option<i64>,
) -> Result<usize> {
    records::check_donation(d).map_err(StoreError::Invalid)?;
    let id = d.id.to_string();
    let held = held_donation_version(tx, &id)?;
    tx.prepare_cached(
        "INSERT INTO donation (id, donated_on, body, version, source)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET donated_on = excluded.donated_on,
             body = excluded.body, version = excluded.version",
    )?
    .execute(params![
        id,
        d.donated_on.to_string(),
        serde_json::to_string(d)?,
        version.unwrap_or_else(|| held.unwrap_or(0)),
        source.as_str(),
    ])?;
    enqueue_entity(tx, RecordKind::Donation, d.id, held, d, source)
}

impl Store {
    /// Records donations and the stock their lines bring ([`Donation::receipts`]) in one
    /// transaction: all or nothing. A donation held already is changed (on the version held);
    /// its receipts, held already, are not stored twice. Errors: each record's rules.
    pub fn write_donations(&mut self, ds: &[Donation], source: Source) -> Result<usize> {
        self.write(|tx| {
            let mut queued = 0;
            for d in ds {
                queued += upsert_donation_tx(tx, d, source, None)?;
                for m in d.receipts() {
                    queued += insert_stock_movement_tx(tx, &m, source)?;
                }
            }
            Ok(queued)
        })
    }

    /// Every donation held here, by date.
    pub fn donations(&self) -> Result<Vec<Donation>> {
        self.bodies("SELECT body FROM donation ORDER BY donated_on, id", [])
    }
}
