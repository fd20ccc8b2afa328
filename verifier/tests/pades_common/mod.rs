//! Shared by the PAdES tests: a test PKI made with `openssl`, a minimal PDF, signing with
//! pyHanko (`<workspace>/.venv/bin/pyhanko`, installed by `scripts/setup`), and a writer of
//! incremental updates for building attacks.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use verifier::pades::{PdfSignature, PdfValidationReport, validate_pdf};
use verifier::path::{TrustAnchor, parse_certificates};
use verifier::validation::ValidationPolicy;

/// The PKI and signed files, made once per test binary.
pub(crate) struct Fixtures {
    dir: tempfile::TempDir,
    /// The CA certificate (PEM).
    pub(crate) ca: Vec<u8>,
    /// The unsigned one-page PDF.
    pub(crate) unsigned: Vec<u8>,
    /// Signed once (field Sig1).
    pub(crate) signed: Vec<u8>,
    /// Signed once, then a second signature added (field Sig2), both by pyHanko.
    pub(crate) signed_twice: Vec<u8>,
    /// Certified (DocMDP /P 2) with PAdES, field Sig1.
    pub(crate) certified: Vec<u8>,
}

impl Fixtures {
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub(crate) fn pyhanko() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/pyhanko");
    assert!(
        path.exists(),
        "pyHanko is not installed at {}: run scripts/setup (it creates the workspace's .venv)",
        path.display()
    );
    path
}

fn run(command: &mut Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

const OPENSSL_CONFIG: &str = "[req]\ndistinguished_name = dn\n[dn]\n\
[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n\
[leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,nonRepudiation\n\
subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n";

/// `pyhanko sign addsig [extra] --field FIELD pemder ... IN OUT` in the fixtures' directory.
pub(crate) fn sign(dir: &Path, input: &str, output: &str, field: &str, extra: &[&str]) {
    let mut command = Command::new(pyhanko());
    command
        .current_dir(dir)
        .args(["sign", "addsig", "--field", field]);
    command.args(extra);
    command.args([
        "pemder",
        "--key",
        "signer.key",
        "--cert",
        "signer.pem",
        "--chain",
        "ca.pem",
        "--no-pass",
        input,
        output,
    ]);
    run(&mut command);
}

pub(crate) fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("ca.cnf"), OPENSSL_CONFIG).unwrap();
        let openssl = |args: &[&str]| run(Command::new("openssl").current_dir(d).args(args));
        openssl(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ca.key",
        ]);
        openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=Test PDF CA",
            "-days",
            "30",
            "-config",
            "ca.cnf",
            "-extensions",
            "ca",
            "-out",
            "ca.pem",
        ]);
        openssl(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "signer.key",
        ]);
        openssl(&[
            "req",
            "-new",
            "-key",
            "signer.key",
            "-subj",
            "/CN=Test PDF Signer",
            "-config",
            "ca.cnf",
            "-out",
            "signer.csr",
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "signer.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "ca.cnf",
            "-extensions",
            "leaf",
            "-out",
            "signer.pem",
        ]);
        let unsigned = minimal_pdf();
        std::fs::write(d.join("in.pdf"), &unsigned).unwrap();
        sign(d, "in.pdf", "signed.pdf", "Sig1", &[]);
        sign(d, "signed.pdf", "twice.pdf", "Sig2", &[]);
        sign(
            d,
            "in.pdf",
            "certified.pdf",
            "Sig1",
            &["--certify", "--use-pades"],
        );
        let read = |name: &str| std::fs::read(d.join(name)).unwrap();
        Fixtures {
            ca: read("ca.pem"),
            unsigned,
            signed: read("signed.pdf"),
            signed_twice: read("twice.pdf"),
            certified: read("certified.pdf"),
            dir,
        }
    })
}

/// A one-page PDF: catalog 1, pages 2, page 3, content stream 4, font 5.
pub(crate) fn minimal_pdf() -> Vec<u8> {
    let content = b"BT /F1 24 Tf 72 72 Td (Pay 100 EUR) Tj ET";
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The offset after the last `startxref`.
pub(crate) fn last_startxref(pdf: &[u8]) -> usize {
    let at = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    let text = String::from_utf8_lossy(&pdf[at + 9..]);
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// `base` with an incremental update defining `objects` (number, body without
/// `n 0 obj`/`endobj`), with a classic xref table whose entries point at them.
pub(crate) fn append_update(base: &[u8], objects: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<(u32, Option<usize>)> = Vec::new();
    append_update_with(base, objects, entries)
}

/// As [`append_update`], plus xref entries of our own (`None` for a free entry; `Some`
/// for an in-use entry at that offset, written as is).
pub(crate) fn append_update_with(
    base: &[u8],
    objects: &[(u32, Vec<u8>)],
    extra: Vec<(u32, Option<usize>)>,
) -> Vec<u8> {
    let mut out = base.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut entries: Vec<(u32, Option<usize>)> = Vec::new();
    for (num, body) in objects {
        entries.push((*num, Some(out.len())));
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    entries.extend(extra);
    entries.sort_by_key(|e| e.0);
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 1\n0000000000 65535 f \n");
    for (num, offset) in &entries {
        out.extend_from_slice(format!("{num} 1\n").as_bytes());
        match offset {
            Some(o) => out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes()),
            None => out.extend_from_slice(b"0000000000 00001 f \n"),
        }
    }
    let size = entries.iter().map(|e| e.0 + 1).max().unwrap_or(1).max(40);
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {size} /Root 1 0 R /Prev {} >>\nstartxref\n{xref}\n%%EOF\n",
            last_startxref(base)
        )
        .as_bytes(),
    );
    out
}

/// The policy trusting the fixtures' CA, revocation off, at the current time.
pub(crate) fn policy() -> ValidationPolicy {
    ValidationPolicy {
        anchors: parse_certificates(&fixtures().ca)
            .unwrap()
            .into_iter()
            .map(TrustAnchor::from_certificate)
            .collect(),
        revocation: None,
        ..ValidationPolicy::default()
    }
}

pub(crate) fn validate(pdf: &[u8]) -> PdfValidationReport {
    validate_pdf(pdf, &policy()).unwrap()
}

/// The signature of field `name`.
pub(crate) fn signature<'r>(report: &'r PdfValidationReport, name: &str) -> &'r PdfSignature {
    report
        .signatures
        .iter()
        .find(|s| s.field == name)
        .unwrap_or_else(|| panic!("no signature {name}: {report:#?}"))
}

/// The check named `name` of a signature, as `(status, detail)` text.
pub(crate) fn check(signature: &PdfSignature, name: &str) -> String {
    let check = signature
        .checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no check {name} in {:#?}", signature.checks));
    format!("{:?}: {}", check.status, check.detail)
}

/// Replaces `from` by `to` (same length) in `pdf`, at its last occurrence.
pub(crate) fn patch(pdf: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len(), "patches keep offsets");
    let at = pdf.windows(from.len()).rposition(|w| w == from).unwrap();
    let mut out = pdf.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}
