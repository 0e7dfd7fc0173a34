//! The app's commands wired from the window to the server, without a window: Tauri's mock
//! runtime, two apps in one process (a gate tablet and a compound laptop, each with its own data
//! folder), against a real kadian-server on a loopback port with a real SQLite database.
//!
//! One flow calls each area's commands as the UI does (argument names, raw bodies, headers, the
//! export folder, the sync task); what each area does is tested without a window in
//! `crates/kadian-device/tests/<area>.rs`.

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
    /// Waits for a sync round that ends after this call with nothing left to send: the status
    /// read before a round has run may still say 0 pending from the round before.
    async fn synced(&self) {
        let before = self.ok("sync_status", json!({}))["last_success"].clone();
        for _ in 0..100 {
            self.ok("sync_now", json!({}));
            let s = self.ok("sync_status", json!({}));
            if s["pending"] == 0
                && s["syncing"] == false
                && s["last_success"].is_string()
                && s["last_success"] != before
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the outbox did not drain");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_area_is_wired_from_the_window_to_the_server() {
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

    // Enrolment: not enrolled yet, then a wrong code refused at its field.
    assert_eq!(tablet.ok("device_enrolment", json!({})), Value::Null);

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

    // Shift.
    let shift = tablet.ok(
        "shift_sign_in",
        json!({"volunteerId": volunteer, "pin": "2468"}),
    );
    assert_eq!(shift["volunteer_name"], "王志愿");
    // The gate's supplies: nothing delivered yet; a use of nothing refused by its field (the
    // laptop's stock below counts one movement).
    let gate = tablet.ok("supplies_gate", json!({}));
    assert_eq!(gate["awaiting"], json!([]));
    let sites = tablet.ok("disinfection_gate", json!({}));
    assert_eq!(sites["sites"], json!([]));
    let none = tablet
        .call(
            "disinfection_gate_record",
            json!({"siteId": "nothing", "agent": "chlorine", "method": "spray"}),
        )
        .expect_err("no such site");
    assert_eq!(none["code"], "not_found");
    let none = tablet
        .call(
            "supplies_gate_used",
            json!({"item": "surgical_mask", "quantity": 0}),
        )
        .expect_err("nothing used");
    assert_eq!(none["field"], "quantity");
    let wrong = tablet
        .call(
            "supplies_gate_confirm",
            json!({"transferId": "nothing", "quantity": 1, "pin": "0000"}),
        )
        .expect_err("a wrong PIN");
    assert_eq!(wrong["code"], "pin_wrong");

    // Gate: a returnee with a fever and a travel declaration, the re-measure, the search, an
    // exit typed as 365, voiding it, today's list.
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

    let again = tablet.ok(
        "gate_remeasure",
        json!({"readingId": reg["reading"]["reading_id"], "temperature": "36.8"}),
    );
    assert_eq!(again["fever"], false);

    let hits = tablet.ok("gate_search", json!({"query": &id_number[14..]}));
    assert_eq!(hits[0]["id"], person_id.as_str());
    let out = tablet.ok(
        "gate_register",
        json!({"personId": person_id, "direction": "out", "temperature": "365", "travel": null}),
    );
    assert_eq!(out["reading"]["celsius"], 36.5);
    let t = tablet.ok("gate_today", json!({"filter": {}}));
    assert_eq!(
        (
            t["entries"].clone(),
            t["exits"].clone(),
            t["fevers"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );

    tablet.ok(
        "gate_void",
        json!({"passageId": out["passage_id"], "reason": "点错了"}),
    );
    let t = tablet.ok("gate_today", json!({"filter": {"direction": "in"}}));
    assert_eq!(t["exits"], 0);
    assert_eq!(t["passages"].as_array().expect("rows").len(), 1);

    // Export: today's list to Excel, in the app's export folder.
    let file = tablet.ok(
        "export_list",
        json!({"kind": "today", "range": null, "format": "xlsx"}),
    );
    assert_eq!(file["rows"], 1);
    let path = PathBuf::from(file["path"].as_str().expect("path"));
    assert!(path.starts_with(&tablet.exports) && path.exists());

    // Review on the tablet: the person page, masked.
    let page = tablet.ok("review_person", json!({"personId": person_id}));
    assert_eq!(page["can_reveal"], false);

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

    // Review on the compound laptop, after both synced: the fever, the returnee with the end of
    // observation, the person in full.
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
    // 纳入居家观察 from the returnee list, today's visit in one step, and the case list.
    let case = laptop.ok(
        "observation_open",
        json!({"input": {
            "person_id": returnees[0]["person_id"], "reason": "returnee_elsewhere",
            "start_date": today, "declaration_id": returnees[0]["id"], "responsible": "李红梅"
        }}),
    );
    assert_eq!(case["status"], "open");
    let list = laptop.ok("observation_today", json!({"responsible": null}));
    assert_eq!(list["entries"].as_array().map(Vec::len), Some(1));
    let seen = laptop.ok(
        "observation_visit",
        json!({"input": {
            "case_id": case["case_id"], "outcome": "seen_well", "celsius": 36.6,
            "method": null, "symptoms": [], "action": null, "visited_by": "李红梅"
        }}),
    );
    assert_eq!(seen["last_celsius"], 36.6);
    let referred = laptop.ok(
        "observation_transition",
        json!({"caseId": case["case_id"], "kind": "refer", "reason": "复查"}),
    );
    assert_eq!(referred["status"], "referred");
    // Release in one step: a referred case is not due for release; nothing released.
    let released = laptop.ok(
        "observation_release_due",
        json!({"caseIds": [case["case_id"]]}),
    );
    assert_eq!(released, json!([]));
    // The case's page (day 0 today: no days of the period yet; the visit and the referral) and
    // the daily sheet.
    let page = laptop.ok("observation_case", json!({"caseId": case["case_id"]}));
    assert_eq!(page["start"], today.as_str());
    assert_eq!(page["visits"][0]["celsius"], 36.6);
    assert_eq!(page["changes"][0]["kind"], "refer");
    assert_eq!(page["changes"][0]["applied"], true);
    let sheet = laptop.ok(
        "observation_export",
        json!({"from": today, "to": ends, "format": "xlsx"}),
    );
    assert_eq!(sheet["rows"], 1);
    assert!(sheet["file_name"]
        .as_str()
        .is_some_and(|n| n.starts_with("居家观察每日随访表_")));
    assert_eq!(
        laptop
            .ok("observation_list", json!({}))
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // A fever at a visit goes to the emergency response group: listed, taken, cleared (the
    // referred case is back under observation).
    laptop.ok(
        "observation_visit",
        json!({"input": {
            "case_id": case["case_id"], "outcome": "seen_unwell", "celsius": 38.1,
            "method": null, "symptoms": ["cough"], "action": null, "visited_by": "李红梅"
        }}),
    );
    let referrals = laptop.ok("observation_referrals", json!({"openOnly": true}));
    assert_eq!(referrals[0]["status"], "open");
    assert_eq!(referrals[0]["celsius"], 38.1);
    assert_eq!(referrals[0]["symptoms"], json!(["cough"]));
    let taken = laptop.ok(
        "observation_referral_take",
        json!({"referralId": referrals[0]["id"], "by": "应急处置组 张医生"}),
    );
    assert_eq!(taken["status"], "taken");
    let cleared = laptop.ok(
        "observation_referral_dispose",
        json!({"input": {"referral_id": referrals[0]["id"], "disposition": "cleared",
                         "note": "发热门诊复查正常", "by": null}}),
    );
    assert_eq!(cleared["disposition"], "cleared");
    assert_eq!(
        laptop
            .ok("observation_referrals", json!({"openOnly": true}))
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let page = laptop.ok("observation_case", json!({"caseId": case["case_id"]}));
    assert_eq!(
        page["changes"]
            .as_array()
            .and_then(|c| c.last())
            .map(|c| c["kind"].clone()),
        Some(json!("resume"))
    );
    let page = laptop.ok("review_person", json!({"personId": person_id}));
    let full = laptop.ok("review_person_reveal", json!({"personId": person_id}));
    assert_eq!(full["document_number"], id_number.as_str());
    assert_eq!(page["passages"].as_array().expect("passages").len(), 2);

    // 导入名册 on the laptop: the file's bytes as the raw body, its name percent-encoded in a
    // header; the commit stores it and it syncs.
    let roster = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/registers/八一社区_居民花名册.xlsx");
    let bytes = std::fs::read(&roster).expect("fixture roster");
    let name =
        "%E5%85%AB%E4%B8%80%E7%A4%BE%E5%8C%BA_%E5%B1%85%E6%B0%91%E8%8A%B1%E5%90%8D%E5%86%8C.xlsx";
    let preview = laptop
        .call_raw(
            "import_preview",
            bytes,
            &[("x-file-name", name), ("x-register-kind", "residents")],
        )
        .expect("preview");
    let report = &preview["report"];
    assert_eq!(report["file"], "八一社区_居民花名册.xlsx");
    let done = laptop.ok("import_commit", json!({"token": preview["token"]}));
    assert_eq!(done["persons"], 236);
    assert_eq!(
        laptop.ok("gate_search", json!({"query": "罗航小"}))[0]["name"],
        "罗航小"
    );
    laptop.synced().await;
    assert!(server.db.count("person").await.expect("count") >= 236);
    // 入户排查: the roster's households by building, unit and room; nobody seen at a gate yet,
    // so every one is to knock on; a household's page lists its members. They reached the server.
    assert_eq!(
        done["households"],
        server.db.count("household").await.expect("count")
    );
    let today = kadian_server::china_time::china_today().to_string();
    let coverage = laptop.ok(
        "screening_coverage",
        json!({"query": {"date": today, "compound": null}}),
    );
    let row = &coverage["rows"][0];
    assert_eq!(row["compound"], "八一新苑");
    assert_eq!(row["coverage"]["households_registered"], done["households"]);
    assert_eq!(row["coverage"]["persons_registered"], 236);
    assert_eq!(row["coverage"]["households_screened"], 0);
    let first = &coverage["households"][0];
    assert_eq!(first["state"], "silent");
    let page = laptop.ok(
        "screening_household",
        json!({"id": first["id"], "date": today}),
    );
    assert_eq!(page["address"], first["address"]);
    assert!(!page["members"].as_array().expect("members").is_empty());

    // 热线举报: a report taken in on the laptop is its own compound's to do; checked and
    // closed in one step; it and its steps reach the server.
    let report = laptop.ok(
        "hotline_intake",
        json!({"input": {"channel": "phone", "category": "returnee_hubei", "urgency": "normal",
            "subject_name": "张伟", "subject_address": "3号楼2单元501"}}),
    );
    assert_eq!(report["row"]["assigned_to"], "八一新苑");
    let todo = laptop.ok(
        "hotline_list",
        json!({"query": {"filter": "todo", "batch": null}}),
    );
    assert_eq!(todo["rows"].as_array().expect("rows").len(), 1);
    let done = laptop.ok(
        "hotline_act",
        json!({"input": {"report_id": report["row"]["id"], "kind": "check",
            "result": "already_registered", "close": true}}),
    );
    assert_eq!(done["row"]["status"], "closed");
    let candidates = laptop.ok(
        "hotline_candidates",
        json!({"query": {"name": "张伟", "phone": "", "id_number": ""}}),
    );
    assert!(candidates["reports"]
        .as_array()
        .expect("reports")
        .is_empty());
    laptop.synced().await;
    assert_eq!(server.db.count("hotline_report").await.expect("count"), 1);
    assert_eq!(server.db.count("report_action").await.expect("count"), 3);

    // 消杀: a site listed on the laptop, its 08:00 recorded; both reach the server.
    let board = laptop.ok(
        "disinfection_site_save",
        json!({"input": {"kind": "compound_public_area", "name": "八一新苑小区公共区域",
            "times_per_day": 2, "slots": ["08:00", "16:00"]}}),
    );
    let site = board["sites"][0]["id"].clone();
    let board = laptop.ok(
        "disinfection_record",
        json!({"input": {"site_id": site, "slot": "08:00", "agent": "chlorine",
            "concentration_mg_l": 500, "method": "spray", "done_by": "property_company",
            "areas": ["entrance"]}}),
    );
    assert_eq!(board["sites"][0]["done"], 1);
    assert_eq!(
        laptop.ok("disinfection_board", json!({"day": ""}))["total"]["done"],
        1
    );
    let day = board["day"].as_str().expect("day").to_owned();
    let file = laptop.ok(
        "disinfection_export",
        json!({"from": day, "to": day, "format": "xlsx"}),
    );
    assert_eq!(file["rows"], 1);
    laptop.synced().await;
    assert_eq!(server.db.count("disinfection").await.expect("count"), 1);

    // 物资: the laptop's gate used 40 masks at hand-over; the movement reaches the server.
    let stock = laptop.ok("supplies_board", json!({}));
    let gate = stock["holders"][0]["key"]
        .as_str()
        .expect("a gate")
        .to_owned();
    let stock = laptop.ok(
        "supplies_record",
        json!({"input": {"item": "surgical_mask", "holder": gate, "kind": "used", "quantity": 40}}),
    );
    assert_eq!(stock["rows"][0]["on_hand"], -40);
    laptop.synced().await;
    assert_eq!(server.db.count("stock_movement").await.expect("count"), 1);
    // Its 物资台账 holds that movement; donations are the street's (this laptop records none,
    // and its 捐赠公示表 is empty).
    let ledger = laptop.ok("supplies_export", json!({"format": "xlsx"}));
    assert_eq!(ledger["rows"], 1);
    let donations = laptop.ok("supplies_donations", json!({}));
    assert_eq!(donations["may_record"], false);
    let public = laptop.ok("supplies_donations_export", json!({"format": "xlsx"}));
    assert_eq!(public["rows"], 0);
    // The allocation plan is the street's: this compound laptop is refused, by its code.
    let refused = laptop
        .call(
            "supplies_allocation",
            json!({"item": "surgical_mask", "available": 0, "targetDays": 7}),
        )
        .expect_err("a compound laptop");
    assert_eq!(refused["code"], "not_allowed");

    // 志愿者: the laptop adds a volunteer with a PIN (hashed there); after both sync, the tablet
    // lists them.
    let compounds = laptop.ok("volunteer_compounds", json!({}));
    assert_eq!(compounds[0]["name"], "八一新苑");
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
    let retired = laptop.ok(
        "volunteer_retire",
        json!({"id": added["id"], "retired": true}),
    );
    assert_eq!(retired["retired"], true);

    // The sync panel: nothing refused, nothing quarantined, no conflict to settle.
    for cmd in ["sync_rejected", "sync_quarantined", "sync_conflicts"] {
        assert_eq!(laptop.ok(cmd, json!({})), json!([]), "{cmd}");
    }
    // Places and the app: the travel declaration's tree, the storage facts.
    assert!(tablet
        .ok("places_tree", json!({}))
        .as_array()
        .is_some_and(|t| t.len() > 30));
    // The retire above goes up by itself (the sync task is nudged): the outbox empties.
    let mut drained = false;
    for _ in 0..100 {
        if laptop.ok("storage_info", json!({}))["pending"] == 0 {
            drained = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(drained, "the laptop's outbox never emptied");
    assert!(laptop.ok("app_info", json!({}))["version"].is_string());

    // Enrolment again: the tablet is named by its compound and gate.
    assert_eq!(
        tablet.ok("device_enrolment", json!({}))["place_name"],
        "八一新苑 东门"
    );
}
