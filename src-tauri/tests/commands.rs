//! The app's commands without a window: Tauri's mock runtime, two apps in one process (a gate
//! tablet and a compound laptop, each with its own data folder), against a real kadian-server on
//! a loopback port with a real SQLite database.

use std::path::PathBuf;

use kadian_app_lib::{builder, open_device, Paths};
use kadian_domain::sync::Role;
use kadian_tests::harness::TestServer;
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

struct App {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
    exports: PathBuf,
}

impl App {
    fn new() -> App {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().join("data");
        let exports = dir.path().join("exports");
        let (d, e) = (data.clone(), exports.clone());
        let paths = Paths {
            data: Some(d),
            exports: Some(e),
        };
        let for_setup = paths.clone();
        let app = builder(tauri::test::mock_builder(), move |_| for_setup.clone())
            // The real context: the capabilities the window has in the app.
            .build(tauri::generate_context!())
            .expect("app");
        // The sync task is spawned on Tauri's runtime, not on the test's.
        tokio::task::block_in_place(|| open_device(&app, paths));
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window");
        App {
            _app: app,
            window,
            _dir: dir,
            exports,
        }
    }

    /// Invokes a command as the UI does; `Ok(value)` or `Err(the error object)`.
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.invoke(cmd, tauri::ipc::InvokeBody::Json(args), Default::default())
    }

    /// Invokes a command with a raw body and headers (the register import).
    fn call_raw(&self, cmd: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Result<Value, Value> {
        let mut map = tauri::http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                tauri::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                tauri::http::HeaderValue::from_str(v).expect("value"),
            );
        }
        self.invoke(cmd, tauri::ipc::InvokeBody::Raw(body), map)
    }

    fn invoke(
        &self,
        cmd: &str,
        body: tauri::ipc::InvokeBody,
        headers: tauri::http::HeaderMap,
    ) -> Result<Value, Value> {
        tokio::task::block_in_place(|| {
            get_ipc_response(
                &self.window,
                InvokeRequest {
                    cmd: cmd.into(),
                    callback: tauri::ipc::CallbackFn(0),
                    error: tauri::ipc::CallbackFn(1),
                    // The app's own origin on Linux (a remote origin gets no app commands).
                    url: "tauri://localhost".parse().expect("url"),
                    body,
                    headers,
                    invoke_key: INVOKE_KEY.to_string(),
                },
            )
            .map(|b| b.deserialize::<Value>().expect("json"))
        })
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// Waits until the sync task has emptied the outbox.
    async fn synced(&self) {
        for _ in 0..100 {
            self.ok("sync_now", json!({}));
            let s = self.ok("sync_status", json!({}));
            if s["pending"] == 0 && s["last_success"].is_string() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the outbox did not drain");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gate_tablet_and_a_compound_laptop() {
    let server = TestServer::start("sqlite").await;
    let volunteer = kadian_server::admin::add_volunteer(
        server.db.as_ref(),
        &server.compound_a,
        "王志愿",
        "2468",
    )
    .await
    .expect("volunteer");
    let tablet = App::new();
    let laptop = App::new();

    let today = (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string();
    let body = "41140219900307123";
    let id_number = format!("{body}{}", kadian_domain::id_number::check_char(body));

    // Not enrolled yet: the gate refuses with a code and both languages.
    assert_eq!(tablet.ok("device_enrolment", json!({})), Value::Null);
    let e = tablet
        .call(
            "shift_sign_in",
            json!({"volunteerId": volunteer, "pin": "2468"}),
        )
        .expect_err("not a gate yet");
    assert_eq!(e["code"], "not_a_gate");
    assert!(e["message"].as_str().expect("zh").contains("卡点"));
    assert!(!e["message_en"].as_str().expect("en").is_empty());

    // Enrolment with a wrong code says so; the right code enrols and the first pull brings the
    // compound's volunteers.
    let wrong = tablet
        .call(
            "device_enrol",
            json!({"serverUrl": server.url, "code": "AAAA-BBBB-CCCC", "deviceName": "东门平板"}),
        )
        .expect_err("wrong code");
    assert_eq!(wrong["field"], "code");
    let code = server.code(Role::Volunteer, &server.checkpoint_a).await;
    let enrolled = tablet.ok(
        "device_enrol",
        json!({"serverUrl": server.url, "code": code, "deviceName": "东门平板"}),
    );
    assert_eq!(enrolled["role"], "volunteer");
    assert_eq!(enrolled["checkpoint"], server.checkpoint_a.as_str());
    tablet.synced().await;
    let volunteers = tablet.ok("shift_volunteers", json!({}));
    assert_eq!(volunteers, json!([{"id": volunteer, "name": "王志愿"}]));

    // Sign-in: a wrong PIN is refused, the right one opens the shift.
    let e = tablet
        .call(
            "shift_sign_in",
            json!({"volunteerId": volunteer, "pin": "1357"}),
        )
        .expect_err("wrong pin");
    assert_eq!(e["code"], "pin_wrong");
    let shift = tablet.ok(
        "shift_sign_in",
        json!({"volunteerId": volunteer, "pin": "2468"}),
    );
    assert_eq!(shift["volunteer_name"], "王志愿");

    // A visitor form with every field wrong: every problem at once, nothing stored.
    let bad = json!({"visitor": {
        "name": "", "document_type": "resident_id", "document_number": "41140219900307",
        "phone": "12", "destination": "3号楼", "purpose": "探亲", "plate": "",
        "companions": 0, "direction": "in", "temperature": "45", "travel": null}});
    let e = tablet
        .call("gate_register_visitor", bad)
        .expect_err("bad form");
    assert_eq!(e["code"], "invalid_input");
    let fields: Vec<&str> = e["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["severity"] == "error")
        .map(|n| n["field"].as_str().expect("field"))
        .collect();
    for f in ["name", "id_number", "temperature_c"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let today_list = tablet.ok("gate_today", json!({"filter": {}}));
    assert_eq!(today_list["passages"], json!([]));

    // A returnee with a fever: the reading is a fever, the travel declaration is stored.
    let visitor = json!({"visitor": {
        "name": "测试返乡", "document_type": "resident_id", "document_number": id_number,
        "phone": "13800138000", "destination": "3号楼2单元", "purpose": "返乡", "plate": "",
        "companions": 1, "direction": "in", "temperature": "38.2",
        "travel": {"places": ["440305"], "from_date": null, "to_date": today,
                   "transport": "train", "transport_ref": "G1936"}}});
    let reg = tablet.ok("gate_register_visitor", visitor);
    assert_eq!(reg["reading"]["fever"], true);
    assert!(reg["travel_id"].is_string());
    let person_id = reg["person_id"].as_str().expect("person").to_owned();

    // The re-measure is a second reading; the first stays a fever.
    let again = tablet.ok(
        "gate_remeasure",
        json!({"readingId": reg["reading"]["reading_id"], "temperature": "36.8"}),
    );
    assert_eq!(again["fever"], false);

    // The search finds them by the last 4 of the ID, masked.
    let hits = tablet.ok("gate_search", json!({"query": &id_number[14..]}));
    assert_eq!(hits[0]["id"], person_id.as_str());
    assert_eq!(
        hits[0]["id_masked"],
        format!("4114**********{}", &id_number[14..])
    );
    assert_eq!(hits[0]["phone_masked"], "138****8000");

    // Out again, 365 typed: 36.5 °C with a warning.
    let out = tablet.ok(
        "gate_register",
        json!({"personId": person_id, "direction": "out", "temperature": "365", "travel": null}),
    );
    assert_eq!(out["reading"]["celsius"], 36.5);
    assert_eq!(
        out["reading"]["warnings"][0]["code"],
        "temperature_decimal_assumed"
    );
    let t = tablet.ok("gate_today", json!({"filter": {}}));
    assert_eq!(
        (
            t["entries"].clone(),
            t["exits"].clone(),
            t["fevers"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );

    // Voiding needs a reason; a voided exit no longer counts.
    let e = tablet
        .call(
            "gate_void",
            json!({"passageId": out["passage_id"], "reason": " "}),
        )
        .expect_err("no reason");
    assert_eq!(e["field"], "reason");
    tablet.ok(
        "gate_void",
        json!({"passageId": out["passage_id"], "reason": "点错了"}),
    );
    let t = tablet.ok("gate_today", json!({"filter": {"direction": "in"}}));
    assert_eq!(t["exits"], 0);
    assert_eq!(t["passages"].as_array().expect("rows").len(), 1);

    // Today's list to Excel: one row (the voided exit is left out).
    let file = tablet.ok(
        "export_list",
        json!({"kind": "today", "range": null, "format": "xlsx"}),
    );
    assert_eq!(file["rows"], 1);
    let path = PathBuf::from(file["path"].as_str().expect("path"));
    assert!(path.starts_with(&tablet.exports) && path.exists());

    // On the tablet the person page stays masked.
    let page = tablet.ok("review_person", json!({"personId": person_id}));
    assert_eq!(page["can_reveal"], false);
    assert_eq!(page["phone"], "138****8000");
    let refused = tablet
        .call("review_person_reveal", json!({"personId": person_id}))
        .expect_err("a tablet may not reveal");
    assert_eq!(refused["code"], "not_allowed");

    tablet.synced().await;
    let summary = tablet.ok("shift_hand_over", json!({}));
    assert_eq!(
        (
            summary["entries"].clone(),
            summary["exits"].clone(),
            summary["fevers"].clone(),
            summary["pending"].clone()
        ),
        (json!(1), json!(0), json!(1), json!(0))
    );

    // The compound laptop sees the fever, the returnee with the end of observation, and the
    // person in full.
    let code = server.code(Role::Compound, &server.compound_a).await;
    laptop.ok(
        "device_enrol",
        json!({"serverUrl": server.url, "code": code, "deviceName": "党支部笔记本"}),
    );
    laptop.synced().await;
    let readings = laptop.ok(
        "review_readings",
        json!({"range": {"from": today, "to": today}}),
    );
    let rows = readings["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows.iter().filter(|r| r["fever"] == true).count(), 1);
    assert!(rows.iter().all(|r| r["recorded_by"] == "王志愿"));
    let returnees = laptop.ok("review_returnees", json!({}));
    let ends = (chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d").expect("day")
        + chrono::Duration::days(14))
    .to_string();
    assert_eq!(returnees[0]["observation_ends"], ends.as_str());
    assert_eq!(returnees[0]["places"], json!(["广东省深圳市南山区"]));
    let page = laptop.ok("review_person", json!({"personId": person_id}));
    // Masked like the lists until staff ask for the full values.
    assert_eq!(page["can_reveal"], true);
    assert_ne!(page["document_number"], id_number.as_str());
    let full = laptop.ok("review_person_reveal", json!({"personId": person_id}));
    assert_eq!(full["document_number"], id_number.as_str());
    assert_eq!(page["passages"].as_array().expect("passages").len(), 2);

    // 导入名册 on the laptop: a preview with every flagged row, nothing stored until the commit;
    // the tablet may not import.
    let roster = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/registers/八一社区_居民花名册.xlsx");
    let bytes = std::fs::read(&roster).expect("fixture roster");
    let name =
        "%E5%85%AB%E4%B8%80%E7%A4%BE%E5%8C%BA_%E5%B1%85%E6%B0%91%E8%8A%B1%E5%90%8D%E5%86%8C.xlsx";
    let e = tablet
        .call_raw(
            "import_preview",
            bytes.clone(),
            &[("x-file-name", name), ("x-register-kind", "auto")],
        )
        .expect_err("a tablet does not import");
    assert_eq!(e["code"], "not_a_desk");
    let preview = laptop
        .call_raw(
            "import_preview",
            bytes,
            &[("x-file-name", name), ("x-register-kind", "residents")],
        )
        .expect("preview");
    let report = &preview["report"];
    assert_eq!(report["file"], "八一社区_居民花名册.xlsx");
    assert_eq!(
        (
            report["rows_total"].clone(),
            report["accepted"].clone(),
            report["warned"].clone(),
            report["rejected"].clone()
        ),
        (json!(238), json!(234), json!(3), json!(1))
    );
    let people_before = laptop.ok("gate_search", json!({"query": "罗航小"}));
    assert_eq!(people_before, json!([]), "nothing stored by the preview");
    let e = laptop
        .call("import_commit", json!({"token": "not-the-token"}))
        .expect_err("wrong token");
    assert_eq!(e["code"], "import_expired");
    let done = laptop.ok("import_commit", json!({"token": preview["token"]}));
    assert_eq!(done["persons"], 236);
    assert_eq!(
        laptop.ok("gate_search", json!({"query": "罗航小"}))[0]["name"],
        "罗航小"
    );
    laptop.synced().await;
    assert!(server.db.count("person").await.expect("count") >= 236);

    // 志愿者: the laptop adds a volunteer with a PIN (hashed there); after both sync, the tablet
    // lists them. The tablet itself may not set volunteers.
    let compounds = laptop.ok("volunteer_compounds", json!({}));
    assert_eq!(compounds[0]["name"], "八一新苑");
    let e = laptop
        .call(
            "volunteer_save",
            json!({"compoundId": null, "name": "孙丽", "pin": "12"}),
        )
        .expect_err("short PIN");
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("invalid_input"), Some("pin"))
    );
    let added = laptop.ok(
        "volunteer_save",
        json!({"compoundId": null, "name": "孙丽", "pin": "8642"}),
    );
    assert_eq!(added["pending"], true);
    laptop.synced().await;
    let mut listed = false;
    for _ in 0..100 {
        tablet.ok("sync_now", json!({}));
        let list = tablet.ok("shift_volunteers", json!({}));
        if list
            .as_array()
            .expect("list")
            .iter()
            .any(|v| v["name"] == "孙丽")
        {
            listed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(listed, "the tablet never listed the new volunteer");
    let e = tablet
        .call("volunteer_list", json!({}))
        .expect_err("a tablet keeps no volunteer list");
    assert_eq!(e["code"], "not_staff");
    let retired = laptop.ok(
        "volunteer_retire",
        json!({"id": added["id"], "retired": true}),
    );
    assert_eq!(retired["retired"], true);

    // Five wrong PINs in a row pause sign-in, even for the right PIN.
    for _ in 0..5 {
        let e = tablet
            .call(
                "shift_sign_in",
                json!({"volunteerId": volunteer, "pin": "0000"}),
            )
            .expect_err("wrong pin");
        assert_eq!(e["code"], "pin_wrong");
    }
    let e = tablet
        .call(
            "shift_sign_in",
            json!({"volunteerId": volunteer, "pin": "2468"}),
        )
        .expect_err("paused");
    assert_eq!(e["code"], "pin_locked");
    assert_eq!(
        tablet.ok("device_enrolment", json!({}))["place_name"],
        "八一新苑 东门"
    );
}
