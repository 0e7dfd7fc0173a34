//! `cargo xtask setup`: installs what is missing (Debian packages, the UI's npm packages) and
//! nothing else; and the UI build the other commands need.

use std::process::{Command, Stdio};

use anyhow::Result;

use crate::{npm, root, status};

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
    (
        "libfaketime",
        "end-to-end: the app at 01:30 China time, the day before in UTC",
    ),
];

fn is_installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs missing Debian packages and the UI's npm packages. Quiet when all is present.
pub(crate) fn setup() -> Result<()> {
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

pub(crate) fn build_ui() -> Result<()> {
    status(
        "UI build (npm run build)",
        npm(&["run", "--silent", "build"]).stdout(Stdio::null()),
    )
}
