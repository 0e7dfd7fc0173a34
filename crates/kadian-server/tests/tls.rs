//! `serve --tls-cert/--tls-key`: the API over HTTPS (rustls), with a throw-away self-signed
//! certificate for 127.0.0.1 made by rcgen.

use std::net::SocketAddr;

use kadian_server::http::serve_tls;

struct Cert {
    _dir: tempfile::TempDir,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    pem: String,
}

fn self_signed() -> Cert {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("certificate");
    let dir = tempfile::tempdir().expect("tmp");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let pem = ck.cert.pem();
    std::fs::write(&cert, &pem).expect("write cert");
    std::fs::write(&key, ck.key_pair.serialize_pem()).expect("write key");
    Cert {
        _dir: dir,
        cert,
        key,
        pem,
    }
}

async fn router() -> axum::Router {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("kadian.db").display());
    let db = kadian_server::connect(&url).await.expect("db");
    // The database folder must outlive the test; leak it (the process ends soon).
    std::mem::forget(dir);
    kadian_server::router(kadian_server::AppState::new(db))
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
}

#[tokio::test]
async fn the_api_answers_over_https_and_only_there() {
    let c = self_signed();
    let addr = free_addr();
    let handle = axum_server::Handle::new();
    let server = tokio::spawn({
        let (cert, key, handle, app) = (
            c.cert.clone(),
            c.key.clone(),
            handle.clone(),
            router().await,
        );
        async move { serve_tls(addr, &cert, &key, app, handle).await }
    });
    handle.listening().await.expect("listening");

    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(c.pem.as_bytes()).expect("pem"))
        .build()
        .expect("client");
    let r = client
        .get(format!("https://127.0.0.1:{}/api/v1/health", addr.port()))
        .send()
        .await
        .expect("https request");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("kadian-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );

    // Plain HTTP to the HTTPS port gets no API answer.
    let plain = reqwest::get(format!("http://127.0.0.1:{}/api/v1/health", addr.port())).await;
    assert!(plain.map(|r| r.status() != 200).unwrap_or(true));

    // A client that does not trust the certificate refuses it.
    let strict = reqwest::get(format!("https://127.0.0.1:{}/api/v1/health", addr.port())).await;
    assert!(strict.is_err());

    handle.graceful_shutdown(None);
    server.await.expect("join").expect("clean stop");
}

#[tokio::test]
async fn a_key_that_is_not_a_key_is_an_error_before_listening() {
    let c = self_signed();
    std::fs::write(&c.key, "not a key").expect("write");
    let err = serve_tls(
        free_addr(),
        &c.cert,
        &c.key,
        router().await,
        axum_server::Handle::new(),
    )
    .await
    .expect_err("bad key");
    assert!(!err.to_string().is_empty());
}
