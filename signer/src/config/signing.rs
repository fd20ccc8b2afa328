//! `[signing]` and `[tsa]`: which keys sign, and where time-stamps come from.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::keys::pkcs11::Pkcs11Config;
use crate::keys::secret::SecretSource;

/// The name of the development seal, and the default key.
pub const SEAL: &str = "seal";

/// Where a key is. Written `{ kind = "software", ... }` or `{ kind = "pkcs11", ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum KeyConfig {
    /// An encrypted PKCS#8 PEM key file and its certificate chain (PEM, leaf first).
    Software {
        /// The key file (`-----BEGIN ENCRYPTED PRIVATE KEY-----`).
        key: PathBuf,
        /// The certificate chain file.
        chain: PathBuf,
        /// Where the passphrase comes from: `{ file = "..." }` or `{ env = "..." }`.
        passphrase: SecretSource,
    },
    /// A key on a token reached through its vendor's PKCS#11 module.
    Pkcs11(Pkcs11Config),
}

/// `[signing]`: `POST /v1/sign/cms` and `dalel sign cms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SigningConfig {
    /// Keys by name (`[signing.keys.NAME]`). Default: none, which means the embedded default
    /// — only `seal`, the development seal of `<data>/pki` ("NOT FOR EVIDENCE").
    pub keys: BTreeMap<String, KeyConfig>,
    /// The key used when a request names none. Default: `seal`.
    pub default_key: String,
    /// Largest `POST /v1/sign/cms` body, in bytes; larger requests get 413. Default: 64 MiB.
    pub max_body_bytes: usize,
    /// CRL files (DER or PEM) embedded at B-LT. With the development PKI, its root's CRL is
    /// always added.
    pub crls: Vec<PathBuf>,
    /// OCSP response files (DER) embedded at B-LT.
    pub ocsp_responses: Vec<PathBuf>,
    /// Fetch revocation data for B-LT over HTTP from the locations certificates name.
    /// Default: `false`.
    pub network: bool,
}

impl Default for SigningConfig {
    fn default() -> Self {
        Self {
            keys: BTreeMap::new(),
            default_key: SEAL.to_owned(),
            max_body_bytes: 64 << 20,
            crls: Vec::new(),
            ocsp_responses: Vec::new(),
            network: false,
        }
    }
}

/// `[tsa]`: the service's own RFC 3161 authority (`POST /v1/tsp`) and where signatures get
/// their time-stamps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TsaConfig {
    /// Run the local authority and serve `POST /v1/tsp`. Default: `true`.
    pub enabled: bool,
    /// The authority's key; its certificate needs a critical EKU of exactly
    /// id-kp-timeStamping. Default: the development TSA of `<data>/pki`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyConfig>,
    /// The TSA policy OID of every token. Default: `1.3.6.1.4.1.99999.1.1`, a development
    /// policy.
    pub policy: String,
    /// The accuracy stated in every token. Default: `1s`.
    #[serde(with = "humantime_serde")]
    pub accuracy: Duration,
    /// Upstream authorities (RFC 3161 over HTTP), asked in order before the local one, e.g.
    /// the National Certification Centre's. Default: none.
    pub upstream: Vec<String>,
    /// Trust anchors for upstream authorities' certificates (PEM or DER files). Every
    /// upstream token is validated against them before use.
    pub upstream_trust: Vec<PathBuf>,
    /// The limit on one request to an upstream authority. Default: `10s`.
    #[serde(with = "humantime_serde")]
    pub upstream_timeout: Duration,
    /// How many times a failed upstream request is repeated. Default: 1.
    pub upstream_retries: u32,
    /// When every upstream authority fails, time-stamp with the local authority. Default:
    /// `true`.
    pub fallback_local: bool,
}

impl Default for TsaConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            key: None,
            policy: "1.3.6.1.4.1.99999.1.1".to_owned(),
            accuracy: Duration::from_secs(1),
            upstream: Vec::new(),
            upstream_trust: Vec::new(),
            upstream_timeout: Duration::from_secs(10),
            upstream_retries: 1,
            fallback_local: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    #[test]
    fn keys_of_both_kinds_are_read_and_shown_again() {
        let text = r#"
            [signing]
            default_key = "official"
            [signing.keys.seal]
            kind = "software"
            key = "/etc/dalel/seal.key"
            chain = "/etc/dalel/seal.pem"
            passphrase = { file = "/etc/dalel/seal.pass" }
            [signing.keys.official]
            kind = "pkcs11"
            module = "/usr/lib/softhsm/libsofthsm2.so"
            token_label = "dalel"
            key_id = "a1:02"
            pin = { env = "DALEL_PIN" }
            [tsa]
            upstream = ["http://tsp.example/tsp"]
            accuracy = "500ms"
        "#;
        let config = Config::parse(text).unwrap();
        let Some(KeyConfig::Pkcs11(pkcs11)) = config.signing.keys.get("official") else {
            panic!("{config:?}");
        };
        assert_eq!(pkcs11.key_id, Some(vec![0xa1, 0x02]));
        assert_eq!(config.tsa.accuracy, Duration::from_millis(500));
        assert_eq!(Config::parse(&config.to_toml()).unwrap(), config);
    }

    #[test]
    fn a_secret_inline_or_an_unknown_kind_is_refused() {
        for bad in [
            "[signing.keys.seal]\nkind = \"software\"\nkey = \"k\"\nchain = \"c\"\npassphrase = \"hunter2\"\n",
            "[signing.keys.seal]\nkind = \"smartcard\"\n",
            "[tsa]\npolicy = \"not an oid\"\n",
            "[tsa.key]\nkind = \"pkcs11\"\nmodule = \"m\"\nkey_label = \"k\"\npin = 2718281\n",
        ] {
            let error = Config::parse(bad).unwrap_err().to_string();
            assert!(
                !error.contains("hunter2") && !error.contains("2718281"),
                "{error}"
            );
        }
    }
}
