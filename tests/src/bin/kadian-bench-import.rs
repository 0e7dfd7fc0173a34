//! Register import benchmark (part of `cargo xtask bench`): the 140,000-person roster of
//! `gen_roster.py` through kadian-registers with full validation, from CSV (`csv`) or from .xlsx
//! (`xlsx`), each in a fresh process so the peak memory (VmHWM) is the import's own. Prints rows
//! of the benchmark table.

use std::time::Instant as Clock;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use kadian_registers::{
    export_xlsx, import_file, residents_table, Divisions, ImportOptions, RegisterKind,
};
use kadian_tests::roster_csv;

/// The process's peak resident memory (VmHWM of /proc/self/status), MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() -> Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "csv".into());
    let people = 140_000;
    let csv = roster_csv(people)?;
    let xlsx = csv.with_extension("xlsx");
    let mut options = ImportOptions::new(NaiveDate::from_ymd_opt(2026, 11, 29).context("date")?);
    options.kind = Some(RegisterKind::Roster);
    let divisions = Divisions::bundled();
    let file = match mode.as_str() {
        "csv" => csv.clone(),
        "xlsx" => {
            if !xlsx.exists() {
                // Made once, in a separate step of this process before the clock starts; its
                // memory is not the import's, so it runs in `prepare` mode below.
                bail!("run `kadian-bench-import prepare` first");
            }
            xlsx.clone()
        }
        "prepare" => {
            let batch = import_file(&csv, &options, &divisions)?;
            export_xlsx(&residents_table(&batch.persons), &xlsx)?;
            return Ok(());
        }
        other => bail!("unknown mode {other}: csv, prepare or xlsx"),
    };
    let t = Clock::now();
    let batch = import_file(&file, &options, &divisions)?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        batch.report.rows_total == people && batch.report.rejected == 0,
        "roster rows rejected or lost"
    );
    let peak = peak_mib();
    println!("| import {people}-person roster from {mode} (kadian-registers, full validation) | {secs:.3} s | ≤ 15 s | {:.2} |", secs / 15.0);
    println!(
        "|   peak memory of that import (VmHWM) | {peak:.1} MiB | ≤ 500 MiB | {:.2} |",
        peak / 500.0
    );
    Ok(())
}
