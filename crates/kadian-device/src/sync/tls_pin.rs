//! Certificate pinning: a street server with its own certificate (the office's CA, or
//! self-signed) is trusted by the SHA-256 fingerprint of its certificate's public key (the
//! SubjectPublicKeyInfo, as HPKP and `openssl x509 -pubkey | openssl pkey -pubin -outform der |
//! sha256sum` compute it), which the enrolment QR carries (`fp=` in the link). A renewal that
//! keeps the key (certbot `--reuse-key`) keeps the pin. With a pin, the server's leaf certificate
//! must carry exactly that key and its handshake signature must verify; the CA, the host name
//! and the expiry are not consulted. Without a pin, the usual public CAs (webpki roots) are.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

/// A fingerprint as people and QR codes write it (64 hex digits, with or without `:` between
/// the bytes, any case), as 32 bytes; `None` when it is not one.
pub fn parse_fingerprint(text: &str) -> Option<[u8; 32]> {
    let hexits: String = text
        .trim()
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    let bytes = hex::decode(hexits).ok()?;
    bytes.try_into().ok()
}

/// The SHA-256 of a DER certificate's SubjectPublicKeyInfo; `None` when it is not a certificate.
pub fn spki_sha256(der: &CertificateDer<'_>) -> Option<[u8; 32]> {
    let cert = webpki::EndEntityCert::try_from(der).ok()?;
    Some(Sha256::digest(cert.subject_public_key_info().as_ref()).into())
}

/// The server's key is not the pinned one (its fingerprint, hex).
#[derive(Debug)]
struct NotPinned(String);

impl std::fmt::Display for NotPinned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the server's key {} is not the one this device was enrolled with",
            self.0
        )
    }
}

impl std::error::Error for NotPinned {}

#[derive(Debug)]
struct Pinned {
    sha256: [u8; 32],
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match spki_sha256(end_entity) {
            Some(got) if got == self.sha256 => Ok(ServerCertVerified::assertion()),
            Some(got) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(std::sync::Arc::new(
                    NotPinned(hex::encode(got)),
                ))),
            )),
            None => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::BadEncoding,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS client configuration that trusts exactly the certificate with this fingerprint.
pub(crate) fn pinned_config(sha256: [u8; 32]) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned { sha256, provider }))
            .with_no_client_auth(),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_fingerprint;

    #[test]
    fn fingerprints_are_read_with_or_without_colons() {
        let plain = "ab".repeat(32);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(parse_fingerprint(&plain), Some([0xab; 32]));
        assert_eq!(parse_fingerprint(&colons), Some([0xab; 32]));
        assert_eq!(parse_fingerprint("abcd"), None);
        assert_eq!(parse_fingerprint(&"zz".repeat(32)), None);
    }
}
