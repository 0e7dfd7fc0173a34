//! The bodies of the fuzz targets (`fuzz/fuzz_targets`, run by `cargo xtask fuzz` with
//! libFuzzer on a nightly compiler), here so that the stable compiler replays every input the
//! fuzzer kept (`tests/tests/fuzz_corpus.rs`, part of `cargo xtask test`). Each panics only on a
//! bug: a panic, an abort or a blown memory limit is what the fuzzer reports.

use std::sync::OnceLock;

use arbitrary::Unstructured;
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use kadian_domain::places::PlaceWrite;
use kadian_domain::sync::Role;
use kadian_registers::{Divisions, ImportOptions, KnownCompound};

/// One register file's bytes, whatever a stranger put in them: read as a workbook when they
/// start as one (zip or OLE), else as CSV, and imported as a compound laptop would import it.
/// Every file must give a grid and a report, or a [`kadian_registers::RegisterError`].
pub fn register_file(data: &[u8]) {
    static DIVISIONS: OnceLock<Divisions> = OnceLock::new();
    let workbook =
        kadian_registers::guard::is_zip(data) || kadian_registers::guard::is_compound_file(data);
    let Ok(grid) = kadian_registers::read_grid_bytes("fuzz", !workbook, data) else {
        return;
    };
    let mut options = ImportOptions::new(NaiveDate::from_ymd_opt(2020, 2, 6).expect("a real date"));
    options.community_code = Some("411402001018".into());
    options.compounds = vec![KnownCompound {
        id: "0190d7a8-0000-7000-8000-000000000001".into(),
        name: "八一新苑".into(),
        community_code: "411402001018".into(),
    }];
    let divisions = DIVISIONS.get_or_init(Divisions::bundled);
    let _ = kadian_registers::import_grid(&grid, "fuzz.xlsx", &options, divisions);
}

/// A street server on a SQLite file of its own, with one community, compound and checkpoint,
/// and two devices enrolled through its own endpoint: the checkpoint's tablet and the
/// community's laptop. [`PushTarget::push`] sends a body as either would.
pub struct PushTarget {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    tokens: [String; 2],
    _dir: tempfile::TempDir,
}

impl PushTarget {
    /// The server, set up (about 100 ms). Panics when it cannot be (not a finding).
    pub fn new() -> PushTarget {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("tmp");
        let url = format!("sqlite://{}", dir.path().join("server.db").display());
        let (router, tokens) = runtime.block_on(async {
            let db = kadian_server::connect(&url).await.expect("database");
            db.init_street("411402001", "平原街道")
                .await
                .expect("street");
            db.put_place(&PlaceWrite::Community {
                code: "411402001018".into(),
                name: "八一社区".into(),
            })
            .await
            .expect("community");
            let compound = db
                .put_place(&PlaceWrite::Compound {
                    community: "411402001018".into(),
                    name: "八一新苑".into(),
                })
                .await
                .expect("compound");
            let checkpoint = db
                .put_place(&PlaceWrite::Checkpoint {
                    compound,
                    name: "东门".into(),
                })
                .await
                .expect("checkpoint");
            let router = kadian_server::router(kadian_server::AppState::new(db.clone()));
            let mut tokens = Vec::new();
            for (role, target) in [
                (Role::Volunteer, checkpoint.as_str()),
                (Role::Community, "411402001018"),
            ] {
                let code = kadian_server::admin::issue_enrol_code(
                    db.as_ref(),
                    role,
                    target,
                    chrono::Duration::hours(1),
                )
                .await
                .expect("code")
                .0;
                let body = json!({"code": code, "device_name": "fuzz", "platform": "linux"});
                let (status, answer) = call(
                    &router,
                    "/api/v1/devices/enrol",
                    None,
                    body.to_string().into(),
                )
                .await;
                assert!(status.is_success(), "enrol: {status}");
                let answer: Value = serde_json::from_slice(&answer).expect("enrol answer");
                tokens.push(answer["token"].as_str().expect("token").to_owned());
            }
            (router, tokens)
        });
        PushTarget {
            runtime,
            router,
            tokens: [tokens[0].clone(), tokens[1].clone()],
            _dir: dir,
        }
    }

    /// Pushes `body` as device 0 (the tablet) or 1 (the laptop): the server must answer without
    /// a 5xx, and no receipt may say the store failed (a record the rules let through that the
    /// database then refuses).
    pub fn push(&self, device: usize, body: Vec<u8>) {
        let token = &self.tokens[device % 2];
        let (status, answer) =
            self.runtime
                .block_on(call(&self.router, "/api/v1/sync/push", Some(token), body));
        assert!(
            !status.is_server_error(),
            "{status}: {}",
            String::from_utf8_lossy(&answer)
        );
        if let Ok(answer) = serde_json::from_slice::<Value>(&answer) {
            let receipts = answer["receipts"].as_array().cloned().unwrap_or_default();
            for r in receipts {
                assert_ne!(r["error"]["code"], "storage_error", "{r}");
            }
        }
    }
}

impl Default for PushTarget {
    fn default() -> Self {
        PushTarget::new()
    }
}

async fn call(
    router: &axum::Router,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (axum::http::StatusCode, Vec<u8>) {
    use tower::ServiceExt;
    let mut request = axum::http::Request::post(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let mut request = request.body(axum::body::Body::from(body)).expect("request");
    // What `serve` gives every request: the peer's address (the enrolment limit and the audit
    // log read it).
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .expect("answer");
    (status, bytes.to_vec())
}

/// The fuzz input for [`PushTarget::push`]: which device, and the body. An input whose first
/// byte is even is sent as it is (raw bytes: broken JSON, deep nesting, huge numbers); an odd
/// one builds a push request from the rest, records of the kinds the protocol knows with fields
/// they have, values drawn from what breaks rules (edges, wrong types, hostile text, ids in
/// six spellings), so most inputs get past JSON into the rules and the store.
pub fn push_input(data: &[u8]) -> (usize, Vec<u8>) {
    let Some((&first, rest)) = data.split_first() else {
        return (0, Vec::new());
    };
    let device = usize::from(first >> 1 & 1);
    if first % 2 == 0 {
        return (device, rest.to_vec());
    }
    let mut u = Unstructured::new(rest);
    let records = u.arbitrary_len::<u8>().map(|n| n.min(20)).unwrap_or(0);
    let records: Vec<Value> = (0..records)
        .map(|_| record(&mut u).unwrap_or(Value::Null))
        .collect();
    let body = json!({"device_time": "2026-12-01T02:00:00Z", "records": records});
    (device, body.to_string().into_bytes())
}

const FIELDS: &[&str] = &[
    "id",
    "name",
    "document_type",
    "document_number",
    "phone",
    "sex",
    "birth_date",
    "community_code",
    "compound",
    "building",
    "unit",
    "room",
    "category",
    "checkpoint_id",
    "direction",
    "at",
    "utc",
    "offset_minutes",
    "person_id",
    "walk_in_name",
    "plate",
    "companions",
    "purpose",
    "recorded_by",
    "passage_id",
    "places",
    "division_code",
    "text",
    "from_date",
    "to_date",
    "transport",
    "transport_ref",
    "declared_at",
    "celsius",
    "fever",
    "remeasure_of",
    "target_id",
    "target_kind",
    "replacement_id",
    "reason",
    "case_id",
    "origin_id",
    "start_date",
    "followed_from",
    "date",
    "slot",
    "outcome",
    "symptoms",
    "action",
    "method",
    "notes",
    "responsible",
    "responsible_phone",
    "backup",
    "address",
    "policy",
    "effective",
    "retired",
    "pin_hash",
    "kind",
];

/// Ids the server already holds or will (the street's places), in the spellings that must all
/// be one record, and ids of nothing.
const IDS: &[&str] = &[
    "0190d7a8-0000-7000-8000-000000000001",
    "0190D7A8-0000-7000-8000-000000000001",
    "{0190d7a8-0000-7000-8000-000000000001}",
    "urn:uuid:0190d7a8-0000-7000-8000-000000000001",
    "0190d7a8000070008000000000000001",
    "0190d7a8-0000-7000-8000-000000000002",
    "00000000-0000-0000-0000-000000000000",
    "not-an-id",
];

const TEXTS: &[&str] = &[
    "张三",
    "",
    "  ",
    "411402001018",
    "411402001024",
    "41140219800101001X",
    "420106",
    "4201",
    "13800000000",
    "豫N12345",
    "八一新苑",
    "in",
    "out",
    "resident",
    "visitor",
    "resident_id",
    "passport",
    "train",
    "2026-12-01",
    "2026-02-30",
    "2026-12-01T02:00:00Z",
    "1999-12-31T23:59:59Z",
    "seen_ok",
    "missed",
    "fever",
    "released",
    "<script>alert(1)</script>",
    "\u{200b}",
    "a\u{0}b",
];

/// A kind the protocol knows (a record kind or a place), as the one lists of kadian-domain
/// name them, or now and then any text.
fn kind(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    use kadian_domain::records::{RecordKind, ReferenceKind};
    let known: Vec<&str> = RecordKind::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(ReferenceKind::ALL.iter().map(|k| k.as_str()))
        .collect();
    Ok(if u.ratio(1, 20)? {
        u.arbitrary::<String>()?
    } else {
        known[u.choose_index(known.len())?].to_owned()
    })
}

fn pick<'a>(u: &mut Unstructured<'_>, from: &[&'a str]) -> arbitrary::Result<&'a str> {
    Ok(from[u.choose_index(from.len())?])
}

fn text(u: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 => Value::String(u.arbitrary::<String>()?),
        1 => Value::String(pick(u, IDS)?.to_owned()),
        2 => Value::String(pick(u, TEXTS)?.repeat(usize::from(u.int_in_range(1..=60u8)?))),
        _ => Value::String(pick(u, TEXTS)?.to_owned()),
    })
}

fn value(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
    let deepest = if depth >= 4 { 4 } else { 7 };
    Ok(match u.int_in_range(0..=deepest)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => json!(u.arbitrary::<i64>()?),
        3 => {
            let n = [
                36.5, 37.3, 37.2999, 32.0, 43.0, 43.1, -0.0, 1e308, 480.0, 900.0,
            ][u.choose_index(10)?];
            json!(n)
        }
        4 => text(u)?,
        5 => Value::Array(
            (0..u.int_in_range(0..=4u8)?)
                .map(|_| value(u, depth + 1))
                .collect::<arbitrary::Result<_>>()?,
        ),
        _ => object(u, depth + 1)?,
    })
}

fn object(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
    let mut map = Map::new();
    for _ in 0..u.int_in_range(0..=12u8)? {
        let key = if u.ratio(1, 20)? {
            u.arbitrary::<String>()?
        } else {
            pick(u, FIELDS)?.to_owned()
        };
        map.insert(key, value(u, depth)?);
    }
    Ok(Value::Object(map))
}

fn record(u: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    let id = pick(u, IDS)?;
    let mut body = object(u, 1)?;
    if let Value::Object(map) = &mut body {
        if u.ratio(3, 4)? {
            map.insert("id".into(), json!(id));
        }
    }
    Ok(json!({
        "kind": kind(u)?,
        "id": id,
        "op": pick(u, &["create", "update", "delete"])?,
        "base_version": if u.arbitrary()? { json!(u.int_in_range(0..=3u8)?) } else { Value::Null },
        "hash": "00",
        "body": body,
    }))
}
