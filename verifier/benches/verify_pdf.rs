//! Reading and validating a large signed PDF: 500 pages, 50 MB (a 100 KiB content stream
//! a page), signed twice by pyHanko (`<workspace>/.venv/bin/pyhanko`, from
//! `scripts/setup`) with a P-256 key of a throw-away CA made with `openssl`.
//!
//! - `verify_pdf/open`: `PdfFile::open`: header, `startxref`, the cross-reference tables
//!   and trailers of the three revisions; no object body (the target: microseconds to
//!   milliseconds whatever the file's size).
//! - `verify_pdf/validate`: `validate_pdf`, both signatures: the structure scan of every
//!   revision, the two byte ranges hashed in place (about 100 MB of SHA-256), the CMS and
//!   path checks, and the comparison of the last revision with the first signed one.

#[allow(unreachable_pub)]
#[path = "../tests/pades_common/mod.rs"]
mod pades_common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use verifier::pades::validate_pdf;
use verifier::pdf::{Limits, PdfFile};
use verifier::report::Indication;

/// A PDF of `pages` pages, each with a content stream of `size` pseudo-random bytes.
fn big_pdf(pages: u32, size: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect()
    };
    let font = 3 + 2 * pages;
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = vec![0usize; (font + 1) as usize];
    let kids: String = (0..pages).map(|p| format!("{} 0 R ", 3 + 2 * p)).collect();
    let mut object = |out: &mut Vec<u8>, num: u32, body: &[u8]| {
        offsets[num as usize] = out.len();
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    object(&mut out, 1, b"<< /Type /Catalog /Pages 2 0 R >>");
    object(
        &mut out,
        2,
        format!("<< /Type /Pages /Kids [{kids}] /Count {pages} >>").as_bytes(),
    );
    for p in 0..pages {
        let (page, content) = (3 + 2 * p, 4 + 2 * p);
        let page_body = format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
        );
        object(&mut out, page, page_body.as_bytes());
        let mut stream =
            format!("<< /Length {size} /Filter /FlateDecode >>\nstream\n").into_bytes();
        stream.extend_from_slice(&noise(size));
        stream.extend_from_slice(b"\nendstream");
        object(&mut out, content, &stream);
    }
    object(
        &mut out,
        font,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    );
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", font + 1).as_bytes());
    for offset in &offsets[1..] {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            font + 1
        )
        .as_bytes(),
    );
    out
}

fn verify_pdf(c: &mut Criterion) {
    let fixtures = pades_common::fixtures();
    std::fs::write(fixtures.path("big.pdf"), big_pdf(500, 100 * 1024)).expect("write");
    let dir = fixtures.path("");
    pades_common::sign(&dir, "big.pdf", "big1.pdf", "Sig1", &[]);
    pades_common::sign(&dir, "big1.pdf", "big2.pdf", "Sig2", &[]);
    let pdf = std::fs::read(fixtures.path("big2.pdf")).expect("read");
    let policy = pades_common::policy();
    let report = validate_pdf(&pdf, &policy).expect("a PDF");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(report.signatures.len(), 2);

    let mut group = c.benchmark_group("verify_pdf");
    group.throughput(Throughput::Bytes(pdf.len() as u64));
    group.bench_function("open", |b| {
        b.iter(|| PdfFile::open(black_box(&pdf), Limits::default()).expect("opens"));
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("validate", |b| {
        b.iter(|| validate_pdf(black_box(&pdf), &policy).expect("validates"));
    });
    group.finish();
}

criterion_group!(benches, verify_pdf);
criterion_main!(benches);
