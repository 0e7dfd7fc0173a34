//! `cargo xtask`: the one entry point of the Kadian workspace.
//!
//! - `setup`: installs what is missing (Debian packages, the UI's npm packages) and nothing else.
//! - `run`: setup, build the UI, open Kadian's window.
//! - `test`: setup, then rustfmt, clippy (`-D warnings`), the house rules, every workspace test,
//!   the UI's tests, the end-to-end flows and the demo day;
//!   exits non-zero on any failure and ends with one `N passed, M failed` line.
//! - `demo --headless`: one simulated day of the street's 99 checkpoints, no window; compares
//!   the counts on the tablets with those on the server.
//! - `bench`: runs the benchmarks (release build) and prints one table.
//! - `e2e [--residents N]`: the end-to-end flows on the real app (WebDriver, Xvfb).
//! - `fuzz [--seconds N] [TARGET…]`: coverage-guided fuzzing of the register reader and the
//!   push endpoint (cargo-fuzz, a nightly compiler); see `fuzz.rs`.
//! - `house`: the house rules of `docs/architecture.md` (no import circle; imports point down).

mod bench;
mod demo;
mod e2e;
mod fuzz;
mod house;
mod pg;
mod setup;
mod test;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

use bench::bench;
use demo::{demo, run};
use e2e::e2e_command;
use setup::setup;
use test::test;

/// What one xtask command works in: the data folder of the demo server's database and the demo
/// device's store (`kadian-data/` for `run`, a fresh folder under the target folder for the
/// demo day and the end-to-end flows).
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The data folder.
    pub data_dir: PathBuf,
}

impl Ctx {
    /// A command working in `data_dir`.
    pub fn new(data_dir: PathBuf) -> Self {
        Ctx { data_dir }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("run") => run(),
        Some("test") => test(),
        Some("house") => house::check(&root()),
        Some("bench") => bench(&args[1..]),
        Some("demo") => demo(&args[1..]),
        Some("e2e") => e2e_command(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask setup|run|test|house|bench|demo --headless|e2e [--residents N]|fuzz [--seconds N] [TARGET…]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the folder above `xtask/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn npm(args: &[&str]) -> Command {
    let mut c = Command::new("npm");
    c.args(args).current_dir(root().join("ui"));
    c
}

/// Runs a command, failing with its name when it fails.
fn status(what: &str, cmd: &mut Command) -> Result<()> {
    let st = cmd
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    if !st.success() {
        bail!("{what} failed ({st})");
    }
    Ok(())
}

/// `../shared` beside the checkout (or `KADIAN_SHARED`).
fn shared_dir() -> PathBuf {
    std::env::var_os("KADIAN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}
