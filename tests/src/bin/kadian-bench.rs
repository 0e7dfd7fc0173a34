//! `cargo xtask bench`: Kadian's performance figures, measured on this machine's disk, printed as
//! one table (figure, value, target, ratio = value / target; ≤ 1 meets the target).
//!
//! Options: `--people N` (roster size, default 140000), `--iterations N` (writes timed, default
//! 2000), `--cases N` (open home-observation cases of one community, default 2000), `--passages N`
//! (the street dashboard's 14 days of passages, default 300000).

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
        destination: None,
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

/// Times `n` follow-up visits (one row and its outbox row, durable) of one case.
fn visit_writes(dir: &std::path::Path, n: usize) -> Result<Stats> {
    use kadian_domain::observation::{ObservationPolicy, VisitOutcome};
    use kadian_domain::records::{
        FollowUpVisit, ObservationCase, ObservationReason, VisitAction, VisitMethod, VisitSlot,
    };
    let mut store = Store::open(
        &dir.join("visits.db"),
        &StoreOptions::encrypted(DbKey::from_bytes([1; 32])),
    )?;
    let case = ObservationCase {
        id: new_id(),
        person_id: new_id(),
        community_code: "411402001018".into(),
        compound: "compound-bench".into(),
        address: Some("3号楼2单元301".into()),
        reason: ObservationReason::ReturneeElsewhere,
        origin_id: None,
        start_date: Instant::now_cst().utc.date_naive() - chrono::Days::new(3),
        followed_from: None,
        policy: ObservationPolicy::default(),
        responsible: Some("李红梅".into()),
        responsible_phone: None,
        backup: None,
        notes: None,
    };
    store.save_observation_case(&case, Source::User)?;
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 50 {
        let visit = FollowUpVisit {
            id: new_id(),
            case_id: case.id,
            date: case.start_date + chrono::Days::new(1),
            slot: VisitSlot::Any,
            at: Instant::now_cst(),
            method: VisitMethod::Door,
            outcome: VisitOutcome::SeenWell,
            celsius: Some(Celsius::from_tenths(365)),
            remeasure_of: None,
            symptoms: Vec::new(),
            action: VisitAction::None,
            recorded_by: "李红梅".into(),
        };
        let t = Clock::now();
        store.record_follow_up_visit(&visit, Source::User)?;
        if i >= 50 {
            samples.push(t.elapsed());
        }
    }
    Ok(Stats::of(&mut samples))
}

/// A community laptop holding `cases` open cases (persons in 18 buildings, day 0 one to ten
/// days ago, a visit on every day since, as pulled), and today's list computed `runs` times
/// from its store.
fn todays_list(dir: &std::path::Path, cases: usize, runs: usize) -> Result<Stats> {
    use kadian_domain::sync::{Change, Role, Scope};
    let compound = "0190a1b2-0000-7000-8000-0000000000c1";
    let mut store = Store::open(
        &dir.join("observation.db"),
        &StoreOptions::encrypted(DbKey::from_bytes([3; 32])),
    )?;
    store.set_enrolment(&kadian_device::Enrolment {
        server_url: "http://127.0.0.1:9".into(),
        device_id: "bench".into(),
        token: "t".into(),
        role: Role::Community,
        scope: Scope {
            street: "411402001".into(),
            community: Some("411402001018".into()),
            compound: None,
            checkpoint: None,
            zone: None,
        },
        cert_sha256: None,
        device_name: Some("社区笔记本".into()),
        street_name: None,
    })?;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let change = |kind: &str, id: String, body: serde_json::Value| Change {
        kind: kind.into(),
        id,
        version: 1,
        deleted: false,
        body,
    };
    let mut changes = vec![change(
        "compound",
        compound.into(),
        serde_json::json!({"id": compound, "name": "八一新苑", "community": "411402001018"}),
    )];
    for i in 0..cases {
        let mut person = Person::new(format!("居民{i}"), PersonCategory::Resident);
        person.community_code = Some("411402001018".into());
        person.compound = Some("八一新苑".into());
        let case_id = new_id();
        changes.push(change(
            "person",
            person.id.to_string(),
            serde_json::to_value(&person)?,
        ));
        let start = today - chrono::Days::new(10 - (i % 10) as u64);
        changes.push(change(
            "observation_case",
            case_id.to_string(),
            serde_json::json!({
                "id": case_id, "person_id": person.id, "community_code": "411402001018",
                "compound": compound,
                "address": format!("{}号楼{}单元{}", i % 18 + 1, i % 3 + 1, 100 * (i % 17 + 1) + i % 4 + 1),
                "reason": "returnee_elsewhere", "origin_id": null, "start_date": start,
                "policy": kadian_domain::observation::ObservationPolicy::default(),
                "responsible": format!("包保人{}", i % 40), "backup": null, "notes": null
            }),
        ));
        for d in 1..(today - start).num_days() {
            let at = Instant::now_cst();
            let id = new_id();
            changes.push(change(
                "follow_up_visit",
                id.to_string(),
                serde_json::json!({
                    "id": id, "case_id": case_id, "date": start + chrono::Days::new(d as u64),
                    "slot": "any", "at": at, "method": "door",
                    "outcome": if i % 50 == 0 && d == 2 { "seen_unwell" } else { "seen_well" },
                    "celsius": 36.5, "remeasure_of": null, "symptoms": [], "action": "none",
                    "recorded_by": "包保人"
                }),
            ));
        }
    }
    for (n, chunk) in changes.chunks(5000).enumerate() {
        let applied = store.apply_pull(chunk, n as i64 + 1)?;
        anyhow::ensure!(
            applied == chunk.len(),
            "{applied} of {} applied",
            chunk.len()
        );
    }
    store.set_last_sync_now()?;
    let core = kadian_device::AppCore::open_store(dir, store);
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Clock::now();
        let list = core
            .observation_today(None)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        samples.push(t.elapsed());
        anyhow::ensure!(
            list.entries.len() == cases,
            "{} entries",
            list.entries.len()
        );
    }
    Ok(Stats::of(&mut samples))
}

/// A street laptop holding the roster (`store`), 99 checkpoints and `passages` passages with a
/// reading each over the last 14 days (one in 50 a fever, one in 7 with a plate): its dashboard
/// for today, timed `runs` times. Returns the times and the passages it counted on the day.
fn street_dashboard(
    dir: &std::path::Path,
    mut store: Store,
    passages: usize,
    runs: usize,
    roster_compounds: &[kadian_registers::KnownCompound],
) -> Result<(Stats, u32, Stats)> {
    use kadian_domain::sync::{Change, Role, Scope};
    let change = |kind: &str, id: String, body: serde_json::Value| Change {
        kind: kind.into(),
        id,
        version: 1,
        deleted: false,
        body,
    };
    store.set_enrolment(&kadian_device::Enrolment {
        server_url: "http://127.0.0.1:9".into(),
        device_id: "street-laptop".into(),
        token: "t".into(),
        role: Role::Street,
        scope: Scope {
            street: "411402001".into(),
            community: None,
            compound: None,
            checkpoint: None,
            zone: None,
        },
        cert_sha256: None,
        device_name: None,
        street_name: None,
    })?;
    // 33 communities of 6 compounds, 99 checkpoints: the street's layout.
    let mut changes = Vec::new();
    let mut gates = Vec::new();
    for c in 0..33 {
        let code = format!("411402001{:03}", c + 1);
        changes.push(change(
            "community",
            code.clone(),
            serde_json::json!({"code": code, "name": format!("第{}社区", c + 1), "street": "411402001"}),
        ));
        for k in 0..6 {
            let compound = new_id().to_string();
            changes.push(change(
                "compound",
                compound.clone(),
                serde_json::json!({"id": compound, "name": format!("小区{c}-{k}"), "community": code}),
            ));
            if k < 3 {
                let gate = new_id().to_string();
                changes.push(change(
                    "checkpoint",
                    gate.clone(),
                    serde_json::json!({"id": gate, "name": "东门", "compound": compound}),
                ));
                gates.push(gate);
            }
        }
    }
    // The roster's compounds too (its households are in them), under their communities.
    for c in roster_compounds {
        changes.push(change(
            "community",
            c.community_code.clone(),
            serde_json::json!({"code": c.community_code, "name": c.community_code, "street": "411402001"}),
        ));
        changes.push(change(
            "compound",
            c.id.clone(),
            serde_json::json!({"id": c.id, "name": c.name, "community": c.community_code}),
        ));
    }
    store.apply_pull(&changes, 1)?;
    let now = chrono::Utc::now();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..passages {
        let (passage, reading) =
            kadian_tests::bench_passage(i, passages, 14, &gates[i % gates.len()], now);
        batch.push(PassageRegistration {
            passage,
            reading: Some(reading),
            travel: None,
        });
        if batch.len() == 10_000 {
            store.record_passages(&batch, Source::Sync)?;
            batch.clear();
        }
    }
    store.record_passages(&batch, Source::Sync)?;
    let core = kadian_device::AppCore::open_store(dir, store);
    let today = (now + chrono::Duration::hours(8)).date_naive().to_string();
    let mut samples = Vec::with_capacity(runs);
    let mut counted = 0;
    for _ in 0..runs {
        let t = Clock::now();
        let board = core
            .dashboard(&kadian_device::areas::dashboard::DashboardQuery {
                date: today.clone(),
                community: None,
                compound: None,
                zone: None,
            })
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        samples.push(t.elapsed());
        counted = board.unit.figures.passages_in + board.unit.figures.passages_out;
        anyhow::ensure!(counted > 0, "the dashboard counted no passages");
        anyhow::ensure!(
            board.unit.figures.households_registered > 0,
            "no households counted"
        );
    }
    let mut coverage = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Clock::now();
        let view = core
            .screening_coverage(&kadian_device::areas::screening::CoverageQuery {
                date: today.clone(),
                compound: None,
            })
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        coverage.push(t.elapsed());
        anyhow::ensure!(view.total.households_registered > 0, "no households");
    }
    Ok((Stats::of(&mut samples), counted, Stats::of(&mut coverage)))
}

/// The generated roster with every `size` rows in a row living at the first one's address
/// (compound, building, unit, room): the generator gives each person a random room, which makes
/// a household of nearly everyone; a street of 140,000 residents has about 45,000 households.
fn in_households(csv: &std::path::Path, size: usize) -> Result<std::path::PathBuf> {
    let out = csv.with_file_name(format!(
        "{}-households-of-{size}.csv",
        csv.file_stem().and_then(|s| s.to_str()).unwrap_or("roster")
    ));
    if out.exists() {
        return Ok(out);
    }
    // The generator writes plain cells (no quotes, no commas in a cell); the address is the
    // columns from 社区代码 on.
    let text = std::fs::read_to_string(csv)?;
    let mut lines = text.lines();
    let mut grouped = String::with_capacity(text.len());
    if let Some(header) = lines.next() {
        grouped.push_str(header);
        grouped.push('\n');
    }
    let mut address = String::new();
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.splitn(5, ',').collect();
        if i % size == 0 {
            address = cells.get(4).copied().unwrap_or_default().to_owned();
        }
        grouped.push_str(&cells[..cells.len().min(4)].join(","));
        grouped.push(',');
        grouped.push_str(&address);
        grouped.push('\n');
    }
    std::fs::write(&out, grouped)?;
    Ok(out)
}

/// The compounds a generated roster names (its 社区代码 and 小区 columns), each with an id of
/// its own.
fn roster_compounds(csv: &std::path::Path) -> Result<Vec<kadian_registers::KnownCompound>> {
    // The generator writes plain cells (no quotes, no commas in a cell).
    let mut seen = std::collections::BTreeSet::new();
    for line in std::fs::read_to_string(csv)?.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if let (Some(code), Some(name)) = (cells.get(4), cells.get(6)) {
            seen.insert(((*code).to_owned(), (*name).to_owned()));
        }
    }
    Ok(seen
        .into_iter()
        .map(|(community_code, name)| kadian_registers::KnownCompound {
            id: uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("{community_code}/{name}").as_bytes(),
            )
            .to_string(),
            name,
            community_code,
        })
        .collect())
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

    let visit = visit_writes(&dir, n)?;
    table.row(
        "follow-up visit, durable, outbox: median",
        ms(visit.median),
        "ms",
        None,
    );
    table.row(
        "visit ÷ bare transaction (median)",
        visit.median.as_secs_f64() / bare.median.as_secs_f64(),
        "×",
        Some(2.0),
    );
    let cases = cli_number("--cases", 2000);
    let list = todays_list(&dir, cases, 20)?;
    table.row(
        &format!("今日随访 of a community with {cases} open cases, computed: median"),
        ms(list.median),
        "ms",
        None,
    );
    table.row(
        &format!("今日随访 of a community with {cases} open cases, computed: p99"),
        ms(list.p99),
        "ms",
        Some(200.0),
    );

    let csv = in_households(&roster_csv(people).context("generating the roster")?, 3)?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).context("date")?;
    let t = Clock::now();
    let mut options = kadian_registers::ImportOptions::new(today);
    options.kind = Some(kadian_registers::RegisterKind::Roster);
    // The roster's compounds are the street's (each row names its own): its households are made
    // by building, unit and room.
    options.compounds = roster_compounds(&csv)?;
    let batch =
        kadian_registers::import_file(&csv, &options, &kadian_registers::Divisions::bundled())?;
    let rejected = batch.report.rejected;
    let households = batch.households.len();
    let mut store = Store::open(
        &dir.join("roster.db"),
        &StoreOptions::encrypted(DbKey::from_bytes([2; 32])),
    )?;
    store.record_import(&batch)?;
    let load = t.elapsed();
    let persons = batch.persons;
    anyhow::ensure!(rejected == 0, "{rejected} roster rows rejected");
    table.row(
        &format!(
            "load {people}-person roster in {households} households (kadian-registers import + store + outbox)"
        ),
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
    let passages = cli_number("--passages", 300_000);
    let (board, counted, coverage) =
        street_dashboard(&dir, store, passages, 5, &options.compounds)?;
    table.row(
        &format!(
            "street dashboard (概况, with 排查) over {people} residents and {passages} passages in 14 days ({counted} on the day): max of 5"
        ),
        board.max.as_secs_f64(),
        "s",
        Some(1.0),
    );
    table.row(
        &format!(
            "street 入户排查 coverage over {people} residents in {households} households and 7 days of passages: max of 5"
        ),
        coverage.max.as_secs_f64(),
        "s",
        Some(1.0),
    );

    let (supplies, movements) = supplies_stock(&dir, 100)?;
    table.row(
        &format!(
            "stock on hand for the whole street, 100 holders × 10 items, a month ({movements} movements), read and summed: max of 5"
        ),
        ms(supplies),
        "ms",
        Some(100.0),
    );

    table.print();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
/// Stock on hand for the whole street as a laptop counts it: `holders` holders (the street's
/// store, 20 communities, the rest checkpoints) × 10 items (the plan's seven and three a street
/// added), a month of movements (a use a day, a receipt a week) read from an encrypted store and
/// summed. Max of 5.
fn supplies_stock(dir: &std::path::Path, holders: usize) -> Result<(std::time::Duration, usize)> {
    use kadian_domain::records::{
        new_id, Holder, Instant, MovementKind, ReceiptSource, Source, StockMovement, SupplyItems,
    };
    let mut items: Vec<String> = SupplyItems::default()
        .iter()
        .map(|i| i.code.clone())
        .collect();
    items.extend(["isolation_gown", "face_shield", "shoe_cover"].map(String::from));
    let mut store = Store::open(
        &dir.join("supplies.db"),
        &StoreOptions::encrypted(DbKey::from_bytes([3; 32])),
    )?;
    let start: chrono::DateTime<chrono::Utc> = "2026-11-01T01:00:00Z".parse()?;
    let holder = |i: usize| match i {
        0 => Holder::Street,
        1..=20 => Holder::Community {
            code: format!("4114020010{i:02}"),
        },
        _ => Holder::Checkpoint {
            id: format!("gate-{i}"),
        },
    };
    let mut movements = Vec::new();
    for i in 0..holders {
        for item in &items {
            for day in 0..30 {
                let received = day % 7 == 0;
                movements.push(StockMovement {
                    id: new_id(),
                    item: item.clone(),
                    holder: holder(i),
                    kind: if received {
                        MovementKind::Received
                    } else {
                        MovementKind::Used
                    },
                    quantity: if received { 1000 } else { 30 },
                    to: None,
                    transfer_id: None,
                    source: received.then_some(ReceiptSource::Allocation),
                    donation_id: None,
                    at: Instant {
                        utc: start + chrono::Duration::days(day),
                        offset_minutes: 480,
                    },
                    note: None,
                    recorded_by: "bench".into(),
                });
            }
        }
    }
    store.write_stock_movements(&movements, Source::Import)?;
    let now = start + chrono::Duration::days(30);
    let mut max = std::time::Duration::ZERO;
    for _ in 0..5 {
        let t = Clock::now();
        let held = store.stock_movements()?;
        let s = kadian_domain::supplies::stock(&held, now);
        anyhow::ensure!(
            s.balances.len() == holders * items.len(),
            "every holder and item"
        );
        max = max.max(t.elapsed());
    }
    Ok((max, movements.len()))
}
