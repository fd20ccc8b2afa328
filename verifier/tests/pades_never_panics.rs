//! Hostile PDFs: mutations and truncations of real signed PDFs never make the reader or
//! the validator panic, and each finishes quickly (bounded work per input).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use verifier::pades::validate_pdf_with_limits;
use verifier::pdf::{Limits, PdfFile};
use verifier::validation::ValidationPolicy;

/// xorshift64*: deterministic, so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap()
    }
}

/// Tokens whose insertion upsets PDF structure.
const TOKENS: &[&[u8]] = &[
    b" obj ",
    b"endobj",
    b"stream\n",
    b"endstream",
    b" 0 R",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b"/Prev 0",
    b"/Length 99999999",
    b"xref\n0 99999\n",
    b"trailer",
    b"startxref\n0\n",
    b"%%EOF",
    b"/ByteRange [0 1 2 3]",
    b"/Type /ObjStm /N 999999",
    b"999999999999999999999",
];

fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len());
        match rng.below(4) {
            0 => out[at] = u8::try_from(rng.below(256)).unwrap(),
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            2 => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            _ => {
                // A digit changed: offsets, lengths, counts.
                if let Some(p) = out[at..].iter().position(u8::is_ascii_digit) {
                    out[at + p] = b'0' + u8::try_from(rng.below(10)).unwrap();
                }
            }
        }
    }
    out
}

fn exercise(input: &[u8]) {
    let limits = Limits {
        max_decoded_bytes: 1 << 20,
        max_recovery_scan: 8 << 20,
        ..Limits::default()
    };
    if let Ok(file) = PdfFile::open(input, limits) {
        for (r, revision) in file.revisions().iter().enumerate() {
            for &num in revision.entries.keys().take(200) {
                if let Ok(Some(object)) = file.object_at_revision((num, 0), r)
                    && let Some(stream) = object.as_stream()
                {
                    let _ = stream.decode(&file, &limits);
                }
            }
        }
    }
    let policy = ValidationPolicy {
        revocation: None,
        ..ValidationPolicy::default()
    };
    if let Ok(report) = validate_pdf_with_limits(input, &policy, limits) {
        let _ = serde_json::to_string(&report).unwrap();
        let _ = verifier::pades::render_pdf_text(&report);
    }
}

fn inputs() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        "fuzz/seeds/pades_verify/pyhanko_signed_twice",
        "tests/pdf_fixtures/objstm.pdf",
        "tests/pdf_fixtures/linearized-objstm.pdf",
        "../../shared/vectors/pdf/minimal-two-fields-signed-twice.pdf",
        "../../shared/vectors/pdf/pades-lta-dss-indirect-arrs-test.pdf",
    ]
    .iter()
    .map(|p| (p.to_string(), std::fs::read(root.join(p)).unwrap()))
    .collect()
}

#[test]
fn mutations_never_panic() {
    for (name, input) in inputs() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ input.len() as u64);
        for case in 0..60 {
            let mutated = mutate(&input, &mut rng);
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| exercise(&mutated));
            assert!(outcome.is_ok(), "{name}: mutation {case} panicked");
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{name}: mutation {case} took {:?}",
                started.elapsed()
            );
        }
    }
}

#[test]
fn truncations_never_panic() {
    for (name, input) in inputs().into_iter().take(3) {
        let step = (input.len() / 150).max(1);
        for cut in (0..input.len()).step_by(step) {
            let outcome = std::panic::catch_unwind(|| exercise(&input[..cut]));
            assert!(outcome.is_ok(), "{name}: truncation at {cut} panicked");
        }
    }
}

/// Thousands of objects whose bodies overlap (each an unterminated string running to the
/// end of the file): reading them all would be quadratic; the parse budget keeps it linear.
#[test]
fn overlapping_objects_stay_bounded() {
    let count = 5000;
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = vec![pdf.len()];
    let refs: String = (2..=count).map(|n| format!("{n} 0 R ")).collect();
    pdf.extend_from_slice(
        format!("1 0 obj << /Type /Catalog /All [{refs}] >> endobj\n").as_bytes(),
    );
    for n in 2..=count {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{n} 0 obj (").as_bytes());
        pdf.extend_from_slice(&[b'x'; 100]);
    }
    pdf.extend_from_slice(b")\n");
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", count + 1).as_bytes());
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer << /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            count + 1
        )
        .as_bytes(),
    );
    let limits = Limits {
        max_parse_bytes: 32 << 20,
        ..Limits::default()
    };
    let started = Instant::now();
    let policy = ValidationPolicy::default();
    let report = validate_pdf_with_limits(&pdf, &policy, limits).unwrap();
    assert!(report.signatures.is_empty());
    let file = PdfFile::open(&pdf, limits).unwrap();
    let errors = (2..=count)
        .filter(|&n| file.object((n, 0)).is_err())
        .count();
    assert!(errors > 0);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
