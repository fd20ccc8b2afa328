//! `verifier::pdf` on real files and on hostile ones: every PDF of `shared/vectors/pdf` and
//! `tests/pdf_fixtures` opens and every object of every revision reads; malformed input
//! fails with the error that says what and where, quickly.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use verifier::pdf::{Limits, Object, ObjectLocation, PdfError, PdfFile, XrefKind};

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vectors = root.join("../../shared/vectors/pdf");
    let mut out = Vec::new();
    for dir in [
        vectors.clone(),
        vectors.join("coverage-anomalies"),
        root.join("tests/pdf_fixtures"),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "pdf") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/pdf_fixtures")
            .join(name),
    )
    .unwrap()
}

/// The content stream of the first page, decoded.
fn first_page_content(file: &PdfFile<'_>) -> Vec<u8> {
    let catalog = file
        .resolve(file.trailer().get(b"Root").unwrap())
        .unwrap()
        .into_owned();
    let pages = file
        .resolve(catalog.as_dict().unwrap().get(b"Pages").unwrap())
        .unwrap()
        .into_owned();
    let kids = pages
        .as_dict()
        .unwrap()
        .get(b"Kids")
        .unwrap()
        .as_array()
        .unwrap()
        .to_vec();
    let page = file.resolve(&kids[0]).unwrap().into_owned();
    let contents = file
        .resolve(page.as_dict().unwrap().get(b"Contents").unwrap())
        .unwrap()
        .into_owned();
    contents
        .as_stream()
        .unwrap()
        .decode(file, file.limits())
        .unwrap()
}

#[test]
fn every_file_reads() {
    for path in files() {
        let bytes = std::fs::read(&path).unwrap();
        let file = PdfFile::open(&bytes, Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let revisions = file.revisions();
        assert!(file.trailing_bytes().is_empty(), "{}", path.display());
        for (r, revision) in revisions.iter().enumerate() {
            for &num in revision.entries.keys().filter(|&&n| n != 0) {
                let generation = match file.location(num, r) {
                    ObjectLocation::InFile { generation, .. } => generation,
                    _ => 0,
                };
                file.object_at_revision((num, generation), r)
                    .unwrap_or_else(|e| panic!("{} rev {r} obj {num}: {e}", path.display()));
            }
        }
        let catalog = file.resolve(file.trailer().get(b"Root").unwrap()).unwrap();
        assert!(
            catalog.as_dict().unwrap().name_is(b"Type", b"Catalog"),
            "{}",
            path.display()
        );
        assert!(
            first_page_content(&file).starts_with(b"BT")
                || path.to_string_lossy().contains("vectors")
        );
    }
}

#[test]
fn writers_structures() {
    let objstm = fixture("objstm.pdf");
    let file = PdfFile::open(&objstm, Limits::default()).unwrap();
    assert_eq!(file.revisions().len(), 1);
    assert_eq!(file.revisions()[0].xref_kind, XrefKind::Stream);
    assert!(matches!(
        file.location(3, 0),
        ObjectLocation::InObjectStream { .. }
    ));
    assert!(first_page_content(&file).starts_with(b"BT /F1 24 Tf"));
    // A linearized file's two sections form one revision.
    for name in ["linearized.pdf", "linearized-objstm.pdf"] {
        let bytes = fixture(name);
        let file = PdfFile::open(&bytes, Limits::default()).unwrap();
        assert_eq!(file.revisions().len(), 1, "{name}");
        assert_eq!(file.revisions()[0].sections.len(), 2, "{name}");
        assert_eq!(file.revisions()[0].end, bytes.len(), "{name}");
        assert!(
            first_page_content(&file).starts_with(b"BT /F1 24 Tf"),
            "{name}"
        );
    }
}

/// A PDF from object bodies (numbered from 1) and a trailer's extra entries.
fn pdf(objects: &[&str], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn open(bytes: &[u8]) -> Result<PdfFile<'_>, PdfError> {
    PdfFile::open(bytes, Limits::default())
}

#[test]
fn structure_errors_say_what_and_where() {
    assert_eq!(open(b"hello").unwrap_err(), PdfError::NotPdf);
    assert_eq!(
        open(b"%PDF-1.7\n1 0 obj null endobj").unwrap_err(),
        PdfError::NoStartXref
    );
    assert!(matches!(
        open(b"%PDF-1.7\nstartxref\n999999\n%%EOF").unwrap_err(),
        PdfError::OutOfBounds {
            offset: 999_999,
            ..
        }
    ));
    // Two sections whose /Prev point at each other.
    let mut looped = b"%PDF-1.7\n".to_vec();
    let a = looped.len();
    looped.extend_from_slice(b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 999 >>\n");
    let b = looped.len();
    looped.extend_from_slice(format!("xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev {a} >>\nstartxref\n{b}\n%%EOF\n").as_bytes());
    let text = String::from_utf8(looped)
        .unwrap()
        .replace("/Prev 999", &format!("/Prev {b:03}"));
    assert!(matches!(
        open(text.as_bytes()).unwrap_err(),
        PdfError::PrevLoop { .. }
    ));
    // Absurd subsection counts fail at once.
    let huge =
        b"%PDF-1.7\nxref\n0 4000000000\n0000000000 65535 f \ntrailer\n<<>>\nstartxref\n9\n%%EOF";
    assert!(matches!(
        open(huge).unwrap_err(),
        PdfError::Xref { offset: 9, .. }
    ));
    // Truncated anywhere: an error, never a panic.
    let whole = pdf(&["<< /Type /Catalog >>"], "");
    for cut in 0..whole.len() {
        let _ = open(&whole[..cut]).map(|f| f.object((1, 0)));
    }
}

#[test]
fn object_errors_say_what_and_where() {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let bytes = pdf(
        &[
            "<< /Type /Catalog >>",
            &deep,
            "3 0 R",
            "2 0 R",
            "<< /A 4 0 R >>",
        ],
        "",
    );
    let file = open(&bytes).unwrap();
    assert!(matches!(
        file.object((2, 0)).unwrap_err(),
        PdfError::TooDeep { .. }
    ));
    // A reference loop.
    assert!(matches!(
        file.resolve(&Object::Reference((3, 0))).unwrap_err(),
        PdfError::ReferenceChain { .. }
    ));
    // Undefined, and of another generation: null.
    assert_eq!(file.object((99, 0)).unwrap(), Object::Null);
    assert_eq!(file.object((1, 7)).unwrap(), Object::Null);
    // An entry pointing at another object.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let one = text.find("1 0 obj").unwrap();
    let two = text.find("2 0 obj").unwrap();
    let swapped = text.replacen(
        &format!("{two:010} 00000 n"),
        &format!("{one:010} 00000 n"),
        1,
    );
    let file = open(swapped.as_bytes()).unwrap();
    assert!(matches!(
        file.object((2, 0)).unwrap_err(),
        PdfError::ObjectMismatch { id: (2, 0), .. }
    ));
}

#[test]
fn wrong_stream_length_is_repaired_and_recorded() {
    let bytes = pdf(
        &[
            "<< /Type /Catalog >>",
            "<< /Length 3 >>\nstream\nBT (x) Tj ET\nendstream",
        ],
        "",
    );
    let file = open(&bytes).unwrap();
    let object = file.object((2, 0)).unwrap();
    let stream = object.as_stream().unwrap();
    assert!(stream.length_repaired());
    assert_eq!(stream.raw(&file), b"BT (x) Tj ET");
    // An indirect /Length.
    let bytes = pdf(
        &[
            "<< /Type /Catalog >>",
            "<< /Length 3 0 R >>\nstream\nBT (x) Tj ET\nendstream",
            "12",
        ],
        "",
    );
    let file = open(&bytes).unwrap();
    let object = file.object((2, 0)).unwrap();
    assert!(!object.as_stream().unwrap().length_repaired());
}

#[test]
fn decompression_bombs_stop_at_the_limit() {
    // 64 MiB of zeros, deflated to ~64 KiB, as an object stream and as a plain stream.
    let zeros = deflated_spaces(64 << 20);
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let one = bytes.len();
    bytes.extend_from_slice(b"1 0 obj << /Type /Catalog >> endobj\n");
    let two = bytes.len();
    bytes.extend_from_slice(
        format!(
            "2 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
            zeros.len()
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(&zeros);
    bytes.extend_from_slice(b"\nendstream endobj\n");
    let xref = bytes.len();
    // Object 3 lives in object stream 2 (an xref stream would say so; a table cannot, so
    // read the stream directly).
    bytes.extend_from_slice(format!("xref\n0 3\n0000000000 65535 f \n{one:010} 00000 n \n{two:010} 00000 n \ntrailer << /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    let limits = Limits {
        max_decoded_bytes: 1 << 20,
        ..Limits::default()
    };
    let file = PdfFile::open(&bytes, limits).unwrap();
    let started = Instant::now();
    let object = file.object((2, 0)).unwrap();
    let error = object
        .as_stream()
        .unwrap()
        .decode(&file, &limits)
        .unwrap_err();
    assert!(
        matches!(
            error,
            PdfError::DecodeLimit {
                limit: 1_048_576,
                ..
            }
        ),
        "{error}"
    );
    assert!(started.elapsed().as_secs() < 5);
}

/// `len` spaces as a zlib stream (RFC 1950/1951) of one fixed-Huffman block: a literal,
/// then back-references of length 258 at distance 1. Tiny input, huge output.
fn deflated_spaces(len: usize) -> Vec<u8> {
    let mut bits = BitWriter::default();
    bits.push(1, 1); // BFINAL
    bits.push(1, 2); // BTYPE: fixed Huffman codes (RFC 1951 §3.2.6)
    // Literal ' ' (0x20): the fixed code of 0..=143 is 0x30 + value, 8 bits.
    bits.push_code(0x30 + 0x20, 8);
    let mut remaining = len - 1;
    while remaining >= 258 {
        bits.push_code(0b1100_0101, 8); // length code 285: 258
        bits.push_code(0, 5); // distance code 0: 1
        remaining -= 258;
    }
    for _ in 0..remaining {
        bits.push_code(0x30 + 0x20, 8);
    }
    bits.push_code(0, 7); // end of block (256)
    let mut out = vec![0x78, 0x01];
    out.extend_from_slice(&bits.finish());
    out
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    current: u8,
    used: u8,
}

impl BitWriter {
    fn bit(&mut self, bit: u8) {
        self.current |= bit << self.used;
        self.used += 1;
        if self.used == 8 {
            self.bytes.push(self.current);
            self.current = 0;
            self.used = 0;
        }
    }
    /// Bits least significant first (header fields).
    fn push(&mut self, value: u32, count: u8) {
        for i in 0..count {
            self.bit(((value >> i) & 1) as u8);
        }
    }
    /// Huffman codes, most significant bit first.
    fn push_code(&mut self, code: u32, count: u8) {
        for i in (0..count).rev() {
            self.bit(((code >> i) & 1) as u8);
        }
    }
    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.bytes.push(self.current);
        }
        self.bytes
    }
}

#[test]
fn hybrid_file_reads_both_kinds() {
    // Objects 1-2 in the table; object 3 only in the /XRefStm stream, in object stream 4.
    let mut b = b"%PDF-1.5\n".to_vec();
    let one = b.len();
    b.extend_from_slice(b"1 0 obj << /Type /Catalog /Pages 2 0 R /Extra 3 0 R >> endobj\n");
    let two = b.len();
    b.extend_from_slice(b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n");
    let four = b.len();
    let objstm = b"3 0 (in a stream)";
    b.extend_from_slice(
        format!(
            "4 0 obj << /Type /ObjStm /N 1 /First 4 /Length {} >>\nstream\n",
            objstm.len()
        )
        .as_bytes(),
    );
    b.extend_from_slice(objstm);
    b.extend_from_slice(b"\nendstream endobj\n");
    let five = b.len();
    let rows: Vec<u8> = vec![2, 0, 4, 0]; // object 3: type 2, stream 4, index 0
    b.extend_from_slice(
        format!(
            "5 0 obj << /Type /XRef /Size 6 /Index [3 1] /W [1 2 1] /Length {} >>\nstream\n",
            rows.len()
        )
        .as_bytes(),
    );
    b.extend_from_slice(&rows);
    b.extend_from_slice(b"\nendstream endobj\n");
    let xref = b.len();
    b.extend_from_slice(format!("xref\n0 3\n0000000000 65535 f \n{one:010} 00000 n \n{two:010} 00000 n \n4 1\n{four:010} 00000 n \ntrailer << /Size 6 /Root 1 0 R /XRefStm {five} >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    let file = open(&b).unwrap();
    assert_eq!(file.revisions()[0].xref_kind, XrefKind::Hybrid);
    assert_eq!(
        file.object((3, 0)).unwrap(),
        Object::String(b"in a stream".to_vec())
    );
    assert_eq!(file.revisions()[0].xref_streams, vec![(5, 0)]);
}

#[test]
fn opening_reads_no_object_body() {
    // A large body that is never parsed: opening costs the cross-reference data only.
    let filler = "0 ".repeat(4 << 20);
    let bytes = pdf(&["<< /Type /Catalog >>", &format!("[{filler}]")], "");
    let started = Instant::now();
    for _ in 0..100 {
        let file = open(&bytes).unwrap();
        assert_eq!(file.revisions().len(), 1);
    }
    assert!(
        started.elapsed().as_millis() < 2000,
        "{:?}",
        started.elapsed()
    );
}
