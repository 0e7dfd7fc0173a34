//! The daily report signed (签发) from a street laptop with a 签发人's PIN, and downloaded in the
//! district's template, through a real server on a loopback port on every backend (SQLite
//! always; PostgreSQL when `KADIAN_TEST_PG` is set).

use calamine::{Data, Reader, Xlsx};
use kadian_device::areas::daily_report::{download_daily_report, sign_daily_report};
use kadian_domain::figures::china_date;
use kadian_domain::records::volunteer::hash_pin;
use kadian_domain::sync::Role;
use kadian_tests::harness::{backends, register_walk_in, TestDevice, TestServer};

/// Every text cell of every sheet of an .xlsx.
fn texts(path: &str) -> Vec<String> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).expect("xlsx");
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        for cell in range.used_cells() {
            if let Data::String(s) = cell.2 {
                out.push(s.clone());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_street_laptop_signs_the_day_with_a_pin_and_downloads_the_signed_report() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let today = china_date(chrono::Utc::now());
        let day = today.to_string();
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        register_walk_in(&tablet.core, &s.checkpoint_a, "送货人");
        tablet.sync().await.expect("tablet");
        let laptop = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let dir = tempfile::tempdir().expect("dir");
        let sign = |signer: &'static str, pin: &'static str| {
            let core = laptop.core.clone();
            let day = day.clone();
            async move { sign_daily_report(&core, &day, signer, pin).await }
        };

        // Nobody may sign before the street names its 签发人; a PIN that is not one is said
        // before anything is sent.
        assert_eq!(
            sign("赵主任", "2468").await.expect_err("no signer").code,
            "pin_wrong"
        );
        let e = sign("赵主任", "24a8").await.expect_err("format");
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("pin_format", Some("pin"))
        );
        s.db.put_signer("赵主任", &hash_pin("2468").expect("hash"))
            .await
            .expect("signer");
        s.db.put_signer("李强", &hash_pin("135790").expect("hash"))
            .await
            .expect("signer");

        // Only the street signs.
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        let e = sign_daily_report(&community.core, &day, "赵主任", "2468")
            .await
            .expect_err("community");
        assert_eq!(e.code, "street_only");

        // Five wrong PINs from a laptop make it wait, whatever the names: a name that is no
        // 签发人 answers as one that is, first and last. (The try before 赵主任 was a 签发人
        // was this laptop's first.)
        for name in ["赵主任", "钱某", "孙某", "李某"] {
            let e = sign(name, "1111").await.expect_err("wrong");
            assert_eq!(
                (e.code.as_str(), e.field.as_deref()),
                ("pin_wrong", Some("pin")),
                "{name}"
            );
        }
        for name in ["赵主任", "周某"] {
            let e = sign(name, "1111").await.expect_err("locked");
            assert_eq!(e.code, "pin_locked", "{name}: {e:?}");
            assert!(e.message.contains("分钟后再试"), "{}", e.message);
        }

        // Five wrong PINs for a 签发人 (one above, four from other laptops) lock that name on
        // every laptop, the right PIN included.
        let second = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let third = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        for (i, d) in [&second, &second, &second, &third].into_iter().enumerate() {
            let e = sign_daily_report(&d.core, &day, "赵主任", "1111")
                .await
                .expect_err("wrong");
            assert_eq!(e.code, "pin_wrong", "try {i}");
        }
        let e = sign_daily_report(&third.core, &day, "赵主任", "2468")
            .await
            .expect_err("locked");
        assert_eq!(e.code, "pin_locked", "{e:?}");

        // Twelve wrong PINs at once, from a fourth laptop, get no more than five checked: the
        // rest wait before their PIN is looked at, and the right PIN then too.
        s.db.put_signer("王五", &hash_pin("8642").expect("hash"))
            .await
            .expect("signer");
        let fourth = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let tries: Vec<_> = (0..12)
            .map(|i| {
                let core = fourth.core.clone();
                let day = day.clone();
                tokio::spawn(async move {
                    sign_daily_report(&core, &day, "王五", &format!("{:04}", 1000 + i))
                        .await
                        .expect_err("wrong")
                        .code
                })
            })
            .collect();
        let mut codes = Vec::new();
        for t in tries {
            codes.push(t.await.expect("task"));
        }
        let wrong = codes.iter().filter(|c| *c == "pin_wrong").count();
        let locked = codes.iter().filter(|c| *c == "pin_locked").count();
        assert_eq!((wrong, locked), (5, 7), "{codes:?}");
        assert_eq!(
            sign_daily_report(&fourth.core, &day, "王五", "8642")
                .await
                .expect_err("locked")
                .code,
            "pin_locked"
        );
        // The first laptop waits its 15 minutes; a fifth signs.
        let laptop = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let sign = |signer: &'static str, pin: &'static str| {
            let core = laptop.core.clone();
            let day = day.clone();
            async move { sign_daily_report(&core, &day, signer, pin).await }
        };

        // The server itself refuses what the laptop would not send: another role, a line break.
        let raw = reqwest::Client::new();
        let token = |d: &TestDevice| {
            d.core
                .store()
                .enrolment()
                .expect("store")
                .expect("enrolled")
                .token
        };
        let status = |r: reqwest::Response| r.status().as_u16();
        let r = raw
            .post(format!("{}/api/v1/reports/daily/sign", s.url))
            .bearer_auth(token(&community))
            .json(&serde_json::json!({"date": day, "signer": "李强", "pin": "135790"}))
            .send()
            .await
            .expect("request");
        assert_eq!(status(r), 403);
        let r = raw
            .get(format!("{}/api/v1/reports/daily.xlsx", s.url))
            .bearer_auth(token(&laptop))
            .query(&[("date", day.as_str()), ("filled_by", "王\n敏")])
            .send()
            .await
            .expect("request");
        assert_eq!(status(r), 400);

        // Before the street's cut-off, today's report waits (unless this runs in the day's
        // last minute).
        s.db.set_setting(kadian_server::report::CUTOFF_SETTING, "23:59")
            .await
            .expect("cutoff");
        let china_now = chrono::Utc::now()
            .with_timezone(&kadian_server::china_time::offset())
            .time();
        if china_now < chrono::NaiveTime::from_hms_opt(23, 59, 0).expect("time") {
            let e = sign("李强", "135790")
                .await
                .expect_err("before the cut-off");
            assert_eq!(e.code, "before_cutoff");
            assert!(e.message.contains("23:59"), "{}", e.message);
        }
        s.db.set_setting(kadian_server::report::CUTOFF_SETTING, "00:00")
            .await
            .expect("cutoff");

        // A day not begun is refused; the day is signed once, and stays signed.
        let tomorrow = (today + chrono::Days::new(1)).to_string();
        let e = sign_daily_report(&laptop.core, &tomorrow, "李强", "135790")
            .await
            .expect_err("tomorrow");
        assert_eq!(e.code, "in_the_future");
        let signed = sign("李强", "135790").await.expect("signed");
        assert_eq!(
            (signed.date.as_str(), signed.signer.as_str()),
            (day.as_str(), "李强")
        );
        assert_eq!(signed.hash.len(), 64);
        let e = sign("李强", "135790").await.expect_err("again");
        assert_eq!(e.code, "already_signed");
        assert!(e.message.contains("李强"), "{}", e.message);
        let frozen = kadian_server::report::daily(
            s.db.as_ref(),
            today,
            kadian_domain::FeverThreshold::default(),
        )
        .await
        .expect("report");
        assert_eq!(
            frozen.signed.as_ref().map(|x| x.hash.as_str()),
            Some(signed.hash.as_str())
        );
        assert_eq!(frozen.total.passages_in, 1);

        // The signed report, downloaded in the template: 签发人 filled in, the street's rows.
        let file = download_daily_report(&laptop.core, &day, "王敏", "0394-1234567", dir.path())
            .await
            .expect("download");
        assert_eq!(
            file.file_name,
            format!("日报_{}_已签发.xlsx", day.replace('-', ""))
        );
        assert_eq!(file.rows, 2, "a row per community");
        let cells = texts(&file.path);
        assert!(cells.iter().any(|c| c.contains("李强")), "{cells:?}");
        assert!(cells.iter().any(|c| c.contains("王敏")), "{cells:?}");
        assert!(cells.iter().any(|c| c.contains("八一社区")), "{cells:?}");
        // A line break in 填报人 is refused on the laptop; the server refuses one too.
        let e = download_daily_report(&laptop.core, &day, "王\n敏", "", dir.path())
            .await
            .expect_err("line break");
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("invalid_text", Some("filled_by"))
        );
        let e = download_daily_report(&community.core, &day, "", "", dir.path())
            .await
            .expect_err("community");
        assert_eq!(e.code, "street_only");
    }
}
