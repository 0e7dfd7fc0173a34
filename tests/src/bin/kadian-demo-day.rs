//! One simulated day of a street, with no window: `kadian-demo-day SERVER_URL PLAN.json`.
//!
//! `PLAN.json` (written by `cargo xtask demo --headless`) is
//! `{"street_code": "<one-time code of a street laptop>", "checkpoints": [{"id", "label", "code"}]}`
//! where each `code` enrols a volunteer tablet at that checkpoint. Every checkpoint gets its own
//! device (its own encrypted store in a temporary folder) and registers people through the
//! device core hour by hour, yesterday from 00:00 to 24:00 China time. Each hour each tablet is
//! online or not by a coin toss (offline: its sync meets a closed port and fails, as at a gate
//! with no signal). At the end every tablet syncs until its outbox is empty, a street laptop
//! pulls everything the server holds, and the table compares per checkpoint the passages and
//! fever readings on the tablet with those on the server.
//!
//! Home observation the same day: `compounds` (`[{"id", "label", "code"}]`, a compound laptop's
//! code each) get a laptop each with 20 residents under observation since 2 to 12 days ago. The
//! staff work through today's list (今日随访): most are seen (one in thirty unwell), some are
//! missed; half the laptops do it offline and sync only in the evening. The street laptop then
//! pulls, and a second table compares per compound today's visits on the laptop with those on
//! the server.
//!
//! Households the same day (村不漏户、户不漏人): each laptop's 20 residents live two to a household
//! (10 households a compound); the staff screen half the households door to door, and the first
//! two compounds are key areas whose every household gets its visit (全部正常). A third table
//! compares per compound the screening coverage on the laptop with the street laptop's. Exit
//! status 1 if any count differs.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::{Duration as Span, NaiveTime, TimeZone, Utc};
use kadian_device::areas::observation::{OpenCase, VisitInput};
use kadian_device::areas::screening::{
    CoverageQuery, HouseholdVisitInput, KeyAreaInput, MemberInput, MemberSeenInput, ScreeningInput,
};
use kadian_device::sync::{enrol, sync_round};
use kadian_device::{AppCore, KeyPolicy, PassageRegistration, SyncClient};
use kadian_domain::observation::VisitOutcome;
use kadian_domain::records::{
    household_id_for, household_key, new_id, Direction, Household, HouseholdPlace, Instant,
    ObservationReason, Passage, Person, PersonCategory, Relation, ShiftEvent, ShiftMark, Source,
    TemperatureReading,
};
use kadian_domain::temperature::FeverThreshold;
use kadian_domain::Celsius;

/// China Standard Time, minutes east of UTC.
const CST: i32 = 480;

#[derive(serde::Deserialize)]
struct Plan {
    street_code: String,
    checkpoints: Vec<PlanCheckpoint>,
    #[serde(default)]
    compounds: Vec<PlanCheckpoint>,
}

#[derive(serde::Deserialize)]
struct PlanCheckpoint {
    id: String,
    label: String,
    code: String,
}

struct Tablet {
    checkpoint: PlanCheckpoint,
    core: Arc<AppCore>,
    online: SyncClient,
    offline: SyncClient,
    _dir: tempfile::TempDir,
}

/// Passages and fever readings at `checkpoint` on a device's store during the day.
fn counts(core: &AppCore, checkpoint: &str, from: chrono::DateTime<Utc>) -> Result<(usize, usize)> {
    let rows = core
        .store()
        .passages_between(checkpoint, from, from + Span::days(1))?;
    Ok((rows.len(), rows.iter().filter(|r| r.fever).count()))
}

async fn open_enrolled(
    server: &str,
    code: &str,
    name: &str,
) -> Result<(AppCore, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let core = AppCore::open(
        dir.path(),
        &KeyPolicy::file_only(dir.path().join("device.key")),
    )?;
    enrol(&core, server, code, name, None)
        .await
        .with_context(|| format!("enrolling {name}"))?;
    Ok((core, dir))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, server, plan_path] = args.as_slice() else {
        bail!("usage: kadian-demo-day SERVER_URL PLAN.json");
    };
    let plan: Plan = serde_json::from_str(&std::fs::read_to_string(plan_path)?)?;
    let day = (Utc::now() + Span::minutes(CST.into())).date_naive() - Span::days(1);
    let day_start =
        Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)) - Span::minutes(CST.into());
    let mut rng = fastrand::Rng::with_seed(20_200_122);

    let mut tablets = Vec::new();
    for cp in plan.checkpoints {
        let (core, dir) = open_enrolled(server, &cp.code, &format!("{} 平板", cp.label)).await?;
        let e = core.store().enrolment()?.context("not enrolled")?;
        tablets.push(Tablet {
            online: SyncClient::new(server, Some(e.token.clone()), Duration::from_secs(20)),
            // Port 9 (discard) is closed on loopback: the sync fails as it does with no signal.
            offline: SyncClient::new("http://127.0.0.1:9", Some(e.token), Duration::from_secs(2)),
            core: Arc::new(core),
            checkpoint: cp,
            _dir: dir,
        });
    }
    eprintln!(
        "kadian-demo-day: {} tablets enrolled; simulating {day}",
        tablets.len()
    );

    let mut offline_rounds = 0usize;
    let mut visitor = 0u64;
    // Three shifts a day at each gate (00:00, 08:00, 16:00), each handed over to the next: the
    // 日报's 在岗人次 is checked against them.
    let mut shifts_device = 0u64;
    let mut running: Vec<Option<ShiftEvent>> = vec![None; tablets.len()];
    for hour in 0..24i64 {
        // Night hours are quiet, the morning and evening rush is not.
        let busy = match hour {
            0..=5 => 2,
            7..=9 | 17..=19 => 20,
            _ => 10,
        };
        let mut rounds = Vec::new();
        for (n, t) in tablets.iter().enumerate() {
            if hour % 8 == 0 {
                let device_id = t
                    .core
                    .store()
                    .enrolment()?
                    .context("tablet not enrolled")?
                    .device_id;
                let at = |minute: i64| Instant {
                    utc: day_start + Span::hours(hour) + Span::minutes(minute),
                    offset_minutes: CST,
                };
                if let Some(last) = running[n].take() {
                    t.core.store().write_shift_event(&ShiftEvent {
                        id: new_id(),
                        mark: ShiftMark::HandedOver,
                        at: at(1),
                        ..last
                    })?;
                }
                let id = new_id();
                let signed_in = ShiftEvent {
                    id,
                    shift_id: id,
                    checkpoint_id: t.checkpoint.id.clone(),
                    device_id,
                    volunteer_id: format!("demo-volunteer-{n}-{}", hour / 8),
                    mark: ShiftMark::SignedIn,
                    at: at(2),
                };
                t.core.store().write_shift_event(&signed_in)?;
                running[n] = Some(signed_in);
                shifts_device += 1;
            }
            let mut batch = Vec::new();
            for _ in 0..rng.usize(0..=busy) {
                visitor += 1;
                let at = Instant {
                    utc: day_start + Span::hours(hour) + Span::seconds(rng.i64(0..3600)),
                    offset_minutes: CST,
                };
                let tenths = if rng.u8(0..50) == 0 {
                    rng.i16(373..=392)
                } else {
                    rng.i16(358..=372)
                };
                let celsius = Celsius::from_tenths(tenths);
                let passage = Passage {
                    id: new_id(),
                    checkpoint_id: t.checkpoint.id.clone(),
                    direction: if rng.bool() {
                        Direction::In
                    } else {
                        Direction::Out
                    },
                    at,
                    person_id: None,
                    walk_in_name: Some(format!("模拟访客{visitor}")),
                    plate: None,
                    companions: 0,
                    purpose: Some("模拟".into()),
                    destination: None,
                    recorded_by: "demo-volunteer".into(),
                };
                let reading = TemperatureReading {
                    id: new_id(),
                    passage_id: Some(passage.id),
                    person_id: None,
                    checkpoint_id: t.checkpoint.id.clone(),
                    at,
                    celsius,
                    fever: FeverThreshold::default().is_fever(celsius),
                    remeasure_of: None,
                    recorded_by: "demo-volunteer".into(),
                };
                batch.push(PassageRegistration {
                    passage,
                    reading: Some(reading),
                    travel: None,
                });
            }
            t.core.store().record_passages(&batch, Source::User)?;
            let online = rng.bool();
            if !online {
                offline_rounds += 1;
            }
            let core = t.core.clone();
            let client = if online {
                t.online.clone()
            } else {
                t.offline.clone()
            };
            rounds.push(tokio::spawn(async move {
                sync_round(&core, &client).await.is_ok()
            }));
        }
        let mut failed = 0;
        for r in rounds {
            if !r.await? {
                failed += 1;
            }
        }
        eprintln!("kadian-demo-day: {hour:02}:00 done, {failed} tablet(s) could not sync");
    }

    // Evening: every tablet finds a signal and empties its outbox.
    for t in &tablets {
        let mut tries = 0;
        while t.core.store().pending_count()? > 0 {
            tries += 1;
            if tries > 10 {
                bail!("{}: the outbox did not drain", t.checkpoint.label);
            }
            if let Err(e) = sync_round(&t.core, &t.online).await {
                eprintln!("kadian-demo-day: {}: {e}; retrying", t.checkpoint.label);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    // Home observation: a compound laptop in one compound of each community opens its cases and
    // syncs; then today's visits, half the laptops offline until the evening.
    let today = (Utc::now() + Span::minutes(CST.into())).date_naive();
    let mut laptops = Vec::new();
    for (k, c) in plan.compounds.into_iter().enumerate() {
        let (core, dir) =
            open_enrolled(server, &c.code, &format!("{} 党支部笔记本", c.label)).await?;
        let e = core.store().enrolment()?.context("not enrolled")?;
        let community = e.scope.community.clone().unwrap_or_default();
        let compound_name = c.label.clone();
        let mut cases = Vec::new();
        for i in 0..20u64 {
            let mut p = Person::new(format!("观察{k}-{i}"), PersonCategory::Resident);
            p.community_code = Some(community.clone());
            p.compound = Some(compound_name.clone());
            // Two to a household: building, unit and room of the pair.
            let pair = i / 2;
            p.building = Some(format!("{}", pair % 6 + 1));
            p.unit = Some(format!("{}", pair % 2 + 1));
            p.room = Some(format!("{}", 101 + pair));
            let place = HouseholdPlace::Compound {
                building: p.building.clone(),
                unit: p.unit.clone(),
                room: p.room.clone(),
            };
            let household = Household {
                id: household_id_for(&household_key(&community, &c.id, &place)),
                community_code: community.clone(),
                compound: c.id.clone(),
                place,
                kind: None,
                head_name: (i % 2 == 0).then(|| p.name.clone()),
                head_id: (i % 2 == 0).then_some(p.id),
                phone: None,
            };
            if i % 2 == 0 {
                core.store().save_household(&household, Source::User)?;
            }
            p.household = Some(household.id);
            p.relation = Some(if i % 2 == 0 {
                Relation::Head
            } else {
                Relation::Spouse
            });
            core.store().upsert_person(&p, Source::User)?;
            let entry = core
                .observation_open(&OpenCase {
                    person_id: p.id.to_string(),
                    reason: ObservationReason::ReturneeElsewhere,
                    start_date: (today - Span::days(2 + (i % 11) as i64)).to_string(),
                    declaration_id: None,
                    responsible: Some(format!("包保人{}", i % 3)),
                })
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
            cases.push(entry.case_id);
        }
        let client = SyncClient::new(server, Some(e.token.clone()), Duration::from_secs(20));
        sync_round(&core, &client)
            .await
            .context("the laptop's cases")?;
        laptops.push((c, core, client, cases, dir));
    }
    let (mut missed_total, mut offline_laptops) = (0usize, 0usize);
    let (mut screened_total, mut key_visits) = (0usize, 0usize);
    for (k, (c, core, client, cases, _)) in laptops.iter().enumerate() {
        // 排查: half the compound's households screened at the door; the first two compounds
        // are key areas, every household visited.
        let day = today.to_string();
        let listed = core
            .screening_coverage(&CoverageQuery {
                date: day.clone(),
                compound: Some(c.id.clone()),
            })
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        for h in listed.households.iter().step_by(2) {
            let page = core
                .screening_household(&h.id, &day)
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
            core.screening_record(&ScreeningInput {
                household_id: h.id.clone(),
                method: "door".into(),
                members: page
                    .members
                    .iter()
                    .map(|m| MemberInput {
                        person_id: m.person_id.clone(),
                        status: "present".into(),
                        away_place: String::new(),
                        returned: None,
                    })
                    .collect(),
                new_members: Vec::new(),
                vacant: false,
                note: String::new(),
            })
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
            screened_total += 1;
        }
        if k < 2 {
            let area = core
                .key_area_declare(&KeyAreaInput {
                    compound: c.id.clone(),
                    parts: String::new(),
                    reason: "close_contacts".into(),
                    declared_by: "community".into(),
                    from: day.clone(),
                    review: (today + Span::days(14)).to_string(),
                    note: String::new(),
                })
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
            let list = core
                .key_area_day(&area.id, &day)
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
            for h in &list.households {
                core.household_visit_record(&HouseholdVisitInput {
                    household_id: h.id.clone(),
                    key_area_id: Some(area.id.clone()),
                    method: "door".into(),
                    outcome: "all_well".into(),
                    seen: h
                        .members
                        .iter()
                        .map(|m| MemberSeenInput {
                            person_id: m.person_id.clone(),
                            temperature: "36.5".into(),
                            symptoms: Vec::new(),
                        })
                        .collect(),
                    needs: Vec::new(),
                    note: String::new(),
                })
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
                key_visits += 1;
            }
        }
        let offline = rng.bool();
        offline_laptops += usize::from(offline);
        for case in cases {
            if rng.u8(0..10) == 0 {
                missed_total += 1;
                continue;
            }
            let unwell = rng.u8(0..30) == 0;
            core.observation_visit(&VisitInput {
                case_id: case.clone(),
                outcome: if unwell {
                    VisitOutcome::SeenUnwell
                } else {
                    VisitOutcome::SeenWell
                },
                celsius: Some(if unwell {
                    37.9
                } else {
                    36.0 + f64::from(rng.u8(0..10)) / 10.0
                }),
                method: None,
                symptoms: vec![],
                action: None,
                visited_by: None,
            })
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        }
        if !offline {
            sync_round(core, client)
                .await
                .context("a laptop's visits")?;
        }
    }
    for (c, core, client, _, _) in &laptops {
        let mut tries = 0;
        while core.store().pending_count()? > 0 {
            tries += 1;
            if tries > 10 {
                bail!("{}: the laptop's outbox did not drain", c.label);
            }
            if let Err(e) = sync_round(core, client).await {
                eprintln!("kadian-demo-day: {}: {e}; retrying", c.label);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    let (street, _street_dir) = open_enrolled(server, &plan.street_code, "街道 笔记本").await?;
    let e = street
        .store()
        .enrolment()?
        .context("street laptop not enrolled")?;
    let client = SyncClient::new(server, Some(e.token), Duration::from_secs(60));
    sync_round(&street, &client)
        .await
        .context("street laptop pull")?;

    println!("| checkpoint | tablet passages | server passages | tablet fevers | server fevers |");
    println!("|---|---:|---:|---:|---:|");
    let (mut total_device, mut total_server, mut differ) = (0, 0, 0);
    let mut fevers_device = 0;
    for t in &tablets {
        let (dp, df) = counts(&t.core, &t.checkpoint.id, day_start)?;
        let (sp, sf) = counts(&street, &t.checkpoint.id, day_start)?;
        total_device += dp;
        total_server += sp;
        fevers_device += df;
        let mark = if (dp, df) == (sp, sf) { "" } else { " ≠" };
        if !mark.is_empty() {
            differ += 1;
        }
        println!(
            "| {}{mark} | {dp} | {sp} | {df} | {sf} |",
            t.checkpoint.label
        );
    }
    println!(
        "| **{} checkpoints** | **{total_device}** | **{total_server}** | | |",
        tablets.len()
    );
    println!(
        "{} tablets, {offline_rounds} of {} hourly syncs offline, {total_device} passages on the tablets, {total_server} on the server, {differ} checkpoint(s) differ",
        tablets.len(),
        tablets.len() * 24
    );
    if differ > 0 || total_device != total_server {
        bail!("{differ} checkpoint(s) differ between tablet and server");
    }
    // The tablets' own counts of the day, for the street's daily report to be checked against
    // (`cargo xtask demo --headless` does), next to the plan.
    let totals = std::path::Path::new(plan_path).with_file_name("tablet-totals.json");
    std::fs::write(
        &totals,
        serde_json::json!({"date": day, "passages": total_device, "fevers": fevers_device, "shifts": shifts_device})
            .to_string(),
    )?;

    // Today's visits per compound: on the laptop, and on the server (as the street laptop pulled
    // them).
    let visits_today = |core: &AppCore, cases: &[String]| -> Result<usize> {
        let mut n = 0;
        for c in cases {
            let (visits, _) = core.store().case_facts(c)?;
            n += visits.iter().filter(|v| v.date == today).count();
        }
        Ok(n)
    };
    println!();
    println!("| compound | cases | laptop visits today | server visits today |");
    println!("|---|---:|---:|---:|");
    let (mut on_laptops, mut on_server, mut compounds_differ) = (0, 0, 0);
    for (c, core, _, cases, _) in &laptops {
        let (l, s) = (visits_today(core, cases)?, visits_today(&street, cases)?);
        on_laptops += l;
        on_server += s;
        let mark = if l == s { "" } else { " ≠" };
        if l != s {
            compounds_differ += 1;
        }
        println!("| {}{mark} | {} | {l} | {s} |", c.label, cases.len());
    }
    println!(
        "{} compound laptops ({offline_laptops} offline until the evening), {} cases, {on_laptops} visits today on the laptops, {on_server} on the server, {missed_total} due visits not made, {compounds_differ} compound(s) differ",
        laptops.len(),
        laptops.iter().map(|l| l.3.len()).sum::<usize>()
    );
    if compounds_differ > 0 || on_laptops != on_server {
        bail!("{compounds_differ} compound(s) differ between laptop and server");
    }

    // Screening coverage per compound: on its laptop, and on the street laptop (as it pulled
    // every household, screening and visit).
    let date = today.to_string();
    let street_view = street
        .screening_coverage(&CoverageQuery {
            date: date.clone(),
            compound: None,
        })
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    println!();
    println!("| compound | households | screened (laptop) | screened (street) | accounted (laptop) | accounted (street) |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (mut differ, mut screened_laptops) = (0, 0);
    for (c, core, _, _, _) in &laptops {
        let mine = core
            .screening_coverage(&CoverageQuery {
                date: date.clone(),
                compound: None,
            })
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        let l = mine
            .rows
            .iter()
            .find(|r| r.compound_id == c.id)
            .map(|r| r.coverage)
            .unwrap_or_default();
        let s = street_view
            .rows
            .iter()
            .find(|r| r.compound_id == c.id)
            .map(|r| r.coverage)
            .unwrap_or_default();
        screened_laptops += l.households_screened as usize;
        let mark = if l == s { "" } else { " ≠" };
        if l != s {
            differ += 1;
        }
        println!(
            "| {}{mark} | {} | {} | {} | {} | {} |",
            c.label,
            l.households_registered,
            l.households_screened,
            s.households_screened,
            l.persons_accounted,
            s.persons_accounted
        );
    }
    println!(
        "{} households screened at the door, {key_visits} key-area visits; {screened_laptops} households screened on the laptops (a key area's visited households are screened too), {differ} compound(s) differ",
        screened_total
    );
    if differ > 0 {
        bail!("{differ} compound(s) differ in screening coverage between laptop and street");
    }
    Ok(())
}
