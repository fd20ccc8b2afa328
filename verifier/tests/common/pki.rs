//! A test PKI made with the `openssl` command line in a temporary directory: self-signed
//! roots, intermediates and leaves, ECDSA P-256 or RSA-2048, with whatever validity period
//! and extensions a test needs.
//!
//! Every certificate is issued by `openssl ca`, which (unlike `openssl x509` in OpenSSL 3.0)
//! takes explicit `-startdate`/`-enddate`, so expired and not-yet-valid certificates are as
//! easy as valid ones. Extensions are written to an `-extfile` section, one `openssl
//! x509v3_config` line each, so a test states exactly what each certificate carries:
//!
//! ```text
//! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out cNNN.key
//! openssl req -new -config ca.cnf -key cNNN.key -subj SUBJECT -utf8 -out cNNN.csr
//! openssl ca -batch -config ca.cnf -in cNNN.csr -out cNNN.pem -notext -md sha256 -utf8 \
//!     -startdate YYMMDDHHMMSSZ -enddate YYMMDDHHMMSSZ -extfile cNNN.ext -extensions ext \
//!     (-selfsign -keyfile cNNN.key | -cert ISSUER.pem -keyfile ISSUER.key)
//! ```
//!
//! `ca.cnf` keeps the subject exactly as requested (`preserve = yes`, every attribute
//! optional) and allows repeated subjects (`unique_subject = no`), so an impostor CA with the
//! same name as a real one is one call away.

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The default start of validity periods.
pub(crate) const NOT_BEFORE: &str = "2020-01-01T00:00:00Z";
/// The default end of validity periods.
pub(crate) const NOT_AFTER: &str = "2040-01-01T00:00:00Z";
/// A validation time inside the default validity period.
pub(crate) const NOW: &str = "2025-06-01T00:00:00Z";

/// The key pair of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyAlg {
    /// ECDSA on P-256, signing with SHA-256.
    P256,
    /// RSA-2048, signing with PKCS #1 v1.5 and SHA-256.
    Rsa2048,
}

/// A certificate the PKI issued, with its key.
#[derive(Clone, Debug)]
pub(crate) struct Issued {
    /// The subject as given to `openssl req -subj`, e.g. `/C=KZ/O=Dalel tests/CN=Root`.
    pub(crate) subject: String,
    /// The PEM file.
    pub(crate) pem: PathBuf,
    /// The DER encoding.
    pub(crate) der: Vec<u8>,
    /// The private key (PEM, unencrypted).
    pub(crate) key: PathBuf,
}

/// What to put in a certificate.
#[derive(Clone, Debug)]
pub(crate) struct CertSpec {
    subject: String,
    alg: KeyAlg,
    key: Option<PathBuf>,
    not_before: String,
    not_after: String,
    extensions: Vec<String>,
    sections: Vec<String>,
}

impl CertSpec {
    /// A certificate with `subject` and no extensions (a version 1 certificate).
    pub(crate) fn bare(subject: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            alg: KeyAlg::P256,
            key: None,
            not_before: NOT_BEFORE.to_owned(),
            not_after: NOT_AFTER.to_owned(),
            extensions: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// A CA certificate: critical basicConstraints cA, critical keyUsage keyCertSign and
    /// cRLSign, key identifiers.
    pub(crate) fn ca(subject: &str) -> Self {
        Self::bare(subject)
            .ext("basicConstraints = critical,CA:TRUE")
            .ext("keyUsage = critical,keyCertSign,cRLSign")
            .ext("subjectKeyIdentifier = hash")
            .ext("authorityKeyIdentifier = keyid")
    }

    /// A document-signing end-entity certificate: basicConstraints cA false, critical
    /// keyUsage digitalSignature and nonRepudiation, extendedKeyUsage emailProtection (as
    /// NCA signing certificates), key identifiers.
    pub(crate) fn leaf(subject: &str) -> Self {
        Self::bare(subject)
            .ext("basicConstraints = critical,CA:FALSE")
            .ext("keyUsage = critical,digitalSignature,nonRepudiation")
            .ext("extendedKeyUsage = emailProtection")
            .ext("subjectKeyIdentifier = hash")
            .ext("authorityKeyIdentifier = keyid")
    }

    /// Uses a key of `alg` (P-256 by default).
    pub(crate) fn alg(mut self, alg: KeyAlg) -> Self {
        self.alg = alg;
        self
    }

    /// Reuses the key of `other` instead of generating one.
    pub(crate) fn key_of(mut self, other: &Issued) -> Self {
        self.key = Some(other.key.clone());
        self
    }

    /// Sets the validity period, as `YYYY-MM-DDTHH:MM:SSZ`.
    pub(crate) fn validity(mut self, not_before: &str, not_after: &str) -> Self {
        not_before.clone_into(&mut self.not_before);
        not_after.clone_into(&mut self.not_after);
        self
    }

    /// Adds an extension line (`name = value`), replacing an earlier line for the same
    /// extension name.
    pub(crate) fn ext(mut self, line: &str) -> Self {
        let name = extension_name(line).to_owned();
        self.extensions.retain(|l| extension_name(l) != name);
        self.extensions.push(line.to_owned());
        self
    }

    /// Removes the line for extension `name` (e.g. `"keyUsage"`).
    pub(crate) fn without(mut self, name: &str) -> Self {
        self.extensions.retain(|l| extension_name(l) != name);
        self
    }

    /// Adds a section to the extension file, e.g. `"[nc_dir]\nC = KZ\nO = Dalel tests"` for a
    /// `dirName:nc_dir` name constraint.
    pub(crate) fn section(mut self, text: &str) -> Self {
        self.sections.push(text.to_owned());
        self
    }
}

fn extension_name(line: &str) -> &str {
    line.split('=').next().unwrap_or(line).trim()
}

/// A root, an intermediate it issued, and a signing leaf the intermediate issued.
#[derive(Clone, Debug)]
pub(crate) struct Hierarchy {
    /// The self-signed root.
    pub(crate) root: Issued,
    /// The intermediate CA.
    pub(crate) intermediate: Issued,
    /// The document-signing leaf.
    pub(crate) leaf: Issued,
}

/// A directory holding an `openssl ca` database and every key and certificate made.
pub(crate) struct Pki {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    next: Cell<u32>,
}

impl Pki {
    /// An empty PKI in a new temporary directory.
    pub(crate) fn new() -> Self {
        let tmp = tempfile::tempdir().expect("create a temporary directory");
        let dir = tmp.path().to_path_buf();
        fs::create_dir(dir.join("newcerts")).expect("create newcerts");
        fs::write(dir.join("index.txt"), "").expect("create index.txt");
        fs::write(dir.join("serial"), "1000\n").expect("create serial");
        fs::write(dir.join("ca.cnf"), ca_config(&dir)).expect("write ca.cnf");
        Self {
            _tmp: tmp,
            dir,
            next: Cell::new(1),
        }
    }

    /// The directory files are made in.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// A self-signed certificate.
    pub(crate) fn self_signed(&self, spec: CertSpec) -> Issued {
        self.make(spec, None)
    }

    /// A certificate issued by `issuer`.
    pub(crate) fn issue(&self, spec: CertSpec, issuer: &Issued) -> Issued {
        self.make(spec, Some(issuer))
    }

    /// Root CA → intermediate CA → signing leaf, all with keys of `alg`:
    /// `/C=KZ/O=Dalel tests/CN=Test Root`, `…/CN=Test Intermediate`, `…/CN=Test Leaf`.
    pub(crate) fn hierarchy(&self, alg: KeyAlg) -> Hierarchy {
        let root = self.self_signed(CertSpec::ca("/C=KZ/O=Dalel tests/CN=Test Root").alg(alg));
        let intermediate = self.issue(
            CertSpec::ca("/C=KZ/O=Dalel tests/CN=Test Intermediate").alg(alg),
            &root,
        );
        let leaf = self.issue(
            CertSpec::leaf("/C=KZ/O=Dalel tests/CN=Test Leaf").alg(alg),
            &intermediate,
        );
        Hierarchy {
            root,
            intermediate,
            leaf,
        }
    }

    /// Writes `bytes` to `name` in the PKI's directory and returns the path.
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.join(name);
        fs::write(&path, bytes).expect("write a file");
        path
    }

    /// Writes the PEM of `certs`, one after another, to `name`: a PEM bundle.
    pub(crate) fn bundle(&self, name: &str, certs: &[&Issued]) -> PathBuf {
        let mut text = String::new();
        for cert in certs {
            text.push_str(&fs::read_to_string(&cert.pem).expect("read a PEM certificate"));
        }
        self.write(name, text.as_bytes())
    }

    fn make(&self, spec: CertSpec, issuer: Option<&Issued>) -> Issued {
        let n = self.next.get();
        self.next.set(n + 1);
        let label = format!("c{n:03}");
        let key = match &spec.key {
            Some(key) => key.clone(),
            None => self.generate_key(&label, spec.alg),
        };
        let csr = self.dir.join(format!("{label}.csr"));
        let pem = self.dir.join(format!("{label}.pem"));
        self.openssl(&[
            "req",
            "-new",
            "-config",
            "ca.cnf",
            "-utf8",
            "-key",
            path(&key),
            "-subj",
            &spec.subject,
            "-out",
            path(&csr),
        ]);
        let start = openssl_time(&spec.not_before);
        let end = openssl_time(&spec.not_after);
        let mut args: Vec<String> = [
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-notext",
            "-md",
            "sha256",
            "-utf8",
            "-in",
            path(&csr),
            "-out",
            path(&pem),
            "-startdate",
            &start,
            "-enddate",
            &end,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        if !spec.extensions.is_empty() {
            let ext = self.dir.join(format!("{label}.ext"));
            let mut text = String::from("[ext]\n");
            for line in &spec.extensions {
                text.push_str(line);
                text.push('\n');
            }
            for section in &spec.sections {
                text.push('\n');
                text.push_str(section);
                text.push('\n');
            }
            fs::write(&ext, text).expect("write the extension file");
            args.extend(["-extfile".to_owned(), path(&ext).to_owned()]);
            args.extend(["-extensions".to_owned(), "ext".to_owned()]);
        }
        match issuer {
            None => args.extend([
                "-selfsign".to_owned(),
                "-keyfile".to_owned(),
                path(&key).to_owned(),
            ]),
            Some(issuer) => args.extend([
                "-cert".to_owned(),
                path(&issuer.pem).to_owned(),
                "-keyfile".to_owned(),
                path(&issuer.key).to_owned(),
            ]),
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.openssl(&args);
        let text = fs::read(&pem).expect("read the issued certificate");
        let (label, der) = der::pem::decode_vec(&text).expect("decode the issued certificate");
        assert_eq!(label, "CERTIFICATE");
        Issued {
            subject: spec.subject,
            pem,
            der,
            key,
        }
    }

    fn generate_key(&self, label: &str, alg: KeyAlg) -> PathBuf {
        let key = self.dir.join(format!("{label}.key"));
        let options: &[&str] = match alg {
            KeyAlg::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyAlg::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        };
        let mut args = vec!["genpkey"];
        args.extend_from_slice(options);
        args.extend(["-out", path(&key)]);
        self.openssl(&args);
        key
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// `YYYY-MM-DDTHH:MM:SSZ` as `openssl ca -startdate` wants it: UTCTime `YYMMDDHHMMSSZ` for
/// 1950-2049, as RFC 5280 §4.1.2.5 requires, GeneralizedTime otherwise.
fn openssl_time(rfc3339: &str) -> String {
    let digits: String = rfc3339.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(
        digits.len(),
        14,
        "time {rfc3339:?} is not YYYY-MM-DDTHH:MM:SSZ"
    );
    let year: u32 = digits[..4].parse().expect("a year");
    if (1950..2050).contains(&year) {
        format!("{}Z", &digits[2..])
    } else {
        format!("{digits}Z")
    }
}

fn ca_config(dir: &Path) -> String {
    format!(
        r#"[ca]
default_ca = test_ca

[test_ca]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
preserve = yes
copy_extensions = none

[policy_any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
serialNumber = optional
surname = optional
givenName = optional
emailAddress = optional

[req]
distinguished_name = req_dn

[req_dn]
"#,
        dir = dir.display()
    )
}
