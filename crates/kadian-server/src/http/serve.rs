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

/// Connections open at once (each holds a file descriptor and a few KiB; the systemd unit of
/// `docs/operations.md` allows 65,536 descriptors). A connection beyond it is closed as soon as
/// it is accepted, before anything is read, and the server logs it once a minute at most: a
/// street's few hundred devices never come near it, a flood of idle connections cannot take
/// the descriptors the database needs.
pub const MAX_CONNECTIONS: usize = 4096;

/// Wraps each accepted connection (before TLS, if any) so that a read pending longer than
/// [`IDLE_TIMEOUT`] fails and the connection closes (tokio-io-timeout), and holds one of the
/// server's connection slots while it is open (at most `slots`, [`MAX_CONNECTIONS`] by
/// default).
#[derive(Debug, Clone)]
pub struct IdleTimeout<A> {
    inner: A,
    slots: std::sync::Arc<tokio::sync::Semaphore>,
}

impl<A> IdleTimeout<A> {
    /// `inner`, with at most `slots` connections open at once.
    pub fn new(inner: A, slots: usize) -> Self {
        IdleTimeout {
            inner,
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(slots)),
        }
    }
}

/// An accepted connection and its slot (given back when the connection is dropped).
pub struct Slotted<S> {
    stream: S,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Slotted<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Slotted<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// When the server last logged a refused connection (seconds since the Unix epoch).
static LAST_FULL_LOG: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl<A, I, S> axum_server::accept::Accept<I, S> for IdleTimeout<A>
where
    A: axum_server::accept::Accept<I, S> + Clone + Send + 'static,
    A::Future: Send + 'static,
    A::Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    type Stream = Slotted<std::pin::Pin<Box<tokio_io_timeout::TimeoutStream<A::Stream>>>>;
    type Service = A::Service;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = std::io::Result<(Self::Stream, A::Service)>> + Send>,
    >;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        // The slot before the handshake: a full server spends nothing on a new connection.
        let slot = self.slots.clone().try_acquire_owned();
        let accepted = self.inner.accept(stream, service);
        Box::pin(async move {
            let Ok(slot) = slot else {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                if now >= LAST_FULL_LOG.load(std::sync::atomic::Ordering::Relaxed) + 60 {
                    LAST_FULL_LOG.store(now, std::sync::atomic::Ordering::Relaxed);
                    tracing::warn!("connection refused: the server has its most connections open");
                }
                return Err(std::io::Error::other("connection limit reached"));
            };
            let (stream, service) = accepted.await?;
            let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
            stream.set_read_timeout(Some(IDLE_TIMEOUT));
            // A client that sends requests and never reads the answers is dropped too.
            stream.set_write_timeout(Some(IDLE_TIMEOUT));
            Ok((
                Slotted {
                    stream: Box::pin(stream),
                    _slot: slot,
                },
                service,
            ))
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
    serve_with_connections(listener, router, MAX_CONNECTIONS).await
}

/// [`serve`] with at most `connections` open at once (tests use a small number).
pub async fn serve_with_connections(
    listener: tokio::net::TcpListener,
    router: Router,
    connections: usize,
) -> std::io::Result<()> {
    let mut server = axum_server::from_tcp(listener.into_std()?).acceptor(IdleTimeout::new(
        axum_server::accept::DefaultAcceptor::new(),
        connections,
    ));
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
    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config).acceptor(IdleTimeout::new(
        axum_server::accept::DefaultAcceptor::new(),
        MAX_CONNECTIONS,
    ));
    let mut server = axum_server::bind(addr).acceptor(acceptor).handle(handle);
    configure(&mut server);
    server
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
}
