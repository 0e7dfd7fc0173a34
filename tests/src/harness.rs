//! A real server on a loopback port (with a switchboard of faults between it and the devices),
//! and real devices (AppCore over an encrypted SQLite file in a temporary folder), for the
//! whole-system tests. Each test gets its own database: a SQLite file, or a fresh PostgreSQL
//! database when `KADIAN_TEST_PG` names a server (`cargo xtask test` starts one).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use kadian_device::sync::{sync_round, RoundReport};
use kadian_device::{AppCore, KeyPolicy, SyncClient, SyncError};
use kadian_domain::places::PlaceWrite;
use kadian_domain::sync::{Role, PROTOCOL_HEADER};
use kadian_server::Database;

/// Faults the switchboard injects into push requests, each for the next N pushes.
#[derive(Debug, Default)]
pub struct Faults {
    /// Commit, then cut the connection before the response is complete.
    pub drop_after_commit: AtomicU32,
    /// Commit, then answer only after `delay`.
    pub delay_after_commit: AtomicU32,
    /// How long a delayed answer waits.
    pub delay: Mutex<Duration>,
    /// Answer 503 without doing anything.
    pub unavailable: AtomicU32,
    /// Push requests seen.
    pub pushes: AtomicU32,
    /// Requests of any kind seen.
    pub requests: AtomicU32,
}

fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

async fn switchboard(State(faults): State<Arc<Faults>>, req: Request, next: Next) -> Response {
    faults.requests.fetch_add(1, Ordering::SeqCst);
    if req.uri().path() != "/api/v1/sync/push" {
        return next.run(req).await;
    }
    faults.pushes.fetch_add(1, Ordering::SeqCst);
    if take(&faults.unavailable) {
        let mut r = Response::new(Body::from(
            "{\"code\":\"unavailable\",\"message\":\"down for maintenance\"}",
        ));
        *r.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
        r.headers_mut()
            .insert(PROTOCOL_HEADER, axum::http::HeaderValue::from(1));
        return r;
    }
    let response = next.run(req).await;
    if take(&faults.drop_after_commit) {
        let (parts, _) = response.into_parts();
        let broken = futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("connection lost"))
        });
        return Response::from_parts(parts, Body::from_stream(broken));
    }
    if take(&faults.delay_after_commit) {
        let d = *faults.delay.lock().unwrap_or_else(|p| p.into_inner());
        tokio::time::sleep(d).await;
    }
    response
}

/// A database for one test: a SQLite file, or a fresh PostgreSQL database.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The backends to run the story tests on: always SQLite; PostgreSQL when `KADIAN_TEST_PG` is
/// set (a server URL whose user may create databases).
pub fn backends() -> Vec<&'static str> {
    let mut b = vec!["sqlite"];
    if std::env::var_os("KADIAN_TEST_PG").is_some() {
        b.push("postgres");
    }
    b
}

impl TestDb {
    /// A new, empty database of the backend.
    pub async fn new(backend: &str) -> TestDb {
        match backend {
            "postgres" => {
                let base = std::env::var("KADIAN_TEST_PG").expect("KADIAN_TEST_PG");
                let name = format!("kadian_test_{}", uuid::Uuid::now_v7().simple());
                let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
                    .await
                    .expect("connect to the test PostgreSQL");
                tokio::spawn(conn);
                client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create database");
                let url = match base.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => format!("{base}/{name}"),
                };
                TestDb { url, _dir: None }
            }
            _ => {
                let dir = tempfile::tempdir().expect("tmp");
                let url = format!("sqlite://{}", dir.path().join("server.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                }
            }
        }
    }
}

/// A running server with a street of two communities, each with a compound and a checkpoint.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// Its database.
    pub db: Arc<dyn Database>,
    /// The switchboard.
    pub faults: Arc<Faults>,
    /// Community A (八一社区) and B (季庄社区).
    pub community_a: String,
    /// Community B.
    pub community_b: String,
    /// Compound in A.
    pub compound_a: String,
    /// Compound in B.
    pub compound_b: String,
    /// Checkpoint in A.
    pub checkpoint_a: String,
    /// Checkpoint in B.
    pub checkpoint_b: String,
    _db: TestDb,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Starts a server on a free loopback port over a new database of `backend`.
    pub async fn start(backend: &str) -> TestServer {
        let test_db = TestDb::new(backend).await;
        let db = kadian_server::connect(&test_db.url)
            .await
            .expect("server database");
        db.init_street("411402001", "平原街道")
            .await
            .expect("street");
        let (community_a, community_b) = ("411402001018".to_owned(), "411402001024".to_owned());
        db.put_place(&PlaceWrite::Community {
            code: community_a.clone(),
            name: "八一社区".into(),
        })
        .await
        .expect("community");
        db.put_place(&PlaceWrite::Community {
            code: community_b.clone(),
            name: "季庄社区".into(),
        })
        .await
        .expect("community");
        let compound_a = db
            .put_place(&PlaceWrite::Compound {
                community: community_a.clone(),
                name: "八一新苑".into(),
            })
            .await
            .expect("compound");
        let compound_b = db
            .put_place(&PlaceWrite::Compound {
                community: community_b.clone(),
                name: "季庄花园".into(),
            })
            .await
            .expect("compound");
        let checkpoint_a = db
            .put_place(&PlaceWrite::Checkpoint {
                compound: compound_a.clone(),
                name: "东门".into(),
            })
            .await
            .expect("checkpoint");
        let checkpoint_b = db
            .put_place(&PlaceWrite::Checkpoint {
                compound: compound_b.clone(),
                name: "南门".into(),
            })
            .await
            .expect("checkpoint");
        let faults = Arc::new(Faults::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = launch(db.clone(), faults.clone(), listener);
        TestServer {
            url,
            db,
            faults,
            community_a,
            community_b,
            compound_a,
            compound_b,
            checkpoint_a,
            checkpoint_b,
            _db: test_db,
            task,
        }
    }

    /// The URL of the server's database.
    pub fn db_url(&self) -> &str {
        &self._db.url
    }

    /// A backup of the database as it is now, into `dir`, the way docs/operations.md §6 takes
    /// one: SQLite's online backup (`VACUUM INTO`, while the server runs), or `pg_dump -Fc`.
    pub async fn backup(&self, dir: &std::path::Path) -> std::path::PathBuf {
        if let Some(path) = kadian_server::admin::sqlite_path(&self._db.url) {
            let dest = dir.join("backup.db");
            let conn = rusqlite::Connection::open(path).expect("open the live database");
            conn.execute("VACUUM INTO ?1", [dest.to_string_lossy()])
                .expect("VACUUM INTO");
            dest
        } else {
            let dest = dir.join("backup.dump");
            let out = std::process::Command::new(pg_tool("pg_dump"))
                .args(["-Fc", "-f"])
                .arg(&dest)
                .arg(&self._db.url)
                .output()
                .expect("run pg_dump");
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            dest
        }
    }

    /// Stops the server, restores `backup` as docs/operations.md §6.4 says (SQLite:
    /// `kadian-server restore --from`; PostgreSQL: the database dropped and created again,
    /// `pg_restore`, then `kadian-server restore`), and starts it again at the same address.
    /// Returns the new generation's number.
    pub async fn restore(&mut self, backup: &std::path::Path) -> i64 {
        self.task.abort();
        let _ = (&mut self.task).await;
        let url = self._db.url.clone();
        let from = if kadian_server::admin::sqlite_path(&url).is_some() {
            Some(backup)
        } else {
            let base = std::env::var("KADIAN_TEST_PG").expect("KADIAN_TEST_PG");
            let name = url.rsplit_once('/').expect("database name").1.to_owned();
            let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
                .await
                .expect("connect to the test PostgreSQL");
            let conn = tokio::spawn(conn);
            for sql in [
                format!("DROP DATABASE {name} WITH (FORCE)"),
                format!("CREATE DATABASE {name}"),
            ] {
                client
                    .batch_execute(&sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            drop(client);
            let _ = conn.await;
            let out = std::process::Command::new(pg_tool("pg_restore"))
                .args(["--no-owner", "-d"])
                .arg(&url)
                .arg(backup)
                .output()
                .expect("run pg_restore");
            assert!(
                out.status.success(),
                "pg_restore: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            None
        };
        let restored = kadian_server::admin::restore(&url, from)
            .await
            .expect("kadian-server restore");
        self.db = kadian_server::connect(&url).await.expect("reopen");
        let addr = self.url.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .expect("bind the same address again");
        self.task = launch(self.db.clone(), self.faults.clone(), listener);
        restored.generation.number
    }

    /// A one-time code for `role` at `target`.
    pub async fn code(&self, role: Role, target: &str) -> String {
        kadian_server::admin::issue_enrol_code(
            self.db.as_ref(),
            role,
            target,
            chrono::Duration::hours(1),
        )
        .await
        .expect("enrol code")
        .0
    }
}

/// Serves `db` on `listener` behind the switchboard.
fn launch(
    db: Arc<dyn Database>,
    faults: Arc<Faults>,
    listener: tokio::net::TcpListener,
) -> tokio::task::JoinHandle<()> {
    let app = kadian_server::router(kadian_server::AppState::new(db))
        .layer(axum::middleware::from_fn_with_state(faults, switchboard));
    tokio::spawn(async move {
        let _ = kadian_server::serve(listener, app).await;
    })
}

/// A PostgreSQL client tool (`pg_dump`, `pg_restore`) of the newest installed version (the one
/// `cargo xtask test` runs the server of), else the one on the PATH.
fn pg_tool(name: &str) -> std::path::PathBuf {
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort_unstable();
    versions
        .last()
        .map(|v| std::path::PathBuf::from(format!("/usr/lib/postgresql/{v}/bin/{name}")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| name.into())
}

/// A device: an AppCore in its own folder.
pub struct TestDevice {
    /// The device.
    pub core: Arc<AppCore>,
    /// Its folder.
    pub dir: tempfile::TempDir,
}

impl TestDevice {
    /// A device, not enrolled.
    pub fn new() -> TestDevice {
        let dir = tempfile::tempdir().expect("tmp");
        let core = AppCore::open(
            dir.path(),
            &KeyPolicy::file_only(dir.path().join("device.key")),
        )
        .expect("device");
        TestDevice {
            core: Arc::new(core),
            dir,
        }
    }

    /// A device enrolled with `server` as `role` at `target`.
    pub async fn enrolled(server: &TestServer, role: Role, target: &str) -> TestDevice {
        let d = TestDevice::new();
        let code = server.code(role, target).await;
        kadian_device::sync::enrol(&d.core, &server.url, &code, "测试设备", None)
            .await
            .expect("enrol");
        d
    }

    /// A client with the device's token and a request timeout.
    pub fn client(&self, timeout: Duration) -> SyncClient {
        let e = self
            .core
            .store()
            .enrolment()
            .expect("store")
            .expect("enrolled");
        SyncClient::new(&e.server_url, Some(e.token), timeout)
    }

    /// One sync round with a 10 s timeout.
    pub async fn sync(&self) -> Result<RoundReport, SyncError> {
        sync_round(&self.core, &self.client(Duration::from_secs(10))).await
    }
}

impl Default for TestDevice {
    fn default() -> Self {
        Self::new()
    }
}

/// Registers a walk-in passage with a reading at `checkpoint` on the device; returns the
/// passage id.
pub fn register_walk_in(core: &AppCore, checkpoint: &str, name: &str) -> uuid::Uuid {
    use kadian_domain::records::{new_id, Direction, Instant, Passage, Source, TemperatureReading};
    let at = Instant {
        utc: core.now(),
        offset_minutes: 480,
    };
    let passage = Passage {
        id: new_id(),
        checkpoint_id: checkpoint.to_owned(),
        direction: Direction::In,
        at,
        person_id: None,
        walk_in_name: Some(name.to_owned()),
        plate: None,
        companions: 0,
        purpose: Some("送货".into()),
        destination: None,
        recorded_by: "volunteer-1".into(),
    };
    let celsius = kadian_domain::Celsius::from_tenths(365);
    let reading = TemperatureReading {
        id: new_id(),
        passage_id: Some(passage.id),
        person_id: None,
        checkpoint_id: checkpoint.to_owned(),
        at,
        celsius,
        fever: false,
        remeasure_of: None,
        recorded_by: "volunteer-1".into(),
    };
    let id = passage.id;
    core.store()
        .record_passage(
            &kadian_device::PassageRegistration {
                passage,
                reading: Some(reading),
                travel: None,
            },
            Source::User,
        )
        .expect("record passage");
    core.written();
    id
}

/// Voids a passage on the device (作废, a correction with a reason), as staff or a volunteer
/// would; `by` is who recorded it.
pub fn void_passage(core: &AppCore, passage: uuid::Uuid, by: &str) {
    use kadian_domain::records::{
        new_id, Correction, CorrectionAction, Instant, RecordKind, Source,
    };
    core.store()
        .record_correction(
            &Correction {
                id: new_id(),
                target_kind: RecordKind::Passage,
                target_id: passage,
                action: CorrectionAction::Void,
                replacement_id: None,
                reason: "登记错了".into(),
                at: Instant::now_cst(),
                recorded_by: by.into(),
            },
            Source::User,
        )
        .expect("void");
}

/// Pushes records straight through `device`'s client (as a hostile or buggy device would: no
/// outbox, no local checks) and returns the receipts.
pub async fn push_raw(
    device: &TestDevice,
    records: Vec<(&str, serde_json::Value)>,
) -> Vec<kadian_domain::sync::Receipt> {
    let request = kadian_domain::sync::PushRequest {
        device_time: chrono::Utc::now(),
        records: records
            .into_iter()
            .map(|(kind, body)| push_record(kind, body))
            .collect(),
    };
    device
        .client(Duration::from_secs(30))
        .push(&request)
        .await
        .expect("push")
        .receipts
}

/// A push record of `kind` for `body` (its id from the body; no hash, no base version), as a
/// device would send it.
pub fn push_record(kind: &str, body: serde_json::Value) -> kadian_domain::sync::PushRecord {
    kadian_domain::sync::PushRecord {
        kind: kind.into(),
        id: body["id"].as_str().unwrap_or_default().to_owned(),
        op: "create".into(),
        base_version: None,
        hash: String::new(),
        body,
    }
}

/// Stores `records` through the server's own arrival (each checked by its kind's rules and
/// placed, as a street device's push would be), in batches of 1,000, without HTTP: the
/// benchmarks' bulk insert.
pub async fn bulk_store(
    db: &Arc<dyn Database>,
    records: &[kadian_domain::sync::PushRecord],
) -> anyhow::Result<()> {
    use kadian_domain::sync::{Receipt, ReceiptStatus, Scope};
    use kadian_server::rules::{prepare, Device};
    let device = Device {
        id: "bench".into(),
        name: "bench".into(),
        role: Role::Street,
        scope: Scope {
            street: "411402001".into(),
            community: None,
            compound: None,
            checkpoint: None,
            zone: None,
        },
        revoked: false,
    };
    let reference = db.reference().await?;
    let shared = Arc::new(reference.clone());
    for chunk in records.chunks(1000) {
        let prepared = chunk
            .iter()
            .map(|r| {
                prepare(r, &device, &reference).map_err(|e| Receipt {
                    id: r.id.clone(),
                    status: ReceiptStatus::Rejected,
                    server_seq: None,
                    version: None,
                    error: Some(e),
                })
            })
            .collect::<Vec<_>>();
        let meta = kadian_server::db::PushMeta {
            device_id: "bench".into(),
            device_time: chrono::Utc::now(),
            received_at: chrono::Utc::now(),
            clock_flagged: false,
        };
        db.store(&meta, &device, shared.clone(), prepared).await?;
    }
    Ok(())
}
