//! Shared helpers of Kadian's whole-system tests and benchmarks: paths of the shared fixtures,
//! the synthetic 140,000-person roster, timing statistics.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `../shared` beside the checkout (or `KADIAN_SHARED`).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("KADIAN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared"))
}

/// A scratch folder on the project's disk (not a tmpfs), under the cargo target folder.
pub fn scratch_dir(name: &str) -> Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let dir = target.join("kadian-scratch").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Writes the deterministic synthetic roster of `people` fake residents (the shared
/// `tools/gen_roster.py`) once, and returns its path (cached under the target folder).
pub fn roster_csv(people: usize) -> Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join(format!("kadian-roster-{people}.csv"));
    if path.exists() {
        return Ok(path);
    }
    let script = shared_dir().join("tools/gen_roster.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("--people")
        .arg(people.to_string())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "gen_roster.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::create_dir_all(&target)?;
    std::fs::write(&path, out.stdout)?;
    Ok(path)
}

/// The number after `name` on the command line (`--events 100000`), or `default` when it is
/// missing or not a number.
pub fn cli_number(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Median, 99th percentile and max of a set of durations.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// 50th percentile.
    pub median: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Largest.
    pub max: Duration,
}

impl Stats {
    /// Computes the statistics (the samples are sorted in place).
    pub fn of(samples: &mut [Duration]) -> Stats {
        samples.sort();
        let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
        Stats {
            median: at(0.5),
            p99: at(0.99),
            max: samples[samples.len() - 1],
        }
    }
}

/// The `i`-th of `n` passages spread evenly over the `days` days before `now` at `checkpoint`,
/// with its reading: in and out by turns, one in 7 with a plate (豫N), one in 50 a fever
/// (38.1 °C). The daily report's, the dashboard's and the sync benchmarks count the same street.
pub fn bench_passage(
    i: usize,
    n: usize,
    days: i64,
    checkpoint: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> (
    kadian_domain::records::Passage,
    kadian_domain::records::TemperatureReading,
) {
    use kadian_domain::records::{new_id, Direction, Instant, Passage, TemperatureReading};
    use kadian_domain::{Celsius, FeverThreshold};
    let at = Instant {
        utc: now - chrono::Duration::seconds((i as i64 * days.max(1) * 86_400) / n.max(1) as i64),
        offset_minutes: 480,
    };
    let passage = Passage {
        id: new_id(),
        checkpoint_id: checkpoint.to_owned(),
        direction: if i.is_multiple_of(2) {
            Direction::In
        } else {
            Direction::Out
        },
        at,
        person_id: None,
        walk_in_name: Some(format!("访客{i}")),
        plate: i.is_multiple_of(7).then(|| "豫N12345".to_owned()),
        companions: 0,
        purpose: None,
        destination: None,
        recorded_by: "volunteer-bench".into(),
    };
    let celsius = Celsius::from_tenths(if i.is_multiple_of(50) { 381 } else { 365 });
    let reading = TemperatureReading {
        id: new_id(),
        passage_id: Some(passage.id),
        person_id: None,
        checkpoint_id: checkpoint.to_owned(),
        at,
        celsius,
        fever: FeverThreshold::default().is_fever(celsius),
        remeasure_of: None,
        recorded_by: "volunteer-bench".into(),
    };
    (passage, reading)
}

/// Milliseconds as a float.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub mod fuzz;
pub mod harness;
