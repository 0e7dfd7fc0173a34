//! `cargo xtask e2e`: the real app under Xvfb, driven over WebDriver (tauri-driver and
//! WebKitWebDriver) through the flows of `ui/e2e/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::demo::{add_demo_volunteers, enrol_code, server_out, street_setup};
use crate::setup::{build_ui, setup};
use crate::{cargo, root, shared_dir, status, target_dir, Ctx};

/// tauri-driver (the WebDriver bridge to the real app), built once from crates.io into
/// `target/tools`. (The npm build of it needs platform packages the npm mirror here lacks.)
fn tauri_driver() -> Result<PathBuf> {
    let root = target_dir().join("tools");
    let exe = root.join("bin/tauri-driver");
    if !exe.exists() {
        status(
            "cargo install tauri-driver",
            cargo()
                .args([
                    "install",
                    "tauri-driver",
                    "--version",
                    "2.1.0",
                    "--locked",
                    "--quiet",
                    "--root",
                ])
                .arg(&root),
        )?;
    }
    Ok(exe)
}

/// `cargo xtask e2e`: the end-to-end flows on the real app (debug build) under Xvfb, over
/// WebDriver (tauri-driver + WebKitWebDriver), against a real kadian-server with a fresh street
/// in `target/e2e/`; screenshots go to `docs/screenshots/`. `built`: the app and the server are
/// already built (by `cargo test` in `xtask test`).
pub(crate) fn e2e_command(args: &[String]) -> Result<()> {
    let residents = match args {
        [] => 0,
        [flag, n] if flag == "--residents" => n
            .replace(['_', ','], "")
            .parse()
            .with_context(|| format!("--residents {n}: not a number"))?,
        _ => bail!("usage: cargo xtask e2e [--residents N]"),
    };
    e2e(false, residents)
}

/// The generated roster (`../shared/tools/gen_roster.py --people n`) with its community and
/// compound columns left out, written to `path`: imported with `--compound`, every person lives
/// in that compound, so one tablet's store holds all of them.
fn roster_for_one_compound(n: u32, path: &Path) -> Result<()> {
    let out = Command::new("python3")
        .arg(shared_dir().join("tools/gen_roster.py"))
        .args(["--people", &n.to_string()])
        .output()
        .context("running gen_roster.py")?;
    if !out.status.success() {
        bail!(
            "gen_roster.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8(out.stdout).context("gen_roster.py printed no UTF-8")?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().context("empty roster")?.split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|i| !["社区代码", "社区", "小区"].contains(&header[*i]))
        .collect();
    let pick = |line: &str| {
        let cells: Vec<&str> = line.split(',').collect();
        keep.iter()
            .map(|i| cells.get(*i).copied().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut csv = pick(&header.join(","));
    for line in lines {
        csv.push('\n');
        csv.push_str(&pick(line));
    }
    csv.push('\n');
    std::fs::write(path, csv)?;
    Ok(())
}

/// `residents`: besides the fixture roster, a generated roster of that many people is imported
/// into the tablet's compound (for the search latency with a full store; 0 in `xtask test`).
pub(crate) fn e2e(built: bool, residents: u32) -> Result<()> {
    if !built {
        setup()?;
        build_ui()?;
        status(
            "cargo build",
            cargo().args(["build", "-p", "kadian-app", "-p", "kadian-server"]),
        )?;
    }
    let dir = target_dir().join("e2e");
    let _ = std::fs::remove_dir_all(&dir);
    let ctx = &Ctx::new(dir.clone());
    let street = street_setup(ctx, false)?;
    add_demo_volunteers(ctx, &street.demo_compound)?;
    let roster = shared_dir().join("fixtures/registers/八一社区_居民花名册.xlsx");
    let expected = shared_dir().join("fixtures/registers/expected/八一社区_居民花名册.json");
    server_out(
        ctx,
        &[
            "import",
            "residents",
            &roster.display().to_string(),
            "--community",
            "411402001018",
            "--compound",
            &street.demo_compound,
        ],
    )?;
    let big_roster = dir.join("roster-one-compound.csv");
    if residents > 0 {
        let file = &big_roster;
        roster_for_one_compound(residents, file)?;
        eprintln!(
            "xtask e2e: importing {residents} generated residents into the tablet's compound"
        );
        let summary = server_out(
            ctx,
            &[
                "import",
                "residents",
                &file.display().to_string(),
                "--community",
                "411402001018",
                "--compound",
                &street.demo_compound,
            ],
        )?;
        eprintln!("xtask e2e: {summary}");
    }
    let volunteer = enrol_code(ctx, "volunteer", "--checkpoint", &street.demo)?;
    let compound = enrol_code(ctx, "compound", "--compound", &street.demo_compound)?;
    let street_office = enrol_code(ctx, "street", "--street", crate::demo::DEMO_STREET.0)?;
    let driver = tauri_driver()?;
    let devices = dir.join("devices");
    let run = status(
        "e2e (WebDriver)",
        Command::new("xvfb-run")
            .args([
                "-a",
                "-s",
                "-screen 0 1366x1366x24",
                "node",
                "e2e/app.e2e.mjs",
            ])
            .current_dir(root().join("ui"))
            // `KADIAN_APP_BIN` may name another build (the release binary, for its figures).
            .env(
                "KADIAN_APP_BIN",
                std::env::var_os("KADIAN_APP_BIN")
                    .map(PathBuf::from)
                    // WebKitWebDriver starts it from another folder: a relative path must go.
                    .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
                    .unwrap_or_else(|| target_dir().join("debug/kadian")),
            )
            .env("TAURI_DRIVER", driver)
            .env(
                "KADIAN_SERVER_BIN",
                target_dir().join("debug/kadian-server"),
            )
            .env(
                "KADIAN_DB",
                format!("sqlite://{}", dir.join("kadian.db").display()),
            )
            .env("E2E_DIR", &devices)
            .env("VOLUNTEER_CODE", volunteer)
            .env("COMPOUND_CODE", compound)
            .env("STREET_CODE", street_office)
            .env("COMMUNITY", "411402001018")
            .env("COMPOUND", &street.demo_compound)
            .env("FIXTURE_EXPECTED", expected)
            .env("ROSTER_FILE", &roster)
            .env(
                "E2E_BIG_ROSTER",
                if residents > 0 {
                    big_roster.as_os_str()
                } else {
                    std::ffi::OsStr::new("")
                },
            )
            .env("SCREENSHOTS", root().join("docs/screenshots")),
    );
    // The flow that failed, written by the script: said again at the end of `xtask test`.
    run.map_err(
        |e| match std::fs::read_to_string(devices.join("failure.txt")) {
            Ok(failure) => e.context(failure.trim_end().to_owned()),
            Err(_) => e,
        },
    )
}
