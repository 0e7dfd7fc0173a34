//! `cargo xtask bench`: the benchmarks (release build), one table.

use std::process::Command;

use anyhow::Result;

use crate::pg::PgCluster;
use crate::setup::setup;
use crate::{cargo, status, target_dir};

pub(crate) fn bench(extra: &[String]) -> Result<()> {
    setup()?;
    status(
        "cargo build --release (benchmarks)",
        cargo().args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "kadian-tests",
            "--bins",
        ]),
    )?;
    let bin = |name: &str| Command::new(target_dir().join("release").join(name));
    // `cargo xtask bench sync`: only the sync figures (push, pull, load generator).
    let sync_only = extra.first().map(String::as_str) == Some("sync");
    if !sync_only {
        bench_device_and_registers(extra)?;
    }
    let pg = PgCluster::start()?;
    status(
        "kadian-bench-sync",
        bin("kadian-bench-sync").env("KADIAN_TEST_PG", &pg.url),
    )?;
    status(
        "kadian-loadgen",
        bin("kadian-loadgen").env("KADIAN_TEST_PG", &pg.url),
    )?;
    if sync_only {
        return Ok(());
    }
    status(
        "kadian-bench-report",
        bin("kadian-bench-report").env("KADIAN_TEST_PG", &pg.url),
    )
}

/// The device store's and the register import's benchmarks.
fn bench_device_and_registers(extra: &[String]) -> Result<()> {
    let bin = |name: &str| Command::new(target_dir().join("release").join(name));
    status("kadian-bench", bin("kadian-bench").args(extra))?;
    status(
        "kadian-bench-import csv",
        bin("kadian-bench-import").arg("csv"),
    )?;
    status(
        "kadian-bench-import prepare",
        bin("kadian-bench-import").arg("prepare"),
    )?;
    status(
        "kadian-bench-import xlsx",
        bin("kadian-bench-import").arg("xlsx"),
    )?;
    Ok(())
}
