//! Serving the router: plain HTTP on a bound listener (loopback, or behind a reverse proxy) or
//! HTTPS with the street's certificate; header-read, request and idle timeouts, HTTP/1.x only.

use std::net::SocketAddr;
use std::time::Duration;

use super::Failure;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;

/// A client has this long to send a request's headers (on a new connection, and on a kept-alive
/// one between requests): a connection that never finishes its request is closed, so a few
/// hundred of them cannot hold every slot.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest a request may take from its headers to the end of the answer (a 4 MiB push over a
/// slow mobile link included); then it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A connection on which nothing is read for this long while the server waits to read (before
/// its first request, between requests, or in the middle of one) is closed: no connection is
/// held for ever by a client that sends nothing.
pub const IDLE_TIMEOUT: Duration = REQUEST_TIMEOUT;

/// Wraps each accepted connection (before TLS, if any) so that a read pending longer than
/// [`IDLE_TIMEOUT`] fails and the connection closes (tokio-io-timeout).
#[derive(Debug, Clone, Copy, Default)]
pub struct IdleTimeout<A>(pub A);

impl<A, I, S> axum_server::accept::Accept<I, S> for IdleTimeout<A>
where
    A: axum_server::accept::Accept<I, S> + Clone + Send + 'static,
    A::Future: Send + 'static,
    A::Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    type Stream = std::pin::Pin<Box<tokio_io_timeout::TimeoutStream<A::Stream>>>;
    type Service = A::Service;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = std::io::Result<(Self::Stream, A::Service)>> + Send>,
    >;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let accepted = self.0.accept(stream, service);
        Box::pin(async move {
            let (stream, service) = accepted.await?;
            let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
            stream.set_read_timeout(Some(IDLE_TIMEOUT));
            // A client that sends requests and never reads the answers is dropped too.
            stream.set_write_timeout(Some(IDLE_TIMEOUT));
            Ok((Box::pin(stream), service))
        })
    }
}

/// The HTTP settings of both listeners (plain and TLS): HTTP/1 only (devices speak it; HTTP/2
/// would bypass the header-read timeout), with [`HEADER_READ_TIMEOUT`].
fn configure<A>(server: &mut axum_server::Server<A>) {
    let builder = server.http_builder();
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    // axum-server detects the version itself, so an HTTP/2 preface is still served: one stream
    // at a time, small headers, and every HTTP/2 request answered 505 before any body is read
    // (`only_http1`).
    builder
        .http2()
        .timer(hyper_util::rt::TokioTimer::new())
        .max_concurrent_streams(1)
        .max_header_list_size(16 * 1024)
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(10));
}

/// Answers any request but HTTP/1.x with 505, before its body is read: devices speak HTTP/1.1,
/// and HTTP/2 would escape the header-read timeout.
pub(super) async fn only_http1(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if matches!(
        req.version(),
        axum::http::Version::HTTP_10 | axum::http::Version::HTTP_11
    ) {
        next.run(req).await
    } else {
        Failure::new(
            StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            "http_version",
            "请使用 HTTP/1.1 / use HTTP/1.1",
        )
        .into_response()
    }
}

/// Serves the router on a bound listener until the future ends (with peer addresses, which the
/// enrolment rate limit needs), with [`HEADER_READ_TIMEOUT`] and [`IDLE_TIMEOUT`].
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    let mut server = axum_server::from_tcp(listener.into_std()?)
        .acceptor(IdleTimeout(axum_server::accept::DefaultAcceptor::new()));
    configure(&mut server);
    server
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
}

/// Serves `router` over HTTPS on `addr` with the PEM certificate chain and private key (rustls,
/// TLS 1.2 and 1.3, ring). Returns when `handle` is told to shut down. Errors: unreadable or
/// mismatched PEM files (before anything listens), or the address in use.
pub async fn serve_tls(
    addr: SocketAddr,
    cert: &std::path::Path,
    key: &std::path::Path,
    router: Router,
    handle: axum_server::Handle,
) -> std::io::Result<()> {
    // One process-wide crypto provider; a second install (tests) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    // HTTP/1.1 only (see `configure`): offer no `h2` in ALPN.
    let mut tls = (*config.get_inner()).clone();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.reload_from_config(std::sync::Arc::new(tls));
    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
        .acceptor(IdleTimeout(axum_server::accept::DefaultAcceptor::new()));
    let mut server = axum_server::bind(addr).acceptor(acceptor).handle(handle);
    configure(&mut server);
    server
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
}
