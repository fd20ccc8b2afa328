//! Fixtures for the revocation tests: a small PKI run by `openssl ca` in a temporary
//! directory (so certificates can be revoked and CRLs issued), a real `openssl ocsp`
//! responder on loopback, and a minimal HTTP server for CRL distribution points.
//!
//! Everything is made at test time; each test has its own directory, ports and processes,
//! so the tests run in parallel. Processes and servers stop when their handles drop.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use der::DecodePem as _;

pub mod http;
use x509_cert::Certificate;

#[path = "../openssl_cli/mod.rs"]
mod openssl_cli;
pub use openssl_cli::openssl;

/// The extensions of a certificate issued by a [`Ca`].
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// AIA OCSP location.
    pub ocsp_url: Option<String>,
    /// CRL distribution point.
    pub crl_url: Option<String>,
    /// `extendedKeyUsage` value, e.g. `OCSPSigning`.
    pub eku: Option<&'static str>,
    /// A CA certificate.
    pub ca: bool,
    /// The leaf's `keyUsage` value instead of `critical,digitalSignature`.
    pub key_usage: Option<&'static str>,
    /// The subject (`/CN=.../serialNumber=...`) instead of `/CN=<name>`.
    pub subject: Option<String>,
}

impl Profile {
    fn section(&self) -> String {
        let mut s = String::from("[ext]\n");
        if self.ca {
            s.push_str(
                "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n",
            );
        } else {
            let key_usage = self.key_usage.unwrap_or("critical,digitalSignature");
            s.push_str(&format!(
                "basicConstraints = critical,CA:FALSE\nkeyUsage = {key_usage}\n"
            ));
        }
        if let Some(eku) = self.eku {
            s.push_str(&format!("extendedKeyUsage = {eku}\n"));
        }
        if let Some(url) = &self.ocsp_url {
            s.push_str(&format!("authorityInfoAccess = OCSP;URI:{url}\n"));
        }
        if let Some(url) = &self.crl_url {
            s.push_str(&format!("crlDistributionPoints = URI:{url}\n"));
        }
        s
    }
}

/// A certificate issued by a [`Ca`], with its key.
pub struct Issued {
    pub name: String,
    pub cert: Certificate,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
}

/// A certification authority run with `openssl ca`: its own directory, `index.txt`
/// database, serial and CRL number files.
pub struct Ca {
    pub dir: PathBuf,
    pub cert: Certificate,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
}

impl Ca {
    /// A self-signed CA named `CN=<cn>` in `root/<name>`, with an EC P-256 key.
    /// `key_usage` is the CA's key usage (normally `keyCertSign,cRLSign`).
    pub fn new(root: &Path, name: &str, cn: &str, key_usage: &str) -> Self {
        let dir = Self::prepare(root, name, key_usage);
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-config",
                "ca.cnf",
                "-extensions",
                "ca_ext",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-subj",
                &format!("/CN={cn}"),
                "-days",
                "30",
            ],
        );
        let cert_path = dir.join("ca.crt");
        Self {
            cert: read_cert(&cert_path),
            key_path: dir.join("ca.key"),
            cert_path,
            dir,
        }
    }

    /// A CA in `root/<name>` with subject `subject`, certified by this CA with the
    /// extensions `ext` (lines of an `openssl` extension section, e.g.
    /// `basicConstraints = critical,CA:TRUE,pathlen:0`), recorded in this CA's database.
    pub fn subordinate(&self, root: &Path, name: &str, subject: &str, ext: &str) -> Self {
        let dir = Self::prepare(root, name, "keyCertSign,cRLSign");
        self.request(name, subject);
        fs::write(
            self.dir.join(format!("{name}.ext")),
            format!("[ext]\n{ext}"),
        )
        .unwrap();
        self.sign_request(name, &[]);
        let issued = self.issued(name);
        fs::copy(&issued.cert_path, dir.join("ca.crt")).unwrap();
        fs::copy(&issued.key_path, dir.join("ca.key")).unwrap();
        Self {
            cert: issued.cert,
            cert_path: dir.join("ca.crt"),
            key_path: dir.join("ca.key"),
            dir,
        }
    }

    fn prepare(root: &Path, name: &str, key_usage: &str) -> PathBuf {
        let dir = root.join(name);
        fs::create_dir_all(dir.join("newcerts")).unwrap();
        fs::write(dir.join("index.txt"), "").unwrap();
        fs::write(dir.join("serial"), "1000\n").unwrap();
        fs::write(dir.join("crlnumber"), "01\n").unwrap();
        fs::write(dir.join("ca.cnf"), ca_cnf(key_usage)).unwrap();
        dir
    }

    /// Issues `CN=<name>` with `profile`, recorded in the database.
    pub fn issue(&self, name: &str, profile: &Profile) -> Issued {
        self.issue_with(name, profile, &[])
    }

    /// [`Ca::issue`] with more `openssl ca` options, e.g. `-startdate`/`-enddate`.
    pub fn issue_with(&self, name: &str, profile: &Profile, extra: &[&str]) -> Issued {
        let subject = profile
            .subject
            .clone()
            .unwrap_or_else(|| format!("/CN={name}"));
        self.request(name, &subject);
        fs::write(self.dir.join(format!("{name}.ext")), profile.section()).unwrap();
        self.sign_request(name, extra);
        self.issued(name)
    }

    fn sign_request(&self, name: &str, extra: &[&str]) {
        let (ext, csr, crt) = (
            format!("{name}.ext"),
            format!("{name}.csr"),
            format!("{name}.crt"),
        );
        let mut args = vec![
            "ca",
            "-batch",
            "-notext",
            "-config",
            "ca.cnf",
            "-extfile",
            &ext,
            "-extensions",
            "ext",
            "-in",
            &csr,
            "-out",
            &crt,
        ];
        args.extend_from_slice(extra);
        openssl(&self.dir, &args);
    }

    /// Issues `CN=<name>` with `profile` and serial `serial` (hex) *without* recording it in
    /// the database, so an OCSP responder does not know it.
    pub fn issue_unrecorded(&self, name: &str, serial: &str, profile: &Profile) -> Issued {
        self.request(name, &format!("/CN={name}"));
        let ext = format!("{name}.ext");
        fs::write(self.dir.join(&ext), profile.section()).unwrap();
        openssl(
            &self.dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &format!("0x{serial}"),
                "-days",
                "30",
                "-extfile",
                &ext,
                "-extensions",
                "ext",
                "-out",
                &format!("{name}.crt"),
            ],
        );
        self.issued(name)
    }

    fn request(&self, name: &str, subject: &str) {
        openssl(
            &self.dir,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                subject,
                "-utf8",
            ],
        );
    }

    fn issued(&self, name: &str) -> Issued {
        let cert_path = self.dir.join(format!("{name}.crt"));
        Issued {
            name: name.to_owned(),
            cert: read_cert(&cert_path),
            cert_path,
            key_path: self.dir.join(format!("{name}.key")),
        }
    }

    /// Revokes `issued` with `-crl_reason reason` (e.g. `keyCompromise`).
    pub fn revoke(&self, issued: &Issued, reason: &str) {
        let path = issued.cert_path.to_str().unwrap();
        openssl(
            &self.dir,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-revoke",
                path,
                "-crl_reason",
                reason,
            ],
        );
    }

    /// Puts `issued` on hold (`certificateHold`, hold instruction "call issuer").
    pub fn hold(&self, issued: &Issued) {
        let path = issued.cert_path.to_str().unwrap();
        openssl(
            &self.dir,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-revoke",
                path,
                "-crl_hold",
                "holdInstructionCallIssuer",
            ],
        );
    }

    /// Lifts every hold: `openssl ca` has no command for it, so the database's reason is
    /// rewritten to `removeFromCRL`, which the next (delta) CRL then lists.
    pub fn lift_holds(&self) {
        let index = self.dir.join("index.txt");
        let text = fs::read_to_string(&index).unwrap();
        let lifted: String = text
            .lines()
            .map(|line| {
                let mut fields: Vec<String> = line.split('\t').map(str::to_owned).collect();
                if fields.len() > 2 && fields[2].contains(",holdInstruction") {
                    let date = fields[2].split(',').next().unwrap_or_default().to_owned();
                    fields[2] = format!("{date},removeFromCRL");
                }
                fields.join("\t") + "\n"
            })
            .collect();
        fs::write(index, lifted).unwrap();
    }

    /// A complete CRL valid for `hours`, DER.
    pub fn crl(&self, hours: u32) -> Vec<u8> {
        self.gen_crl(hours, "crl_ext")
    }

    /// A delta CRL valid for `hours` whose delta CRL indicator names `base` (RFC 5280
    /// §5.2.4). `openssl ca` lists every current revocation, which a delta may do.
    pub fn delta_crl(&self, hours: u32, base: u8) -> Vec<u8> {
        let section = format!("delta_{base}");
        let mut cnf = fs::read_to_string(self.dir.join("ca.cnf")).unwrap();
        if !cnf.contains(&format!("[{section}]")) {
            cnf.push_str(&format!(
                "\n[{section}]\nauthorityKeyIdentifier = keyid\ndeltaCRL = critical,DER:02:01:{base:02x}\n"
            ));
            fs::write(self.dir.join("ca.cnf"), cnf).unwrap();
        }
        self.gen_crl(hours, &section)
    }

    fn gen_crl(&self, hours: u32, section: &str) -> Vec<u8> {
        let out = "out.crl";
        openssl(
            &self.dir,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-gencrl",
                "-crlexts",
                section,
                "-crlhours",
                &hours.to_string(),
                "-out",
                out,
            ],
        );
        openssl(&self.dir, &["crl", "-in", out, "-outform", "DER"])
    }
}

fn ca_cnf(key_usage: &str) -> String {
    format!(
        r#"[ca]
default_ca = ca_default

[ca_default]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
preserve = yes

[policy_any]
commonName = supplied
serialNumber = optional
organizationName = optional
organizationalUnitName = optional
countryName = optional

[crl_ext]
authorityKeyIdentifier = keyid

[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,{key_usage}
subjectKeyIdentifier = hash
"#
    )
}

/// Reads a PEM certificate.
pub fn read_cert(path: &Path) -> Certificate {
    Certificate::from_pem(fs::read(path).unwrap()).unwrap()
}

/// A port that was free a moment ago (bound on 127.0.0.1 and released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A loopback URL on `port`.
pub fn url(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}/{path}")
}

/// An `openssl ocsp` responder serving a [`Ca`]'s database, killed on drop.
///
/// OpenSSL 3.0's `-port` takes a number only, so the responder listens on every address of
/// that port; the tests reach it on 127.0.0.1 only.
pub struct Responder {
    child: Child,
    pub port: u16,
}

impl Responder {
    /// Starts a responder for the CA in `ca_dir` on `port`, signing with `signer`'s certificate and key;
    /// `extra` are more `openssl ocsp` options (e.g. `-resp_key_id`). Returns `None` if it
    /// could not listen (the port was taken meanwhile).
    pub fn start(ca_dir: &Path, signer: (&Path, &Path), port: u16, extra: &[&str]) -> Option<Self> {
        let mut child = Command::new("openssl")
            .args([
                "ocsp",
                "-index",
                "index.txt",
                "-port",
                &port.to_string(),
                "-rsigner",
            ])
            .arg(signer.0)
            .arg("-rkey")
            .arg(signer.1)
            .args(["-CA", "ca.crt", "-nmin", "60", "-ignore_err"])
            .args(extra)
            .current_dir(ca_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl ocsp");
        let (tx, rx) = mpsc::channel();
        // Both streams are read until the responder exits, so it never blocks on a full pipe.
        let stdout = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
        let stderr = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
        for stream in [stdout, stderr].into_iter().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let _ = tx.send(line);
                }
            });
        }
        drop(tx);
        let mut responder = Self { child, port };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                // OpenSSL 3.0 logs the first on stderr once the socket listens, before the
                // first accept; with `-port 0` it also prints the second on stdout.
                Ok(line)
                    if line.contains("waiting for OCSP client connections")
                        || line.starts_with("ACCEPT") =>
                {
                    return Some(responder);
                }
                Ok(_) => {}
                Err(_) => {
                    let _ = responder.child.kill();
                    return None;
                }
            }
            if let Ok(Some(_)) = responder.child.try_wait() {
                return None;
            }
        }
    }

    /// The responder's URL.
    pub fn url(&self) -> String {
        url(self.port, "")
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds a fixture around a free port and starts a responder on it, retrying with a new
/// port (and a new fixture, since certificates name the port) if the port was taken.
pub fn with_responder<T>(
    mut build: impl FnMut(u16) -> (T, Box<dyn Fn(u16) -> Option<Responder>>),
) -> (T, Responder) {
    for _ in 0..5 {
        let port = free_port();
        let (fixture, start) = build(port);
        if let Some(responder) = start(port) {
            return (fixture, responder);
        }
    }
    panic!("could not start an OCSP responder");
}

/// Now, and an offset from it.
pub fn now() -> SystemTime {
    SystemTime::now()
}

pub fn hours_from_now(hours: i64) -> SystemTime {
    let d = Duration::from_secs(hours.unsigned_abs() * 3600);
    if hours >= 0 { now() + d } else { now() - d }
}

/// Options allowing network use with a short timeout.
pub fn networked() -> verifier::revocation::RevocationOptions {
    verifier::revocation::RevocationOptions {
        network: Some(verifier::revocation::NetworkOptions {
            timeout: Duration::from_secs(10),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The path of a file of the NCA test vectors.
pub fn nca(path: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/nca"
    ))
    .join(path)
}

/// Reads a certificate of the NCA vectors, PEM or DER.
pub fn nca_cert(path: &str) -> Certificate {
    use der::Decode as _;
    let bytes = fs::read(nca(path)).unwrap();
    if bytes.starts_with(b"-----") {
        Certificate::from_pem(&bytes).unwrap()
    } else {
        Certificate::from_der(&bytes).unwrap()
    }
}

/// A UTC time.
pub fn utc(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> SystemTime {
    der::DateTime::new(year, month, day, hour, minute, second)
        .unwrap()
        .to_system_time()
}
