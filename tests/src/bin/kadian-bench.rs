//! `cargo xtask bench`: Kadian's performance figures, measured on this machine's disk, printed as
//! one table (figure, value, target, ratio = value / target; ≤ 1 meets the target).
//!
//! Options: `--people N` (roster size, default 140000), `--iterations N` (writes timed, default
//! 2000).

use std::time::Instant as Clock;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use kadian_device::{DbKey, PassageRegistration, Store, StoreOptions};
use kadian_domain::records::{
    new_id, Direction, Instant, Passage, Person, PersonCategory, Source, TemperatureReading,
};
use kadian_domain::{Celsius, FeverThreshold};
use kadian_tests::{cli_number, ms, roster_csv, scratch_dir, Stats};

struct Table(Vec<[String; 4]>);

impl Table {
    fn row(&mut self, figure: &str, value: f64, unit: &str, target: Option<f64>) {
        let ratio = target
            .map(|t| format!("{:.2}", value / t))
            .unwrap_or_else(|| "—".into());
        let target = target
            .map(|t| format!("≤ {t} {unit}"))
            .unwrap_or_else(|| "—".into());
        self.0.push([
            figure.to_owned(),
            format!("{value:.3} {unit}"),
            target,
            ratio,
        ]);
    }

    fn print(&self) {
        let head = ["figure", "value", "target", "ratio"];
        let width = |i: usize| {
            self.0
                .iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        };
        let w: Vec<usize> = (0..4).map(width).collect();
        let line = |cells: [&str; 4]| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c}{}", " ".repeat(w[i] - c.chars().count())))
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        line(head);
        println!(
            "|{}|",
            w.iter()
                .map(|n| "-".repeat(n + 2))
                .collect::<Vec<_>>()
                .join("|")
        );
        for r in &self.0 {
            line([&r[0], &r[1], &r[2], &r[3]]);
        }
    }
}

fn registration(person: &Person) -> PassageRegistration {
    let passage = Passage {
        id: new_id(),
        checkpoint_id: "cp-bench".into(),
        direction: Direction::In,
        at: Instant::now_cst(),
        person_id: Some(person.id),
        walk_in_name: None,
        plate: None,
        companions: 0,
        purpose: None,
        recorded_by: "volunteer-bench".into(),
    };
    let celsius = Celsius::from_tenths(365);
    let reading = TemperatureReading {
        id: new_id(),
        passage_id: Some(passage.id),
        person_id: Some(person.id),
        checkpoint_id: passage.checkpoint_id.clone(),
        at: passage.at,
        celsius,
        fever: FeverThreshold::default().is_fever(celsius),
        remeasure_of: None,
        recorded_by: passage.recorded_by.clone(),
    };
    PassageRegistration {
        passage,
        reading: Some(reading),
        travel: None,
    }
}

/// Times `n` registrations (passage + reading + two outbox rows) in a store opened with `key`.
fn passage_writes(dir: &std::path::Path, key: Option<DbKey>, n: usize) -> Result<Stats> {
    let mut options = StoreOptions::encrypted(DbKey::from_bytes([1; 32]));
    options.key = key;
    let mut store = Store::open(&dir.join("passages.db"), &options)?;
    let person = Person::new("压测", PersonCategory::Resident);
    store.upsert_person(&person, Source::User)?;
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 50 {
        let reg = registration(&person);
        let t = Clock::now();
        store.record_passage(&reg, Source::User)?;
        if i >= 50 {
            samples.push(t.elapsed());
        }
    }
    Ok(Stats::of(&mut samples))
}

/// Times `n` bare one-row transactions with the store's pragmas (SQLCipher key, WAL,
/// synchronous=FULL, foreign keys, BEGIN IMMEDIATE) on the same disk.
fn bare_writes(dir: &std::path::Path, n: usize) -> Result<Stats> {
    let mut conn = rusqlite::Connection::open(dir.join("bare.db"))?;
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON; CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT NOT NULL);",
        DbKey::from_bytes([1; 32]).to_hex()
    ))?;
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 50 {
        let id = new_id().to_string();
        let t = Clock::now();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("INSERT INTO t (id, v) VALUES (?1, 'x')", [&id])?;
        tx.commit()?;
        if i >= 50 {
            samples.push(t.elapsed());
        }
    }
    Ok(Stats::of(&mut samples))
}

fn lookups(store: &Store, queries: &[String]) -> Result<Stats> {
    let mut samples = Vec::with_capacity(queries.len());
    for q in queries {
        let t = Clock::now();
        let hits = store.find_people(q, 20)?;
        samples.push(t.elapsed());
        anyhow::ensure!(!hits.is_empty(), "no hit for {q}");
    }
    Ok(Stats::of(&mut samples))
}

fn main() -> Result<()> {
    let people = cli_number("--people", 140_000);
    let n = cli_number("--iterations", 2000);
    let dir = scratch_dir("bench")?;
    let mut table = Table(Vec::new());
    eprintln!(
        "kadian-bench: {n} timed writes each; roster of {people}; disk {}",
        dir.display()
    );

    let passage = passage_writes(&dir.join("enc"), Some(DbKey::from_bytes([1; 32])), n)?;
    let bare = bare_writes(&dir, n)?;
    let plain = passage_writes(&dir.join("plain"), None, n)?;
    table.row(
        "passage + reading, durable, outbox: median",
        ms(passage.median),
        "ms",
        Some(2.0),
    );
    table.row(
        "passage + reading, durable, outbox: p99",
        ms(passage.p99),
        "ms",
        Some(10.0),
    );
    table.row(
        "bare one-row transaction, same pragmas: median",
        ms(bare.median),
        "ms",
        None,
    );
    table.row(
        "passage ÷ bare transaction (median)",
        passage.median.as_secs_f64() / bare.median.as_secs_f64(),
        "×",
        Some(1.5),
    );
    table.row(
        "passage on plain SQLite (no SQLCipher): median",
        ms(plain.median),
        "ms",
        None,
    );
    table.row(
        "SQLCipher ÷ plain SQLite (median)",
        passage.median.as_secs_f64() / plain.median.as_secs_f64(),
        "×",
        None,
    );

    let csv = roster_csv(people).context("generating the roster")?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).context("date")?;
    let t = Clock::now();
    let mut options = kadian_registers::ImportOptions::new(today);
    options.kind = Some(kadian_registers::RegisterKind::Roster);
    let batch =
        kadian_registers::import_file(&csv, &options, &kadian_registers::Divisions::bundled())?;
    let (persons, rejected) = (batch.persons, batch.report.rejected);
    let mut store = Store::open(
        &dir.join("roster.db"),
        &StoreOptions::encrypted(DbKey::from_bytes([2; 32])),
    )?;
    store.import_persons(persons.iter(), Source::Import)?;
    let load = t.elapsed();
    anyhow::ensure!(rejected == 0, "{rejected} roster rows rejected");
    table.row(
        &format!("load {people}-person roster (kadian-registers import + store + outbox)"),
        load.as_secs_f64(),
        "s",
        Some(10.0),
    );

    let step = (persons.len() / 500).max(1);
    let sample: Vec<&Person> = persons.iter().step_by(step).collect();
    let suffix = |s: &str, k: usize| {
        s.chars()
            .rev()
            .take(k)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>()
    };
    let id4: Vec<String> = sample
        .iter()
        .filter_map(|p| p.document_number.as_deref().map(|d| suffix(d, 4)))
        .collect();
    let id6: Vec<String> = sample
        .iter()
        .filter_map(|p| p.document_number.as_deref().map(|d| suffix(d, 6)))
        .collect();
    let phone4: Vec<String> = sample
        .iter()
        .filter_map(|p| p.phone.as_deref().map(|d| suffix(d, 4)))
        .collect();
    let name: Vec<String> = sample
        .iter()
        .map(|p| p.name.chars().take(2).collect())
        .collect();
    let initials: Vec<String> = sample
        .iter()
        .map(|p| {
            use pinyin::ToPinyin;
            p.name
                .as_str()
                .to_pinyin()
                .flatten()
                .map(|py| py.first_letter().to_owned())
                .collect::<String>()
        })
        .collect();
    for (figure, queries) in [
        ("lookup: ID number last 4, p99", &id4),
        ("lookup: ID number last 6, p99", &id6),
        ("lookup: phone last 4, p99", &phone4),
        ("lookup: name prefix, p99", &name),
        ("lookup: pinyin initials, p99", &initials),
    ] {
        let stats = lookups(&store, queries)?;
        table.row(figure, ms(stats.p99), "ms", Some(10.0));
    }
    drop(store);

    table.print();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
