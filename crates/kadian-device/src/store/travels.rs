//! The travel_declaration table and its places (travel_place).

use chrono::{DateTime, NaiveDate, Utc};
use kadian_domain::records;
use kadian_domain::records::{
    Instant, RecordKind, Source, TransportMode, TravelDeclaration, TravelPlace,
};
use rusqlite::{params, Transaction};
use uuid::Uuid;

use super::error::{Result, StoreError};
use super::outbox::enqueue;
use super::{parse_utc, ts, uuid_opt, Store};
use crate::Recorded;

const SQL_TRAVELS: &str = "SELECT id, person_id, passage_id, from_date, to_date, transport,
        transport_ref, declared_at_utc, offset_minutes, recorded_by
    FROM travel_declaration";

pub(crate) fn insert_travel(
    tx: &Transaction<'_>,
    t: &TravelDeclaration,
    source: Source,
) -> Result<usize> {
    records::check_travel(t).map_err(StoreError::Invalid)?;
    let transport = t.transport.map(|m| {
        serde_json::to_value(m)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    });
    tx.prepare_cached(
        "INSERT INTO travel_declaration (id, person_id, passage_id, from_date, to_date, transport,
                 transport_ref, declared_at_utc, offset_minutes, recorded_by, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        t.id.to_string(),
        t.person_id.map(|u| u.to_string()),
        t.passage_id.map(|u| u.to_string()),
        t.from_date.map(|d| d.to_string()),
        t.to_date.map(|d| d.to_string()),
        transport,
        t.transport_ref,
        ts(t.declared_at.utc),
        t.declared_at.offset_minutes,
        t.recorded_by,
        source.as_str(),
    ])?;
    let mut place = tx.prepare_cached(
        "INSERT INTO travel_place (declaration_id, seq, division_code, text) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, p) in t.places.iter().enumerate() {
        place.execute(params![t.id.to_string(), i as i64, p.division_code, p.text])?;
    }
    enqueue(
        tx,
        RecordKind::TravelDeclaration,
        t.id,
        "create",
        None,
        t,
        source,
    )
}

impl Store {
    /// Stores a travel declaration on its own.
    pub fn record_travel(&mut self, t: &TravelDeclaration, source: Source) -> Result<Recorded> {
        self.write(|tx| {
            let outbox_rows = insert_travel(tx, t, source)?;
            Ok(Recorded {
                ids: vec![t.id],
                outbox_rows,
            })
        })
    }

    /// Travel declarations taken between two instants, newest first.
    pub fn travels_declared_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TravelDeclaration>> {
        let (f, t) = (super::ts(from), super::ts(to));
        self.travels_where(
            "WHERE declared_at_utc >= ?1 AND declared_at_utc < ?2 ORDER BY declared_at_utc DESC",
            &[&f, &t],
        )
    }

    /// Travel declarations of arrivals on or after `day` (local date), latest arrival first.
    pub fn travels_arrived_since(&self, day: NaiveDate) -> Result<Vec<TravelDeclaration>> {
        self.travels_where(
            "WHERE to_date >= ?1 ORDER BY to_date DESC",
            &[&day.to_string()],
        )
    }

    /// A person's travel declarations, newest first.
    pub fn travels_of_person(&self, id: Uuid) -> Result<Vec<TravelDeclaration>> {
        self.travels_where(
            "WHERE person_id = ?1 ORDER BY declared_at_utc DESC",
            &[&id.to_string()],
        )
    }

    fn travels_where(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<TravelDeclaration>> {
        let sql = format!("{SQL_TRAVELS} {clause}");
        let mut list = self
            .conn
            .prepare_cached(&sql)?
            .query_map(args, |r| {
                let date = |s: Option<String>| {
                    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
                };
                let transport: Option<String> = r.get(5)?;
                Ok(TravelDeclaration {
                    id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    person_id: uuid_opt(r.get(1)?),
                    passage_id: uuid_opt(r.get(2)?),
                    places: Vec::new(),
                    from_date: date(r.get(3)?),
                    to_date: date(r.get(4)?),
                    transport: transport.and_then(|t| {
                        serde_json::from_value::<TransportMode>(serde_json::Value::String(t)).ok()
                    }),
                    transport_ref: r.get(6)?,
                    declared_at: Instant {
                        utc: parse_utc(&r.get::<_, String>(7)?),
                        offset_minutes: r.get(8)?,
                    },
                    recorded_by: r.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut places = self.conn.prepare_cached(
            "SELECT division_code, text FROM travel_place WHERE declaration_id = ?1 ORDER BY seq",
        )?;
        for t in &mut list {
            t.places = places
                .query_map([t.id.to_string()], |r| {
                    Ok(TravelPlace {
                        division_code: r.get(0)?,
                        text: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
        }
        Ok(list)
    }
}
