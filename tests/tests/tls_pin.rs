//! A street server with its own certificate (the office's CA, or self-signed): the enrolment
//! QR carries the certificate's SHA-256 fingerprint and the device trusts exactly that
//! certificate; without it, or with another one, the device says "certificate not trusted"
//! (not "offline"); a plain `http://` address for another host is refused before anything is
//! sent.

use std::net::SocketAddr;
use std::time::Duration;

use kadian_device::sync::{enrol, sync_round};
use kadian_device::{SyncClient, SyncError};
use kadian_domain::sync::Role;
use kadian_tests::harness::{TestDevice, TestServer};
use sha2::Digest;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_trusts_exactly_the_certificate_pinned_at_enrolment() {
    let s = TestServer::start("sqlite").await;
    // The same street served over HTTPS with a self-signed certificate.
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("certificate");
    let dir = tempfile::tempdir().expect("tmp");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).expect("cert");
    std::fs::write(&key, ck.key_pair.serialize_pem()).expect("key");
    let addr: SocketAddr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port");
    let handle = axum_server::Handle::new();
    let app = kadian_server::router(kadian_server::AppState::new(s.db.clone()));
    tokio::spawn({
        let (cert, key, handle) = (cert.clone(), key.clone(), handle.clone());
        async move { kadian_server::http::serve_tls(addr, &cert, &key, app, handle).await }
    });
    handle.listening().await.expect("listening");
    let url = format!("https://{addr}");
    // What `kadian-server enrol-code --tls-cert` puts in the QR code.
    let fingerprint = kadian_server::admin::cert_fingerprint(&cert).expect("fingerprint");
    // The key's fingerprint (SubjectPublicKeyInfo): a renewal with the same key keeps it.
    assert_eq!(
        fingerprint,
        hex::encode(sha2::Sha256::digest(ck.key_pair.public_key_der()))
    );

    let d = TestDevice::new();
    let code = s.code(Role::Volunteer, &s.checkpoint_a).await;
    // No pin: a certificate of no public CA is not trusted, and it is said so.
    let e = enrol(&d.core, &url, &code, "东门平板", None)
        .await
        .expect_err("not trusted");
    assert!(matches!(e, SyncError::Untrusted(_)), "{e:?}");
    assert_eq!(e.name(), "certificate_untrusted");
    // Another certificate's fingerprint: not trusted either.
    let e = enrol(&d.core, &url, &code, "东门平板", Some(&"00".repeat(32)))
        .await
        .expect_err("wrong pin");
    assert!(matches!(e, SyncError::Untrusted(_)), "{e:?}");
    // Plain http to another host: refused before anything is sent.
    let e = enrol(&d.core, "http://192.168.1.10:8470", &code, "东门平板", None)
        .await
        .expect_err("plain http");
    assert!(matches!(e, SyncError::Insecure(_)), "{e:?}");
    // The right fingerprint (written with colons, as some tools do): enrolled (the code was not
    // used by the refused attempts), pinned, and it syncs.
    let colons = fingerprint
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).expect("hex"))
        .collect::<Vec<_>>()
        .join(":");
    let enrolment = enrol(&d.core, &url, &code, "东门平板", Some(&colons))
        .await
        .expect("enrolled with the pin");
    assert_eq!(enrolment.cert_sha256.as_deref(), Some(fingerprint.as_str()));
    let stored = d
        .core
        .store()
        .enrolment()
        .expect("read")
        .expect("enrolment");
    assert_eq!(stored.cert_sha256, enrolment.cert_sha256);
    let client = SyncClient::for_enrolment(&stored, Duration::from_secs(10)).expect("client");
    sync_round(&d.core, &client).await.expect("a pinned sync");
}
