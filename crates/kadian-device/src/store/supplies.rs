//! The stock_movement table (物资出入库): events, each written with its outbox row in the same
//! transaction. Stock on hand is their sum, counted where it is shown.

use kadian_domain::records::{self, RecordKind, Source, StockMovement};
use rusqlite::{params, Transaction};

use super::error::{Result, StoreError};
use super::outbox::enqueue;
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
