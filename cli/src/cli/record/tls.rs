//! A throw-away test CA per recording and the server certificate it issues
//! for the Format 2 hosts (`app.test`, `api.app.test`, `api.other.test`).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// The CA (to be trusted by the browser profile) and the server's TLS setup.
pub struct TestCa {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The rustls configuration serving the leaf certificate.
    pub server: Arc<rustls::ServerConfig>,
}

/// The names the leaf certificate covers.
pub const NAMES: [&str; 3] = ["app.test", "api.app.test", "api.other.test"];

/// Makes a fresh CA and a leaf certificate for [`NAMES`].
pub fn make() -> Result<TestCa, String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot make the test CA: {e}");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err(&e))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "browser-cors throw-away test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(|e| err(&e))?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| err(&e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf =
        CertificateParams::new(NAMES.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .map_err(|e| err(&e))?;
    leaf.distinguished_name.push(DnType::CommonName, "app.test");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let leaf_key = KeyPair::generate().map_err(|e| err(&e))?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(|e| err(&e))?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![leaf_cert.der().clone(), ca_cert.der().clone()], key)
        .map_err(|e| err(&e))?;
    Ok(TestCa {
        ca_pem: ca_cert.pem(),
        server: Arc::new(server),
    })
}
