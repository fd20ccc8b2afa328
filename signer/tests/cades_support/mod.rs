//! Shared fixtures of the CAdES tests: a PKI made by the OpenSSL command line (root →
//! intermediate → signers, a TSA under the root, CRLs from `openssl ca -gencrl`, an OCSP
//! response from `openssl ocsp`), a development time-stamp authority over its TSA key, and
//! the two verifiers (OpenSSL's and ours).
//!
//! The PKI is made once per test binary into a temporary directory, read into memory, and
//! the directory removed; each test writes what it needs into its own temporary directory.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use archive::timestamp::{
    CERTIFICATE_FILE, KEY_FILE, LocalAuthority, SERIAL_FILE, TimestampSource,
};
use der::DecodePem as _;
use signer::keys::software::SoftwareKey;
use signer::tsa::{Timestamper, TsaError, UpstreamError};
use verifier::path::TrustAnchor;
use verifier::report::Indication;
use verifier::revocation::{RevocationOptions, RevocationSources, SourceOrigin};
use verifier::validation::{ValidationPolicy, ValidationReport, validate_cms};
use x509_cert::Certificate;

/// Extensions of each kind of certificate (`openssl x509 -extfile ... -extensions NAME`).
const EXTENSIONS: &str = "\
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// Runs `openssl` in `dir`, panicking with its output if it fails.
pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command line is installed");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Every file of the PKI, by name.
pub struct Pki {
    files: HashMap<String, Vec<u8>>,
}

/// The PKI of this test binary, made on first use.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate(None))
}

/// [`EXTENSIONS`], with CRL distribution points under `crl_base` when given: the root's CRL
/// for what the root issues, the intermediate's for what it issues.
fn extensions(crl_base: Option<&str>) -> String {
    let Some(base) = crl_base else {
        return EXTENSIONS.to_owned();
    };
    let mut out = String::new();
    for line in EXTENSIONS.lines() {
        out.push_str(line);
        out.push('\n');
        let issuer = match line {
            "[inter]" | "[tsa]" => "root",
            "[leaf]" => "inter",
            _ => continue,
        };
        out.push_str(&format!(
            "crlDistributionPoints = URI:{base}/{issuer}.crl\n"
        ));
    }
    out
}

impl Pki {
    /// Makes a PKI; with `crl_base` (`http://host:port`) its certificates name where their
    /// CRLs are.
    pub fn generate(crl_base: Option<&str>) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("ext.cnf"), extensions(crl_base)).unwrap();
        // name, subject, key type, issuer ("self" for the root), extensions, serial
        let certificates = [
            ("root", "/CN=Dalel Test Root", "ec", "self", "root", "1"),
            (
                "inter",
                "/CN=Dalel Test Intermediate",
                "rsa",
                "root",
                "inter",
                "2",
            ),
            ("ec", "/CN=EC Signer", "ec", "inter", "leaf", "3"),
            ("rsa", "/CN=RSA Signer", "rsa", "inter", "leaf", "4"),
            ("tsa", "/CN=Dalel Test TSA", "ec", "root", "tsa", "5"),
            ("revoked", "/CN=Revoked Signer", "ec", "inter", "leaf", "6"),
            ("other", "/CN=OpenSSL Signer", "ec", "inter", "leaf", "7"),
        ];
        for (name, subject, kind, issuer, ext, serial) in certificates {
            let key = format!("{name}.key");
            let keygen: &[&str] = if kind == "ec" {
                &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
            } else {
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            };
            openssl(dir, &[&["genpkey"], keygen, &["-out", &key]].concat());
            let csr = format!("{name}.csr");
            openssl(
                dir,
                &["req", "-new", "-key", &key, "-subj", subject, "-out", &csr],
            );
            let pem = format!("{name}.pem");
            let mut x509 = vec![
                "x509",
                "-req",
                "-in",
                &csr,
                "-days",
                "30",
                "-set_serial",
                serial,
            ];
            x509.extend(["-extfile", "ext.cnf", "-extensions", ext, "-out", &pem]);
            let (ca_cert, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
            if issuer == "self" {
                x509.extend(["-signkey", &key]);
            } else {
                x509.extend(["-CA", &ca_cert, "-CAkey", &ca_key]);
            }
            openssl(dir, &x509);
            let p8 = format!("{name}.p8");
            openssl(
                dir,
                &[
                    "pkcs8", "-topk8", "-nocrypt", "-in", &key, "-outform", "DER", "-out", &p8,
                ],
            );
        }
        for ca in ["root", "inter"] {
            let db = dir.join(format!("{ca}.db"));
            std::fs::create_dir(&db).unwrap();
            std::fs::write(db.join("index.txt"), "").unwrap();
            std::fs::write(db.join("crlnumber"), "01\n").unwrap();
            let config = format!(
                "[ca]\ndefault_ca = d\n[d]\ndatabase = {db}/index.txt\ncrlnumber = {db}/crlnumber\n\
                 default_md = sha256\ndefault_crl_days = 7\n",
                db = db.display()
            );
            std::fs::write(db.join("ca.cnf"), config).unwrap();
        }
        let ca = |ca: &str, args: &[&str]| {
            let (config, key, cert) = (
                format!("{ca}.db/ca.cnf"),
                format!("{ca}.key"),
                format!("{ca}.pem"),
            );
            let base = [
                "ca", "-batch", "-config", &config, "-keyfile", &key, "-cert", &cert,
            ];
            openssl(dir, &[&base[..], args].concat());
        };
        ca("inter", &["-revoke", "revoked.pem"]);
        // `openssl x509 -req` keeps no database: record the EC signer as valid for OCSP.
        let mut index = std::fs::read_to_string(dir.join("inter.db/index.txt")).unwrap();
        index.push_str("V\t491231235959Z\t\t03\tunknown\t/CN=EC Signer\n");
        std::fs::write(dir.join("inter.db/index.txt"), index).unwrap();
        for name in ["root", "inter"] {
            let pem = format!("{name}.crl.pem");
            ca(name, &["-gencrl", "-out", &pem]);
            let der = format!("{name}.crl");
            openssl(dir, &["crl", "-in", &pem, "-outform", "DER", "-out", &der]);
        }
        openssl(
            dir,
            &[
                "ocsp",
                "-issuer",
                "inter.pem",
                "-cert",
                "ec.pem",
                "-no_nonce",
                "-reqout",
                "ec.ocspreq",
            ],
        );
        openssl(
            dir,
            &[
                "ocsp",
                "-index",
                "inter.db/index.txt",
                "-rsigner",
                "inter.pem",
                "-rkey",
                "inter.key",
                "-CA",
                "inter.pem",
                "-reqin",
                "ec.ocspreq",
                "-respout",
                "ec.ocsp",
                "-ndays",
                "1",
            ],
        );
        let mut files = HashMap::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                files.insert(name, std::fs::read(entry.path()).unwrap());
            }
        }
        Self { files }
    }

    /// The bytes of a generated file.
    pub fn file(&self, name: &str) -> &[u8] {
        self.files
            .get(name)
            .unwrap_or_else(|| panic!("no PKI file {name}"))
    }

    /// A certificate, by name (`root`, `inter`, `ec`, `rsa`, `tsa`, `revoked`, `other`).
    pub fn cert(&self, name: &str) -> Certificate {
        Certificate::from_pem(self.file(&format!("{name}.pem"))).unwrap()
    }

    /// A signer's key with its full chain (signer, intermediate, root).
    pub fn key(&self, name: &str) -> SoftwareKey {
        let chain = vec![self.cert(name), self.cert("inter"), self.cert("root")];
        SoftwareKey::from_pkcs8_der(name, self.file(&format!("{name}.p8")), chain).unwrap()
    }

    /// Writes the named files into `dir`.
    pub fn write(&self, dir: &Path, names: &[&str]) {
        for name in names {
            std::fs::write(dir.join(name), self.file(name)).unwrap();
        }
    }
}

/// A [`Timestamper`] over the archive's development authority, run with the PKI's TSA key
/// and certificate (issued by the root), in a directory of its own.
pub struct TestTsa {
    authority: LocalAuthority,
    _dir: tempfile::TempDir,
}

impl TestTsa {
    pub fn new(pki: &Pki) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), pki.file("tsa.key")).unwrap();
        std::fs::write(dir.path().join(CERTIFICATE_FILE), pki.file("tsa.pem")).unwrap();
        std::fs::write(dir.path().join(SERIAL_FILE), "0\n").unwrap();
        let authority = LocalAuthority::open(dir.path()).unwrap();
        Self {
            authority,
            _dir: dir,
        }
    }

    pub fn shared() -> Arc<dyn Timestamper> {
        Arc::new(Self::new(pki()))
    }
}

impl Timestamper for TestTsa {
    fn timestamp(&self, sha256_digest: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        TimestampSource::timestamp(&self.authority, sha256_digest).map_err(|e| TsaError::Upstream {
            url: "development authority".into(),
            error: UpstreamError::Rejected(e.to_string()),
        })
    }
}

/// A time-stamper that always fails.
pub struct BrokenTsa;

impl Timestamper for BrokenTsa {
    fn timestamp(&self, _: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        Err(TsaError::Upstream {
            url: "http://tsa.invalid/".into(),
            error: UpstreamError::HttpStatus(503),
        })
    }
}

/// `openssl cms -verify` of a DER signature, against the root, with `content` when
/// detached. `Err` holds OpenSSL's complaint.
pub fn openssl_verify(signature: &[u8], content: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    pki().write(dir, &["root.pem"]);
    std::fs::write(dir.join("sig.p7s"), signature).unwrap();
    let mut args = vec![
        "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.p7s",
    ];
    if let Some(content) = content {
        std::fs::write(dir.join("data"), content).unwrap();
        args.extend(["-content", "data"]);
    }
    args.extend(["-CAfile", "root.pem", "-purpose", "any", "-out", "out"]);
    let out = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    // The content OpenSSL verified (for an attached signature, the one it extracted).
    Ok(std::fs::read(dir.join("out")).unwrap())
}

/// How our verifier checks revocation.
#[derive(Clone, Copy, Debug)]
pub enum Revocation {
    /// Not at all.
    Off,
    /// With the PKI's CRLs supplied.
    SuppliedCrls,
    /// With only what the signature embeds.
    EmbeddedOnly,
}

/// Our verifier's policy: `pki`'s root as the only anchor.
pub fn policy(pki: &Pki, revocation: Revocation) -> ValidationPolicy {
    let mut policy = ValidationPolicy::default();
    let root = der::Encode::to_der(&pki.cert("root")).unwrap();
    policy.anchors.push(TrustAnchor::from_der(&root).unwrap());
    match revocation {
        Revocation::Off => {}
        Revocation::SuppliedCrls => {
            let mut sources = RevocationSources::new();
            for crl in ["root.crl", "inter.crl"] {
                sources.add_crls(pki.file(crl), SourceOrigin::Supplied);
            }
            policy.revocation_sources = sources;
            policy.revocation = Some(RevocationOptions::default());
        }
        Revocation::EmbeddedOnly => policy.revocation = Some(RevocationOptions::default()),
    }
    policy
}

/// Validates with our verifier and returns the report.
pub fn validate(
    signature: &[u8],
    content: Option<&[u8]>,
    revocation: Revocation,
) -> ValidationReport {
    validate_cms(signature, content, &policy(pki(), revocation)).unwrap()
}

/// Asserts our verifier's TOTAL-PASSED, printing the report otherwise.
pub fn assert_passes(report: &ValidationReport) {
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        serde_json::to_string_pretty(report).unwrap()
    );
}

/// The current time as a signing time.
pub fn now() -> der::DateTime {
    der::DateTime::from_system_time(std::time::SystemTime::now()).unwrap()
}
