//! A request that never finishes cannot hold the server: its connection is closed after
//! `HEADER_READ_TIMEOUT`, while a real request on another connection is answered meanwhile.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server over a new SQLite database on a free loopback port, with at most `connections`
/// open: its address, and the folder to keep while it serves.
async fn server(connections: usize) -> (std::net::SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("kadian.db").display());
    let db = kadian_server::connect(&url).await.expect("db");
    let app = kadian_server::router(kadian_server::AppState::new(db));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(kadian_server::http::serve_with_connections(
        listener,
        app,
        connections,
    ));
    (addr, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_headers_never_end_is_closed_and_others_are_answered() {
    let (addr, _dir) = server(kadian_server::http::MAX_CONNECTIONS).await;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_are_closed_at_once_and_served_again_when_one_ends() {
    let (addr, _dir) = server(3).await;

    // Three connections hold the three slots, each in the middle of its headers.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /api/v1/health HTTP/1.1\r\n")
            .await
            .expect("write");
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A fourth is closed without an answer, at once (not after a timeout).
    let mut extra = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = extra
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), extra.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the fourth connection was kept open");
    assert!(
        answer.is_empty(),
        "the fourth connection was served: {}",
        String::from_utf8_lossy(&answer)
    );
    // One ends: the next request is served.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = reqwest::get(format!("http://{addr}/api/v1/health"))
        .await
        .expect("health");
    assert!(health.status().is_success());
}
