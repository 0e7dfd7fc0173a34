//! The daily report's benchmark (part of `cargo xtask bench`): a server holding the street's
//! 140,000 residents and 14 days of events (≈ 300,000 passages, each with its reading; a
//! returnee's travel declaration a day per checkpoint), stored through the server's own bulk
//! insert; then `kadian-server report daily` for the last day, timed. On SQLite, and on
//! PostgreSQL when `KADIAN_TEST_PG` is set. Prints rows of the benchmark table (figure, value,
//! target, ratio).
//!
//! Options: `--residents N` (default 140000), `--passages N` (default 300000).

use std::time::Instant as Clock;

use anyhow::Result;
use kadian_domain::records::{
    household_id_for, household_key, new_id, Household, HouseholdPlace, Person, PersonCategory,
    TravelDeclaration, TravelPlace,
};
use kadian_domain::FeverThreshold;
use kadian_tests::cli_number;
use kadian_tests::harness::{backends, bulk_store, push_record, TestServer};

fn row(figure: &str, value: f64, unit: &str, target: Option<f64>) {
    let (t, ratio) = match target {
        Some(t) => (format!("≤ {t} {unit}"), format!("{:.2}", value / t)),
        None => ("—".into(), "—".into()),
    };
    println!("| {figure} | {value:.2} {unit} | {t} | {ratio} |");
}

async fn bench_backend(backend: &str, residents: usize, passages: usize) -> Result<()> {
    let s = TestServer::start(backend).await;
    let places = [
        (&s.community_a, &s.compound_a, &s.checkpoint_a),
        (&s.community_b, &s.compound_b, &s.checkpoint_b),
    ];
    let now = chrono::Utc::now();
    let mut records = Vec::with_capacity(residents + residents / 3 + 2 * passages + 100);
    // Three residents a household (a street's 140,000 in about 47,000), each household in one
    // compound; a third of the passages are residents'.
    let mut person_ids = Vec::with_capacity(residents);
    let mut households = 0;
    for i in 0..residents {
        let (community, compound, _) = places[(i / 3) % 2];
        let mut p = Person::new(format!("居民{i}"), PersonCategory::Resident);
        p.community_code = Some(community.clone());
        p.compound = Some(compound.clone());
        p.phone = Some(format!("138{:08}", i));
        if i % 3 == 0 {
            let place = HouseholdPlace::Compound {
                building: Some((1 + (i / 3) % 30).to_string()),
                unit: Some((1 + (i / 90) % 4).to_string()),
                room: Some(format!("{}", 101 + (i / 360))),
            };
            let key = household_key(community, compound, &place);
            let h = Household {
                id: household_id_for(&key),
                community_code: community.clone(),
                compound: compound.clone(),
                place,
                kind: None,
                head_name: Some(p.name.clone()),
                head_id: Some(p.id),
                phone: p.phone.clone(),
            };
            records.push(push_record("household", serde_json::to_value(&h)?));
            households += 1;
        }
        p.household = Some(household_id_for(&household_key(
            community,
            compound,
            &HouseholdPlace::Compound {
                building: Some((1 + (i / 3) % 30).to_string()),
                unit: Some((1 + (i / 90) % 4).to_string()),
                room: Some(format!("{}", 101 + (i / 360))),
            },
        )));
        person_ids.push(p.id);
        records.push(push_record("person", serde_json::to_value(&p)?));
    }
    for i in 0..passages {
        let (_, _, checkpoint) = places[i % 2];
        let (mut passage, reading) = kadian_tests::bench_passage(i, passages, 14, checkpoint, now);
        if i % 3 == 0 && !person_ids.is_empty() {
            passage.person_id = Some(person_ids[(i / 3) % person_ids.len()]);
            passage.walk_in_name = None;
        }
        let at = passage.at;
        if i % 3000 == 0 {
            let travel = TravelDeclaration {
                id: new_id(),
                person_id: None,
                passage_id: Some(passage.id),
                places: vec![TravelPlace {
                    division_code: Some("440300".into()),
                    text: None,
                }],
                from_date: None,
                to_date: Some((at.utc + chrono::Duration::hours(8)).date_naive()),
                transport: None,
                transport_ref: None,
                declared_at: at,
                recorded_by: "volunteer-bench".into(),
            };
            records.push(push_record(
                "travel_declaration",
                serde_json::to_value(&travel)?,
            ));
        }
        records.push(push_record("passage", serde_json::to_value(&passage)?));
        records.push(push_record(
            "temperature_reading",
            serde_json::to_value(&reading)?,
        ));
    }
    let t = Clock::now();
    bulk_store(&s.db, &records).await?;
    eprintln!(
        "kadian-bench-report [{backend}]: {} records stored in {:.0} s",
        records.len(),
        t.elapsed().as_secs_f64()
    );
    let day = kadian_server::china_time::china_today();
    let t = Clock::now();
    let report =
        kadian_server::report::daily(s.db.as_ref(), day, FeverThreshold::default()).await?;
    let took = t.elapsed().as_secs_f64();
    let counted = report.total.passages_in + report.total.passages_out;
    anyhow::ensure!(counted > 0, "the report counted no passages");
    row(
        &format!(
            "[{backend}] daily report (with 排查) over {residents} residents in {households} households and {passages} passages in 14 days ({counted} on the day)"
        ),
        took,
        "s",
        Some(1.0),
    );
    let t = Clock::now();
    let coverage = kadian_server::coverage::coverage(s.db.as_ref(), day, None).await?;
    let took = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        coverage.total.households_registered as usize == households,
        "{} households counted of {households}",
        coverage.total.households_registered
    );
    row(
        &format!(
            "[{backend}] report coverage over {residents} residents in {households} households and 7 days of passages ({} accounted for)",
            coverage.total.persons_accounted
        ),
        took,
        "s",
        Some(1.0),
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let residents = cli_number("--residents", 140_000);
    let passages = cli_number("--passages", 300_000);
    for b in backends() {
        bench_backend(b, residents, passages).await?;
    }
    Ok(())
}
