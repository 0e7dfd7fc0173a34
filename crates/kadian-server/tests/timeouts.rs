//! A request that never finishes cannot hold the server: its connection is closed after
//! `HEADER_READ_TIMEOUT`, while a real request on another connection is answered meanwhile.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_headers_never_end_is_closed_and_others_are_answered() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("kadian.db").display());
    let db = kadian_server::connect(&url).await.expect("db");
    let app = kadian_server::router(kadian_server::AppState::new(db));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(kadian_server::serve(listener, app));

    // Slow clients: half a request line each, then silence.
    let mut stuck = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("write");
        stuck.push(s);
    }
    // A real request is answered while they hang.
    let health = reqwest::get(format!("http://{addr}/api/v1/health"))
        .await
        .expect("health");
    assert!(health.status().is_success());
    // Each stuck connection is closed by the server once the header-read timeout has passed.
    let limit = kadian_server::http::HEADER_READ_TIMEOUT + Duration::from_secs(10);
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(limit, stuck[0].read_to_end(&mut buf)).await;
    assert!(
        closed.is_ok(),
        "the server kept a connection whose headers never ended"
    );
}
