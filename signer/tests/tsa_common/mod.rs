//! Fixtures of the time-stamp tests: a test root and TSA certificates made with the OpenSSL
//! CLI in a temporary directory, an injectable clock, and helpers to read responses.
//!
//! Each test makes its own PKI, so tests run in parallel.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use der::{Decode as _, Encode as _};
use signer::keys::software::SoftwareKey;
use signer::keys::{SignatureKey, read_certificate_chain};
use signer::tsa::Clock;
use verifier::cms::syntax::SignedDataSyntax;
use verifier::path::TrustAnchor;
use verifier::tsp::{PkiFailureInfo, PkiStatus, TimeStampResp, TstInfo};
use verifier::validation::ValidationPolicy;

/// The test policies.
pub const POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.1");
pub const OTHER_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.2");

/// Runs `openssl args…` in `dir`, panicking with its stderr when it fails.
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is installed");
    assert!(
        output.status.success(),
        "openssl {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The TSA key's type.
#[derive(Clone, Copy, Debug)]
pub enum KeyType {
    P256,
    Rsa2048,
}

/// A root and one TSA certificate under it, in a temporary directory.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

/// The TSA certificate's extensions that matter to the authority.
pub const GOOD_EXTENSIONS: &str = "extendedKeyUsage = critical,timeStamping\n\
                                   keyUsage = critical,digitalSignature\n";

impl Pki {
    /// A P-256 root, and a TSA key of `key` certified with `extensions` (plus basic
    /// constraints and key identifiers).
    pub fn new(key: KeyType, extensions: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "root.key",
                "-out",
                "root.pem",
                "-subj",
                "/CN=Dalel Test Root",
                "-days",
                "30",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        let keygen: &[&str] = match key {
            KeyType::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyType::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        };
        let mut args = vec!["genpkey"];
        args.extend_from_slice(keygen);
        args.extend_from_slice(&["-out", "tsa.key"]);
        openssl(d, &args);
        openssl(
            d,
            &[
                "pkcs8", "-topk8", "-nocrypt", "-in", "tsa.key", "-outform", "DER", "-out",
                "tsa.p8",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                "tsa.key",
                "-subj",
                "/CN=Dalel Test TSA",
                "-out",
                "tsa.csr",
            ],
        );
        fs::write(
            d.join("ext.cnf"),
            format!(
                "basicConstraints = critical,CA:FALSE\nsubjectKeyIdentifier = hash\n\
                 authorityKeyIdentifier = keyid\n{extensions}"
            ),
        )
        .unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-set_serial",
                "4242",
                "-days",
                "30",
                "-extfile",
                "ext.cnf",
                "-out",
                "tsa.pem",
            ],
        );
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The TSA key with its chain (TSA, root).
    pub fn key(&self) -> Arc<dyn SignatureKey> {
        let mut chain = read_certificate_chain(&self.path("tsa.pem")).unwrap();
        chain.extend(read_certificate_chain(&self.path("root.pem")).unwrap());
        let der = fs::read(self.path("tsa.p8")).unwrap();
        Arc::new(SoftwareKey::from_pkcs8_der("test-tsa", &der, chain).unwrap())
    }

    /// A validation policy trusting this PKI's root.
    pub fn trust(&self) -> ValidationPolicy {
        let root = read_certificate_chain(&self.path("root.pem")).unwrap();
        let anchor = TrustAnchor::from_der(&root[0].to_der().unwrap()).unwrap();
        ValidationPolicy {
            anchors: vec![anchor],
            ..ValidationPolicy::default()
        }
    }
}

/// A clock the test sets.
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    pub fn new(time: SystemTime) -> Arc<Self> {
        Arc::new(Self(Mutex::new(time)))
    }

    pub fn set(&self, time: SystemTime) {
        *self.0.lock().unwrap() = time;
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }

    pub fn get(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// A DER `TimeStampResp`, decoded, with the `TSTInfo` of its token if granted.
pub struct Reply {
    pub response: TimeStampResp,
    pub info: Option<TstInfo>,
    pub signed_data: Option<SignedDataSyntax>,
}

impl Reply {
    pub fn parse(der: &[u8]) -> Self {
        let response = TimeStampResp::parse(der).unwrap();
        let (info, signed_data) = match &response.time_stamp_token {
            Some(token) => {
                let (info, signed_data) = token_parts(&token.to_der().unwrap());
                (Some(info), Some(signed_data))
            }
            None => (None, None),
        };
        Self {
            response,
            info,
            signed_data,
        }
    }

    pub fn status(&self) -> PkiStatus {
        self.response.status.status
    }

    pub fn fail_info(&self) -> Option<PkiFailureInfo> {
        self.response.status.fail_info
    }

    pub fn text(&self) -> String {
        self.response
            .status
            .status_string
            .as_ref()
            .map(|t| t.texts().join(" "))
            .unwrap_or_default()
    }

    pub fn info(&self) -> &TstInfo {
        self.info.as_ref().expect("a granted response")
    }
}

/// The `TSTInfo` and `SignedData` of a DER token.
pub fn token_parts(token: &[u8]) -> (TstInfo, SignedDataSyntax) {
    let info = cms::content_info::ContentInfo::from_der(token).unwrap();
    let signed_data: SignedDataSyntax = info.content.decode_as().unwrap();
    let econtent = signed_data
        .encap_content_info
        .econtent
        .as_ref()
        .unwrap()
        .decode_as::<der::asn1::OctetString>()
        .unwrap();
    (TstInfo::parse(econtent.as_bytes()).unwrap(), signed_data)
}
