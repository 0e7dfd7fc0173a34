//! A throwaway PostgreSQL cluster for the story tests and benchmarks.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use crate::setup::is_root;
use crate::{status, target_dir};

/// A throw-away PostgreSQL cluster on a free loopback port for the story tests, run as the
/// `postgres` user when we are root (PostgreSQL refuses to run as root). Stopped on drop.
pub(crate) struct PgCluster {
    pub(crate) url: String,
    data: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl PgCluster {
    pub(crate) fn start() -> Result<PgCluster> {
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
