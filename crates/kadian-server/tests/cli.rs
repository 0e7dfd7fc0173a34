//! The server's command line as a street office's IT person meets it: `serve` says which
//! database, schema, street and TLS it runs with, in plain text when the log is not a terminal;
//! it refuses a database that is not there instead of creating an empty one; a password in the
//! database URL is never printed; place names are trimmed and empty ones refused.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn server(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kadian-server"));
    c.env("KADIAN_DB", db).env_remove("KADIAN_LOG");
    c
}

fn sqlite(dir: &tempfile::TempDir, name: &str) -> (std::path::PathBuf, String) {
    let path = dir.path().join(name);
    let url = format!("sqlite://{}", path.display());
    (path, url)
}

#[test]
fn serve_refuses_a_database_that_is_not_there_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let (path, url) = sqlite(&dir, "elsewhere/kadian.db");
    let out = server(&url)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no database at"), "{err}");
    assert!(err.contains("kadian-server init"), "{err}");
    assert!(!path.exists() && !path.parent().expect("folder").exists());
}

#[test]
fn serve_on_a_database_without_a_street_says_to_run_init() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    // `device list` on a fresh path is refused too. An existing database without a street (here
    // an empty file, which SQLite takes as an empty database) is not served.
    let out = server(&url).args(["device", "list"]).output().expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no database at"), "{err}");
    std::fs::write(dir.path().join("kadian.db"), b"").expect("empty file");
    let out = server(&url)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no street yet"), "{err}");
}

/// `serve` on a free port of an initialised database: the child, its further log lines as they
/// come, the address it listens on, and the lines up to that one. The caller kills and waits for
/// the child (clippy cannot see that across the return).
#[allow(clippy::zombie_processes)]
fn serving(
    url: &str,
) -> (
    std::process::Child,
    mpsc::Receiver<String>,
    String,
    Vec<String>,
) {
    let init = server(url)
        .args(["init", "--street", "411402001", "--name", "平原街道"])
        .output()
        .expect("init");
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let mut child = server(url)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        let addr = line
            .split("listening on http://")
            .nth(1)
            .map(|a| a.trim().to_owned());
        log.push(line);
        if let Some(addr) = addr {
            return (child, rx, addr, log);
        }
    }
    let _ = child.kill();
    panic!("the server did not start: {}", log.join("\n"));
}

/// Log lines until one contains `needle` (30 s at most).
fn until(rx: &mpsc::Receiver<String>, needle: &str) -> String {
    let mut seen = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        if line.contains(needle) {
            return line;
        }
        seen.push(line);
    }
    panic!("no log line with {needle:?}: {}", seen.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolments_pushes_pulls_refused_codes_and_unknown_tokens_are_in_the_audit_log() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let (mut child, rx, addr, _) = serving(&url);
    let http = reqwest::Client::new();
    let body =
        serde_json::json!({"code": "AAAA-BBBB-CCCC", "device_name": "平板", "platform": "test"});
    let enrol = || {
        http.post(format!("http://{addr}/api/v1/devices/enrol"))
            .json(&body)
            .send()
    };
    // A street laptop enrols, pushes and pulls: one line each, with its device id. (First:
    // the wrong codes below throttle this address.)
    let code = server(&url)
        .args([
            "enrol-code",
            "--role",
            "street",
            "--street",
            "411402001",
            "--json",
        ])
        .output()
        .expect("code");
    let code: serde_json::Value = serde_json::from_slice(&code.stdout).expect("json");
    assert!(code["link"].is_null(), "no address, no link");
    // With the address the devices use, the QR carries both, and prints as an SVG too.
    let svg = dir.path().join("code.svg");
    let with_link = server(&url)
        .args(["enrol-code", "--role", "street", "--street", "411402001"])
        .args(["--server-url", "https://kadian.example.cn", "--svg"])
        .arg(&svg)
        .output()
        .expect("code with link");
    let printed = String::from_utf8_lossy(&with_link.stdout);
    assert!(
        printed.contains("kadian://enrol?server=https%3A%2F%2Fkadian%2Eexample%2Ecn&code="),
        "{printed}"
    );
    assert!(!printed.contains('\u{1b}'), "no colours into a pipe");
    assert!(std::fs::read_to_string(&svg).expect("svg").contains("<svg"));
    // A server with its own certificate: the link carries the certificate's fingerprint.
    let ck = rcgen::generate_simple_self_signed(vec!["kadian.example.cn".into()]).expect("cert");
    let pem = dir.path().join("cert.pem");
    std::fs::write(&pem, ck.cert.pem()).expect("pem");
    let pinned = server(&url)
        .args([
            "enrol-code",
            "--role",
            "street",
            "--street",
            "411402001",
            "--json",
        ])
        .args(["--server-url", "https://kadian.example.cn", "--tls-cert"])
        .arg(&pem)
        .output()
        .expect("code with fingerprint");
    let pinned: serde_json::Value = serde_json::from_slice(&pinned.stdout).expect("json");
    let fp = kadian_server::admin::cert_fingerprint(&pem).expect("fingerprint");
    assert_eq!(fp.len(), 64);
    // A certificate for another name (or a CA's certificate first in the file) is refused: the
    // QR codes would pin a key the server does not use.
    let wrong = server(&url)
        .args(["enrol-code", "--role", "street", "--street", "411402001"])
        .args(["--server-url", "https://kadian.other.cn:8443", "--tls-cert"])
        .arg(&pem)
        .output()
        .expect("code for another name");
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        !wrong.status.success() && err.contains("is not for kadian.other.cn"),
        "{err}"
    );
    for (url, ok) in [
        ("https://kadian.example.cn:8443/", true),
        ("kadian.example.cn", true),
        ("https://192.168.1.10:8443", false),
        ("https://", false),
    ] {
        assert_eq!(
            kadian_server::admin::check_cert_for(&pem, url).is_ok(),
            ok,
            "{url}"
        );
    }
    assert!(
        pinned["link"]
            .as_str()
            .expect("link")
            .ends_with(&format!("&fp={fp}")),
        "{pinned}"
    );
    let enrolled: serde_json::Value = http
        .post(format!("http://{addr}/api/v1/devices/enrol"))
        .json(&serde_json::json!({"code": code["code"], "device_name": "街道笔记本", "platform": "test"}))
        .send()
        .await
        .expect("enrol")
        .json()
        .await
        .expect("answer");
    let device = enrolled["device_id"]
        .as_str()
        .expect("device id")
        .to_owned();
    let line = until(&rx, "device enrolled");
    assert!(
        line.contains(&device) && line.contains("街道笔记本"),
        "{line}"
    );
    let token = enrolled["token"].as_str().expect("token");
    let pushed = http
        .post(format!("http://{addr}/api/v1/sync/push"))
        .bearer_auth(token)
        .json(&serde_json::json!({"device_time": chrono::Utc::now(), "records": []}))
        .send()
        .await
        .expect("push");
    assert!(pushed.status().is_success(), "{}", pushed.status());
    let line = until(&rx, "push");
    assert!(
        line.contains(&device) && line.contains("records=0"),
        "{line}"
    );
    let pulled = http
        .get(format!("http://{addr}/api/v1/sync/pull?cursor=0"))
        .bearer_auth(token)
        .send()
        .await
        .expect("pull");
    assert!(pulled.status().is_success());
    let line = until(&rx, "pull");
    assert!(
        line.contains(&device) && line.contains("changes="),
        "{line}"
    );

    assert_eq!(enrol().await.expect("enrol").status(), 401);
    let line = until(&rx, "enrolment refused: the code is wrong");
    assert!(
        line.contains("kadian_server::audit") && line.contains("client=127.0.0.1"),
        "{line}"
    );
    let mut throttled = false;
    for _ in 0..20 {
        if enrol().await.expect("enrol").status() == 429 {
            throttled = true;
            break;
        }
    }
    assert!(throttled);
    until(&rx, "too many wrong codes from this address (429)");
    let push = http
        .post(format!("http://{addr}/api/v1/sync/push"))
        .bearer_auth("no-such-token")
        .body("{}")
        .send()
        .await
        .expect("push");
    assert_eq!(push.status(), 401);
    let line = until(&rx, "request refused: no token");
    assert!(line.contains("client=127.0.0.1"), "{line}");

    child.kill().expect("kill");
    let _ = child.wait();
}

#[test]
fn serve_says_where_it_stands_in_plain_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let (mut child, _rx, _, log) = serving(&url);
    child.kill().expect("kill");
    let _ = child.wait();
    let text = log.join("\n");
    assert!(text.contains("listening on http://127.0.0.1:"), "{text}");
    assert!(
        text.contains(&format!("database {url} (schema version ")),
        "{text}"
    );
    assert!(text.contains("street 411402001 平原街道"), "{text}");
    assert!(text.contains("TLS off"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes in a log that is not a terminal: {text}"
    );
}

#[test]
fn a_password_in_the_database_url_is_never_printed_and_the_reason_is() {
    // Port 1 on the loopback refuses at once.
    let out = server("postgres://kadian:hunter2@127.0.0.1:1/kadian")
        .args(["device", "list"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("hunter2"), "{err}");
    assert!(
        err.contains("postgres://kadian:***@127.0.0.1:1/kadian"),
        "{err}"
    );
    assert!(
        err.to_lowercase().contains("connect"),
        "the reason, not a bare 'db error': {err}"
    );
}

#[test]
fn compound_and_checkpoint_names_are_trimmed_and_empty_ones_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let init = server(&url)
        .args(["init", "--street", "411402001", "--name", "平原街道"])
        .output()
        .expect("init");
    assert!(init.status.success());
    let out = server(&url)
        .args([
            "compound",
            "add",
            "--community",
            "411402001018",
            "--name",
            "   ",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("compound name is empty"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = server(&url)
        .args(["checkpoint", "add", "--compound", "x", "--name", ""])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("checkpoint name is empty"));
}

#[test]
fn restore_puts_a_backup_in_place_only_when_no_server_serves_it_and_starts_a_new_generation() {
    let dir = tempfile::tempdir().expect("tmp");
    // A database a restore left empty (pg_restore rolled back) is not marked as the street's.
    let (empty, empty_url) = sqlite(&dir, "empty.db");
    std::fs::write(&empty, b"").expect("empty file");
    let out = server(&empty_url).arg("restore").output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("holds no street"),
        "{err}"
    );
    let (path, url) = sqlite(&dir, "kadian.db");
    let (mut child, _rx, _, log) = serving(&url);
    assert!(
        log.iter().any(|l| l.contains("generation 1 since")),
        "{log:?}"
    );
    let backup = dir.path().join("backup.db");
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute("VACUUM INTO ?1", [backup.to_string_lossy()])
        .expect("backup");

    // Under a running server: refused, nothing moved. A second server is refused too.
    let out = server(&url)
        .args(["restore", "--from"])
        .arg(&backup)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a kadian-server is serving"), "{err}");
    let out = server(&url)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("a kadian-server is serving"));
    child.kill().expect("kill");
    let _ = child.wait();
    let aside = |dir: &tempfile::TempDir| {
        std::fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.contains(".before-restore-") && !n.ends_with("-wal") && !n.ends_with("-shm")
            })
            .count()
    };
    assert_eq!(aside(&dir), 0);

    // A file that is not a backup of the street's database is refused before anything moves.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some bytes to read").expect("junk");
    let out = server(&url)
        .args(["restore", "--from"])
        .arg(&junk)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("junk.db"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(aside(&dir), 0);

    // Another street's database, or one of a newer kadian-server, is not put in place.
    let (other, other_url) = sqlite(&dir, "other-street.db");
    assert!(server(&other_url)
        .args(["init", "--street", "411402002", "--name", "别的街道"])
        .output()
        .expect("init")
        .status
        .success());
    let out = server(&url)
        .args(["restore", "--from"])
        .arg(&other)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("is of street 411402002"),
        "{err}"
    );
    let newer = dir.path().join("newer.db");
    std::fs::copy(&backup, &newer).expect("copy");
    rusqlite::Connection::open(&newer)
        .expect("open")
        .pragma_update(None, "user_version", 99)
        .expect("version");
    let out = server(&url)
        .args(["restore", "--from"])
        .arg(&newer)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("schema version 99"),
        "{err}"
    );
    assert_eq!(aside(&dir), 0);

    let out = server(&url)
        .args(["restore", "--from"])
        .arg(&backup)
        .output()
        .expect("run");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("is now generation 2"), "{said}");
    assert!(said.contains(".before-restore-"), "{said}");
    assert_eq!(aside(&dir), 1, "the database that was in place is kept");
    // A restore marked by hand (a backup copied in another way) is generation 3.
    let out = server(&url).arg("restore").output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("is now generation 3"));
}

#[test]
fn the_street_office_lists_and_renames_places_and_lists_volunteers_and_codes() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let run = |args: &[&str]| {
        let out = server(&url).args(args).output().expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ok = |args: &[&str]| {
        let (success, out, err) = run(args);
        assert!(success, "{args:?}: {err}");
        out.trim().to_owned()
    };
    ok(&["init", "--street", "411402001", "--name", "平原街道"]);
    let divisions = dir.path().join("divisions");
    std::fs::create_dir(&divisions).expect("dir");
    for (file, text) in [
        ("provinces.csv", "code,name\n41,河南省\n"),
        ("cities.csv", "code,name,provinceCode\n4114,商丘市,41\n"),
        ("areas.csv", "code,name,cityCode,provinceCode\n411402,梁园区,4114,41\n"),
        (
            "villages.csv",
            "code,name,streetCode,provinceCode,cityCode,areaCode\n411402001018,八一社区居委会,411402001,41,4114,411402\n",
        ),
    ] {
        std::fs::write(divisions.join(file), text).expect("csv");
    }
    ok(&["divisions", "import", divisions.to_str().expect("path")]);
    let compound = ok(&[
        "compound",
        "add",
        "--community",
        "411402001018",
        "--name",
        "八一新苑",
    ]);
    ok(&[
        "compound",
        "add",
        "--community",
        "411402001018",
        "--name",
        "西城花园",
    ]);
    let gate = ok(&[
        "checkpoint",
        "add",
        "--compound",
        &compound,
        "--name",
        "东门",
    ]);

    let tree = ok(&["compound", "list"]);
    assert!(
        tree.contains("411402001018 八一社区 (2 compounds)"),
        "{tree}"
    );
    assert!(tree.contains(&format!("  {compound}  八一新苑")), "{tree}");
    assert!(tree.contains(&format!("    {gate}  东门")), "{tree}");

    ok(&["checkpoint", "rename", "--id", &gate, "--name", "  北门 "]);
    let tree = ok(&["checkpoint", "list", "--community", "411402001018"]);
    assert!(
        tree.contains(&format!("    {gate}  北门")) && !tree.contains("东门"),
        "{tree}"
    );
    let (success, _, err) = run(&[
        "compound",
        "rename",
        "--id",
        &compound,
        "--name",
        "西城花园",
    ]);
    assert!(
        !success && err.contains("西城花园") && err.contains("already exists"),
        "{err}"
    );
    let (success, _, err) = run(&["compound", "rename", "--id", "no-such-id", "--name", "X"]);
    assert!(
        !success && err.contains("no compound or checkpoint no-such-id"),
        "{err}"
    );
    let (success, _, err) = run(&["compound", "list", "--community", "411402001999"]);
    assert!(
        !success && err.contains("no community 411402001999"),
        "{err}"
    );

    assert!(ok(&["volunteer", "list"]).starts_with("no volunteers yet"));
    ok(&[
        "volunteer",
        "add",
        "--compound",
        &compound,
        "--name",
        "李红梅",
        "--pin",
        "1357",
    ]);
    let volunteers = ok(&["volunteer", "list"]);
    assert!(
        volunteers.contains("李红梅") && volunteers.contains("八一新苑"),
        "{volunteers}"
    );
    assert!(!volunteers.contains("argon2"), "no PIN hash: {volunteers}");

    assert!(ok(&["enrol-codes"]).starts_with("no enrolment codes yet"));
    ok(&["enrol-code", "--role", "volunteer", "--checkpoint", &gate]);
    let codes = ok(&["enrol-codes"]);
    assert!(
        codes.contains("volunteer") && codes.contains("八一新苑 北门") && codes.contains("unused"),
        "{codes}"
    );

    // 居家观察人员台账: the dry run's row report on standard output, the summary on standard
    // error; then the import, a case per row in the compound its 现住址 names.
    let register = std::env::var_os("KADIAN_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
        })
        .join("fixtures/registers/八一社区_居家观察人员台账.xlsx");
    let register = register.to_str().expect("path");
    let (success, report, summary) = run(&[
        "import",
        "observations",
        register,
        "--community",
        "411402001018",
        "--dry-run",
        "--report",
        "-",
    ]);
    assert!(success, "{summary}");
    let report: serde_json::Value = serde_json::from_str(&report).expect("the report is JSON");
    assert_eq!(report["kind"], "home_observation");
    assert_eq!(report["report_date"], "2020-02-06");
    assert_eq!(report["rows"].as_array().map(Vec::len), Some(56));
    assert!(
        summary.contains("56 rows — 47 accepted, 6 warned, 3 rejected")
            && summary.contains("dry run: nothing stored"),
        "{summary}"
    );
    let done = ok(&[
        "import",
        "observations",
        register,
        "--community",
        "411402001018",
    ]);
    assert!(
        done.contains("stored 173, already there 0, refused 0"),
        "{done}"
    );

    // A compound retired: its gate with it, shown in the list; no code for it; back in use.
    let retired = ok(&["compound", "retire", "--id", &compound]);
    assert!(
        retired.contains("八一新苑") && retired.contains("retired at") && retired.contains("北门"),
        "{retired}"
    );
    let tree = ok(&["compound", "list"]);
    assert!(
        tree.contains(&format!("  {compound}  八一新苑  (retired 20"))
            && tree.contains(&format!("    {gate}  北门  (retired 20")),
        "{tree}"
    );
    let (success, _, err) = run(&["enrol-code", "--role", "volunteer", "--checkpoint", &gate]);
    assert!(!success && err.contains("retired"), "{err}");
    let (success, _, err) = run(&["checkpoint", "reinstate", "--id", &gate]);
    assert!(
        !success && err.contains("reinstate the compound first"),
        "{err}"
    );
    let (success, _, err) = run(&["checkpoint", "retire", "--id", &compound]);
    assert!(!success && err.contains("no checkpoint"), "{err}");
    let back = ok(&["compound", "reinstate", "--id", &compound]);
    assert!(
        back.contains("in use again") && back.contains("北门"),
        "{back}"
    );
    let tree = ok(&["compound", "list"]);
    assert!(!tree.contains("retired"), "{tree}");

    // The street's data for the district: written once, never over a file by accident.
    let out = dir.path().join("平原街道_导出.xlsx");
    let out = out.to_str().expect("path");
    let (success, said, warned) = run(&["export", "--out", out]);
    assert!(success, "{warned}");
    assert!(
        said.contains("passages") && said.contains("home-observation cases"),
        "{said}"
    );
    assert!(warned.contains("个人信息"), "{warned}");
    assert!(std::path::Path::new(out).exists());
    let (success, _, err) = run(&["export", "--out", out]);
    assert!(!success && err.contains("--force"), "{err}");
    ok(&["export", "--out", out, "--force", "--from", "2020-02-01"]);
    let (success, _, err) = run(&["export", "--out", out, "--force", "--from", "2020/02/01"]);
    assert!(!success && err.contains("--from"), "{err}");
}

#[test]
fn the_observation_policy_is_shown_changed_by_version_and_refused_when_impossible() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let run = |args: &[&str]| {
        let out = server(&url).args(args).output().expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(run(&["init", "--street", "411402001", "--name", "平原街道"]).0);
    let (ok, shown, _) = run(&["observation", "policy"]);
    assert!(ok);
    assert!(
        shown.contains("version 1 (the default: never set)"),
        "{shown}"
    );
    assert!(shown.contains("14 days"), "{shown}");
    // A change of the policy is a new version; the gate's rule alone is not.
    let (ok, json, err) = run(&[
        "--json",
        "observation",
        "policy",
        "--days",
        "21",
        "--fever-at",
        "37.5",
        "--gate-opens",
        "provinces",
        "--provinces",
        "42,44",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["policy"]["version"], 2);
    assert_eq!(v["policy"]["days"], 21);
    assert_eq!(v["policy"]["fever"], 37.5);
    assert_eq!(
        v["gate_opens"],
        serde_json::json!({"rule": "provinces", "codes": ["42", "44"]})
    );
    let (ok, json, _) = run(&[
        "--json",
        "observation",
        "policy",
        "--gate-opens",
        "outside-city",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        v["policy"]["version"], 2,
        "the gate's rule is not the policy"
    );
    assert_eq!(v["gate_opens"]["rule"], "outside_city");
    // Shown as set, no longer the default.
    let (_, shown, _) = run(&["observation", "policy"]);
    assert!(shown.contains("version 2\n"), "{shown}");
    assert!(shown.contains("outside the street's city"), "{shown}");
    // Impossible values are refused, and nothing changes.
    for bad in [
        vec!["--days", "0"],
        vec!["--visits-per-day", "3"],
        vec!["--fever-at", "39"],
        vec!["--fever-at", "热"],
        vec!["--gate-opens", "provinces", "--provinces", "4"],
        vec!["--gate-opens", "provinces"],
        vec!["--provinces", "42"],
    ] {
        let mut args = vec!["observation", "policy"];
        args.extend(bad.iter().copied());
        let (ok, _, err) = run(&args);
        assert!(!ok, "{bad:?} was taken");
        assert!(!err.trim().is_empty(), "{bad:?} said nothing");
    }
    let (_, json, _) = run(&["--json", "observation", "policy"]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (v["policy"]["version"].clone(), v["policy"]["days"].clone()),
        (2.into(), 21.into())
    );
}

/// `hotline policy` shows the default, changes the deadlines given, refuses impossible ones;
/// `import check-list` takes the district's list in once; `report hotline` counts it.
#[test]
fn the_hotline_policy_the_check_list_and_the_hotline_report_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let run = |args: &[&str]| {
        let out = server(&url).args(args).output().expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(run(&["init", "--street", "411402001", "--name", "平原街道"]).0);
    let (ok, shown, _) = run(&["hotline", "policy"]);
    assert!(ok);
    assert!(
        shown.contains("urgent (紧急): assigned within 30 min, checked within 120 min"),
        "{shown}"
    );
    assert!(shown.contains("the default"), "{shown}");
    let (ok, json, err) = run(&["--json", "hotline", "policy", "--urgent-assign", "15"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["urgent"]["assign_minutes"], 15);
    assert_eq!(v["returnee"]["check_minutes"], 1440);
    for bad in [
        vec!["hotline", "policy", "--urgent-assign", "0"],
        vec![
            "hotline",
            "policy",
            "--other-assign",
            "3000",
            "--other-check",
            "2880",
        ],
        vec!["hotline", "policy", "--returnee-check", "20000"],
    ] {
        let (ok, _, err) = run(&bad);
        assert!(!ok && err.contains("invalid_policy"), "{bad:?}: {err}");
    }
    let (_, json, _) = run(&["--json", "hotline", "policy"]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        v["urgent"]["assign_minutes"], 15,
        "nothing changed by a refusal"
    );

    let list = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/registers/平原街道_区下发核查名单_第3批.xlsx");
    let list = list.to_str().expect("path");
    let (ok, json, err) = run(&["--json", "import", "check-list", list]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (
            v["batch"].as_u64(),
            v["reports"].as_u64(),
            v["stored"].as_u64()
        ),
        (Some(3), Some(67), Some(67))
    );
    assert_eq!(
        (v["rows_total"].as_u64(), v["rejected"].as_u64()),
        (Some(72), Some(3))
    );
    // The street has none of the list's compounds: every report waits at the street.
    assert_eq!(v["unassigned"], 67);
    let (ok, json, _) = run(&["--json", "import", "check-list", list, "--batch", "3"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (v["stored"].as_u64(), v["duplicates"].as_u64()),
        (Some(0), Some(67))
    );
    // Received when the district issued it (2020-02-04 20:00 China time).
    let (ok, json, err) = run(&[
        "--json",
        "report",
        "hotline",
        "--from",
        "2020-02-04",
        "--to",
        "2020-02-05",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["street"]["received"], 67);
    assert_eq!(v["street"]["checked"], 0);
    assert_eq!(
        v["street"]["overdue"], 67,
        "long past their deadlines, none checked"
    );
    assert_eq!(
        v["street"]["median_minutes_to_check"],
        serde_json::Value::Null
    );
    let (ok, text, _) = run(&["report", "hotline", "--from", "2020-02-04"]);
    assert!(ok);
    assert!(text.contains("街道（未交办）: 接报 67"), "{text}");
    let (ok, _, err) = run(&[
        "report",
        "hotline",
        "--from",
        "2020-02-05",
        "--to",
        "2020-02-04",
    ]);
    assert!(!ok && err.contains("before"), "{err}");
}

/// `import sites` takes the street's site list in once; `report disinfection` counts its day.
#[test]
fn the_site_list_and_the_disinfection_report_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let run = |args: &[&str]| {
        let out = server(&url).args(args).output().expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(run(&["init", "--street", "411402001", "--name", "平原街道"]).0);
    let list = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/registers/平原街道_消杀点位清单.xlsx");
    let list = list.to_str().expect("path");
    let (ok, json, err) = run(&["--json", "import", "sites", list, "--dry-run"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (v["sites"].as_u64(), v["stored"].as_u64()),
        (Some(38), Some(0))
    );
    let (ok, json, err) = run(&["--json", "import", "sites", list]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (
            v["rows_total"].as_u64(),
            v["rejected"].as_u64(),
            v["stored"].as_u64()
        ),
        (Some(42), Some(3), Some(38))
    );
    // The street has no communities yet: every site is the street's own.
    assert_eq!(v["street_own"], 38);
    let (ok, json, _) = run(&["--json", "import", "sites", list]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (v["stored"].as_u64(), v["duplicates"].as_u64()),
        (Some(0), Some(38))
    );
    // Today (the day they were listed): every site on the schedule, none done yet.
    let (ok, json, err) = run(&["--json", "report", "disinfection"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["street"]["sites"], 38);
    assert_eq!(v["street"]["done"], 0);
    assert!(v["street"]["due"].as_u64().expect("due") >= 38);
    let (ok, text, _) = run(&["report", "disinfection"]);
    assert!(ok);
    assert!(text.contains("街道: 点位 38"), "{text}");
    // The day before they were listed was never theirs to keep.
    let (ok, json, _) = run(&["--json", "report", "disinfection", "--date", "2026-02-10"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (
            v["street"]["sites"].as_u64(),
            v["street"]["overdue"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let (ok, _, err) = run(&["report", "disinfection", "--date", "2026-02-30"]);
    assert!(!ok && !err.is_empty());
    // The street's grace: 2 hours until set; 5 minutes is refused, 30 kept for every device.
    let (ok, json, _) = run(&["--json", "disinfection", "policy"]);
    assert!(ok);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(json.trim()).expect("json")["grace_minutes"],
        120
    );
    let (ok, _, err) = run(&["disinfection", "policy", "--grace-minutes", "5"]);
    assert!(!ok && err.contains("invalid_policy"), "{err}");
    let (ok, text, err) = run(&["disinfection", "policy", "--grace-minutes", "30"]);
    assert!(
        ok && text.contains("30 min") && text.contains("saved"),
        "{text}{err}"
    );
    let (ok, json, _) = run(&["--json", "disinfection", "policy"]);
    assert!(ok);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(json.trim()).expect("json")["grace_minutes"],
        30
    );
}

/// `import donations` takes the street's donation ledger in once (a street without
/// communities yet: only what went to its store enters stock, the rest is warned, never lost);
/// `report donations` lists it as the 捐赠公示表 does.
#[test]
fn the_donation_ledger_and_the_donations_report_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let run = |args: &[&str]| {
        let out = server(&url).args(args).output().expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(run(&["init", "--street", "411402001", "--name", "平原街道"]).0);
    let ledger = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/registers/平原街道_物资捐赠台账.xlsx");
    let ledger = ledger.to_str().expect("path");
    let (ok, json, err) = run(&["--json", "import", "donations", ledger]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (
            v["rows_total"].as_u64(),
            v["rejected"].as_u64(),
            v["donations"].as_u64()
        ),
        (Some(42), Some(2), Some(20))
    );
    assert_eq!(v["totals"]["surgical_mask"], 18000);
    let stored = v["stored"].as_u64().expect("stored");
    assert!(
        stored > 20,
        "the donations and the store's receipts: {stored}"
    );
    let (ok, json, _) = run(&["--json", "import", "donations", ledger]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(
        (v["stored"].as_u64(), v["duplicates"].as_u64()),
        (Some(0), Some(20))
    );
    let (ok, json, err) = run(&["--json", "report", "donations"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["donations"], 20);
    assert_eq!(v["lines"].as_array().expect("lines").len(), 40);
    let (ok, text, _) = run(&["report", "donations"]);
    assert!(ok);
    assert!(text.contains("捐赠公示（20 批）"), "{text}");
    assert!(text.contains("街道仓库"), "{text}");
    assert!(!text.contains("18406938116"), "no phone in the public list");
}

/// `supplies items` lists the plan's seven until the street adds its own; `add-item` adds one
/// (refused when malformed or twice), `set-item` renames it or changes its pack size; an item
/// is never removed, its unit never changed.
#[test]
fn the_streets_items_are_listed_added_and_renamed_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, url) = sqlite(&dir, "kadian.db");
    let run = |args: &[&str]| {
        let out = server(&url).args(args).output().expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(run(&["init", "--street", "411402001", "--name", "平原街道"]).0);
    let codes = |json: &str| -> Vec<String> {
        serde_json::from_str::<serde_json::Value>(json.trim()).expect("json")["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["code"].as_str().expect("code").to_owned())
            .collect()
    };
    let (ok, json, _) = run(&["--json", "supplies", "items"]);
    assert!(ok);
    assert_eq!(codes(&json).len(), 7);
    let (ok, text, err) = run(&[
        "supplies",
        "add-item",
        "--code",
        "isolation_gown",
        "--name",
        "隔离衣",
        "--unit",
        "件",
        "--pack-size",
        "10",
    ]);
    assert!(ok, "{err}");
    assert!(text.contains("isolation_gown\t隔离衣\t件"), "{text}");
    assert!(text.contains("saved"), "{text}");
    let (_, json, _) = run(&["--json", "supplies", "items"]);
    assert_eq!(codes(&json).len(), 8);
    for (args, says) in [
        (
            vec![
                "--code",
                "isolation_gown",
                "--name",
                "隔离衣",
                "--unit",
                "件",
            ],
            "set-item",
        ),
        (
            vec!["--code", "Gown!", "--name", "长袍", "--unit", "件"],
            "invalid_item_list",
        ),
        (
            vec!["--code", "gown2", "--name", "N95口罩", "--unit", "只"],
            "invalid_item_list",
        ),
    ] {
        let mut a = vec!["supplies", "add-item"];
        a.extend(args);
        let (ok, _, err) = run(&a);
        assert!(!ok && err.contains(says), "{err}");
    }
    let (ok, _, err) = run(&[
        "supplies",
        "set-item",
        "--code",
        "isolation_gown",
        "--name",
        "医用隔离衣",
        "--pack-size",
        "20",
    ]);
    assert!(ok, "{err}");
    let (_, json, _) = run(&["--json", "supplies", "items"]);
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(v["items"][7]["name"], "医用隔离衣");
    assert_eq!(v["items"][7]["pack_size"], 20);
    let (ok, _, err) = run(&[
        "supplies",
        "set-item",
        "--code",
        "caviar",
        "--name",
        "鱼子酱",
    ]);
    assert!(!ok && err.contains("caviar"), "{err}");
}
