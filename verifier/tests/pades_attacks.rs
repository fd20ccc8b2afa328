//! PAdES validation of PDFs signed by pyHanko, and of attacks built from them: incremental
//! saving (content appended, objects redefined, pages swapped, overlays), signature
//! wrapping, universal signature forgery, cross-reference tricks.

#![allow(clippy::unwrap_used)]

mod pades_common;

use pades_common::{
    append_update, append_update_with, check, fixtures, last_startxref, patch, sign, signature,
    validate,
};
use verifier::pades::{AnomalyKind, Coverage, ModificationLevel, Severity};
use verifier::pdf::{Limits, PdfFile};
use verifier::report::Indication;

/// The body of object `num` as the latest revision of `pdf` defines it.
fn body(pdf: &[u8], num: u32) -> Vec<u8> {
    let file = PdfFile::open(pdf, Limits::default()).unwrap();
    let span = file.object_span((num, 0)).unwrap();
    let text = &pdf[span];
    let start = text.windows(3).position(|w| w == b"obj").unwrap() + 3;
    let end = text.windows(6).rposition(|w| w == b"endobj").unwrap();
    text[start..end].to_vec()
}

fn replace(haystack: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(haystack).into_owned();
    assert!(text.contains(from), "{from:?} not in {text:?}");
    text.replacen(from, to, 1).into_bytes()
}

/// `pdf` with the last occurrence of `from` replaced by `to` (offsets after it move).
fn splice(pdf: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = pdf.windows(from.len()).rposition(|w| w == from).unwrap();
    let mut out = pdf[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&pdf[at + from.len()..]);
    out
}

fn assert_failed(pdf: &[u8], field: &str, check_name: &str) -> String {
    let report = validate(pdf);
    let s = signature(&report, field);
    assert_eq!(s.indication, Indication::TotalFailed, "{:#?}", s.checks);
    assert_eq!(report.indication, Indication::TotalFailed);
    let found = check(s, check_name);
    assert!(found.starts_with("Failed"), "{check_name}: {found}");
    found
}

#[test]
fn pyhanko_signatures_pass() {
    let f = fixtures();
    let report = validate(&f.signed);
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let s = signature(&report, "Sig1");
    assert_eq!(s.coverage, Coverage::EntireFile);
    assert_eq!(s.modifications.level, ModificationLevel::None);
    assert!(report.anomalies.is_empty(), "{:#?}", report.anomalies);
}

#[test]
fn second_signature_is_a_signature_addition() {
    let report = validate(&fixtures().signed_twice);
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let first = signature(&report, "Sig1");
    assert_eq!(first.coverage, Coverage::EntireRevision);
    assert_eq!(
        first.modifications.level,
        ModificationLevel::SignatureAdditions
    );
    let second = signature(&report, "Sig2");
    assert_eq!(second.coverage, Coverage::EntireFile);
    assert_eq!(report.signatures.len(), 2);
}

#[test]
fn certified_then_signed_passes() {
    let f = fixtures();
    sign(
        f.path("").as_path(),
        "certified.pdf",
        "certified2.pdf",
        "Sig2",
        &[],
    );
    let pdf = std::fs::read(f.path("certified2.pdf")).unwrap();
    let report = validate(&pdf);
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let first = signature(&report, "Sig1");
    assert_eq!(first.certification, Some(2));
    assert_eq!(first.level, Some(verifier::pades::PadesLevel::BB));
}

#[test]
fn appended_content_fails() {
    let mut pdf = fixtures().signed.clone();
    pdf.extend_from_slice(b"4 0 obj\n<< /Length 9 >>\nstream\nBT ET q Q\nendstream\nendobj\n");
    let found = assert_failed(&pdf, "Sig1", "FileStructure");
    assert!(found.contains("after the last %%EOF"), "{found}");
}

#[test]
fn appended_white_space_is_a_warning() {
    let mut pdf = fixtures().signed.clone();
    pdf.extend_from_slice(b"\r\n\n  ");
    let report = validate(&pdf);
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(
        signature(&report, "Sig1").coverage,
        Coverage::EntireRevision
    );
    assert!(
        report
            .anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::TrailingBytes && a.severity == Severity::Warning)
    );
}

#[test]
fn redefined_content_stream_fails() {
    let evil =
        b"<< /Length 42 >>\nstream\nBT /F1 24 Tf 72 72 Td (Pay 999 EUR) Tj ET\nendstream".to_vec();
    let pdf = append_update(&fixtures().signed, &[(4, evil)]);
    let found = assert_failed(&pdf, "Sig1", "Modifications");
    assert!(found.contains("4 0 R (page content stream)"), "{found}");
    let report = validate(&pdf);
    assert_eq!(
        signature(&report, "Sig1").modifications.level,
        ModificationLevel::Other
    );
}

#[test]
fn swapped_page_content_fails() {
    let f = fixtures();
    let page = String::from_utf8(body(&f.signed, 3)).unwrap();
    let page = page.replace("/Contents 4 0 R", "/Contents 30 0 R");
    let evil =
        b"<< /Length 42 >>\nstream\nBT /F1 24 Tf 72 72 Td (Pay 999 EUR) Tj ET\nendstream".to_vec();
    let pdf = append_update(&f.signed, &[(3, page.into_bytes()), (30, evil)]);
    let found = assert_failed(&pdf, "Sig1", "Modifications");
    assert!(found.contains("page"), "{found}");
}

#[test]
fn overlay_annotation_is_not_permitted_without_docmdp_3() {
    let f = fixtures();
    let page = String::from_utf8(body(&f.signed, 3)).unwrap();
    let page = replace(page.as_bytes(), "/Annots [ ", "/Annots [ 31 0 R ");
    // A white square over the amount: a "hide" shadow attack by annotation.
    let annotation =
        b"<< /Type /Annot /Subtype /Square /Rect [0 0 300 144] /IC [1 1 1] /C [1 1 1] >>".to_vec();
    let pdf = append_update(&f.signed, &[(3, page), (31, annotation)]);
    let found = assert_failed(&pdf, "Sig1", "Modifications");
    let report = validate(&pdf);
    assert_eq!(
        signature(&report, "Sig1").modifications.level,
        ModificationLevel::Annotations,
        "{found}"
    );
}

#[test]
fn byte_range_skipping_bytes_fails() {
    let f = fixtures();
    let report = validate(&f.signed);
    let br = signature(&report, "Sig1").byte_range.clone().unwrap();
    let old = format!("[0 {} {} {}]", br[1], br[2], br[3]);
    // Sign less: skip two bytes after the signature value.
    let mut new = format!("[0 {} {} {}]", br[1], br[2] + 2, br[3] - 2);
    while new.len() < old.len() {
        new.push(' ');
    }
    let pdf = patch(&f.signed, old.as_bytes(), new.as_bytes());
    let found = assert_failed(&pdf, "Sig1", "Coverage");
    assert!(
        found.contains("not the ones around this signature"),
        "{found}"
    );
    // One range only.
    let mut one = format!("[0 {}]", br[1]);
    while one.len() < old.len() {
        one.push(' ');
    }
    let pdf = patch(&f.signed, old.as_bytes(), one.as_bytes());
    assert_failed(&pdf, "Sig1", "ByteRange");
}

#[test]
fn universal_signature_forgery_fails() {
    let f = fixtures();
    let report = validate(&f.signed);
    let br = signature(&report, "Sig1").byte_range.clone().unwrap();
    let (a, b) = (
        usize::try_from(br[1]).unwrap(),
        usize::try_from(br[2]).unwrap(),
    );
    let contents = f.signed[a..b].to_vec();
    let blank = |fill: &[u8]| {
        let mut value = fill.to_vec();
        value.resize(contents.len(), b' ');
        patch(&f.signed, &contents, &value)
    };
    // /Contents all zeros, empty, null, a literal string.
    let mut zeros = vec![b'<'];
    zeros.resize(contents.len() - 1, b'0');
    zeros.push(b'>');
    for (pdf, name) in [
        (blank(&zeros), "Contents"),
        (blank(b"<>"), "Contents"),
        (blank(b"null"), "Contents"),
        (blank(b"(forged)"), "Contents"),
    ] {
        let found = assert_failed(&pdf, "Sig1", name);
        assert!(!found.is_empty());
    }
    // /ByteRange missing, null, empty.
    let old = format!("/ByteRange [0 {} {} {}]", br[1], br[2], br[3]);
    for new in ["/ByteRangX [0 0 0 0]", "/ByteRange null", "/ByteRange []"] {
        let mut new = new.to_owned();
        while new.len() < old.len() {
            new.push(' ');
        }
        let pdf = patch(&f.signed, old.as_bytes(), &new.as_bytes()[..old.len()]);
        assert_failed(&pdf, "Sig1", "ByteRange");
    }
}

#[test]
fn wrapped_signature_dictionary_fails() {
    // Signature wrapping: the signature dictionary is redefined in an update, with the
    // original /ByteRange and /Contents, so the signed bytes are no longer the ones around
    // the /Contents a viewer reads.
    let f = fixtures();
    let report = validate(&f.signed);
    let object = signature(&report, "Sig1").object.clone();
    let num: u32 = object.split(' ').next().unwrap().parse().unwrap();
    let copy = body(&f.signed, num);
    let pdf = append_update(&f.signed, &[(num, copy)]);
    let found = assert_failed(&pdf, "Sig1", "Coverage");
    assert!(
        found.contains("not the ones around this signature"),
        "{found}"
    );
}

#[test]
fn xref_entry_without_body_fails() {
    let f = fixtures();
    // Object 4 "redefined" to point at object 5's body in the first revision.
    let file = PdfFile::open(&f.signed, Limits::default()).unwrap();
    let five = file.object_span((5, 0)).unwrap().start;
    let pdf = append_update_with(&f.signed, &[], vec![(4, Some(five))]);
    let report = validate(&pdf);
    assert_eq!(
        signature(&report, "Sig1").indication,
        Indication::TotalFailed
    );
    assert!(
        report
            .anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::XrefEntry && a.severity == Severity::Fatal),
        "{:#?}",
        report.anomalies
    );
    // Pointing into the middle of another object.
    let pdf = append_update_with(&f.signed, &[], vec![(4, Some(five + 3))]);
    assert_eq!(
        signature(&validate(&pdf), "Sig1").indication,
        Indication::TotalFailed
    );
}

#[test]
fn duplicate_object_in_one_update_fails() {
    let f = fixtures();
    let original = body(&f.signed, 4);
    let mut pdf = f.signed.clone();
    let first = pdf.len();
    pdf.extend_from_slice(b"4 0 obj");
    pdf.extend_from_slice(&original);
    pdf.extend_from_slice(
        b"endobj\n4 0 obj\n<< /Length 13 >>\nstream\nBT (999) Tj ET\nendstream\nendobj\n",
    );
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!(
            "xref\n0 1\n0000000000 65535 f \n4 1\n{first:010} 00000 n \ntrailer\n<< /Size 40 /Root 1 0 R /Prev {} >>\nstartxref\n{xref}\n%%EOF\n",
            last_startxref(&f.signed)
        )
        .as_bytes(),
    );
    let found = assert_failed(&pdf, "Sig1", "FileStructure");
    assert!(found.contains("defines 4 0 R 2 times"), "{found}");
}

#[test]
fn freeing_an_object_fails() {
    let pdf = append_update_with(&fixtures().signed, &[], vec![(5, None)]);
    let found = assert_failed(&pdf, "Sig1", "Modifications");
    assert!(found.contains("frees 5 0 R"), "{found}");
}

#[test]
fn catalog_change_fails() {
    let f = fixtures();
    let catalog = String::from_utf8(body(&f.signed, 1)).unwrap();
    let catalog = replace(
        catalog.as_bytes(),
        "/Type /Catalog",
        "/Type /Catalog /OpenAction 32 0 R",
    );
    let action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>".to_vec();
    let pdf = append_update(&f.signed, &[(1, catalog), (32, action)]);
    let found = assert_failed(&pdf, "Sig1", "Modifications");
    assert!(found.contains("document catalog"), "{found}");
}

#[test]
fn report_is_stable_json() {
    let report = validate(&fixtures().signed_twice);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["schema"], "dalel-pdf-validation-report/1");
    assert_eq!(json["indication"], "TOTAL-PASSED");
    assert_eq!(json["signatures"][0]["field"], "Sig1");
    assert_eq!(json["signatures"][0]["coverage"], "entire-revision");
    assert_eq!(
        json["signatures"][0]["modifications"]["level"],
        "signature-additions"
    );
    assert_eq!(json["signatures"][1]["modifications"]["level"], "none");
    assert_eq!(json["revisions"].as_array().unwrap().len(), 3);
    let text = verifier::pades::render_pdf_text(&report);
    assert!(text.starts_with("TOTAL-PASSED\n"), "{text}");
    assert!(text.contains("signature 2 (field \"Sig2\""), "{text}");
}

#[test]
fn replaced_font_fails() {
    // "Replace" shadow attack: the same text drawn with another font program.
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>".to_vec();
    let pdf = append_update(&fixtures().signed, &[(5, font)]);
    let found = assert_failed(&pdf, "Sig1", "Modifications");
    assert!(found.contains("5 0 R"), "{found}");
}

#[test]
fn annotation_after_certification_fails() {
    let f = fixtures();
    let page = String::from_utf8(body(&f.certified, 3)).unwrap();
    let page = replace(page.as_bytes(), "/Annots [ ", "/Annots [ 31 0 R ");
    let note = b"<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (fine) >>".to_vec();
    let pdf = append_update(&f.certified, &[(3, page), (31, note)]);
    let report = validate(&pdf);
    let s = signature(&report, "Sig1");
    assert_eq!(s.certification, Some(2));
    assert_eq!(s.modifications.level, ModificationLevel::Annotations);
    assert_eq!(s.modifications.permitted, ModificationLevel::FormFilling);
    assert_eq!(s.indication, Indication::TotalFailed);
}

#[test]
fn unlisted_object_is_reported() {
    // An update that only refreshes the document information, and carries an object its
    // xref does not list (a repairing reader would see it).
    let f = fixtures();
    let mut pdf = f.signed.clone();
    pdf.extend_from_slice(
        b"77 0 obj\n<< /Type /Annot /Subtype /Square /Rect [0 0 300 144] >>\nendobj\n",
    );
    let info = b"<< /Producer (someone else) >>".to_vec();
    let pdf = append_update(&pdf, &[(40, info)]);
    let pdf = splice(
        &pdf,
        b"/Root 1 0 R /Prev",
        b"/Root 1 0 R /Info 40 0 R /Prev",
    );
    let report = validate(&pdf);
    assert!(
        report
            .anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::UnlistedObject && a.message.contains("77 0 R")),
        "{:#?}",
        report.anomalies
    );
    assert_eq!(
        signature(&report, "Sig1").indication,
        Indication::TotalPassed,
        "{report:#?}"
    );
    assert_eq!(
        signature(&report, "Sig1").modifications.level,
        ModificationLevel::ValidationData
    );
}

#[test]
fn prev_chain_out_of_file_order_fails() {
    // Two updates; the last startxref names the first one, whose /Prev points forward to
    // the second, whose /Prev points back to the signed revision: a hidden update.
    let f = fixtures();
    let signed_xref = last_startxref(&f.signed);
    let mut pdf = f.signed.clone();
    let update = |pdf: &mut Vec<u8>, num: u32, body: &str, prev_placeholder: &str| {
        let at = pdf.len();
        pdf.extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!(
                "xref\n0 1\n0000000000 65535 f \n{num} 1\n{at:010} 00000 n \ntrailer\n<< /Size 60 /Root 1 0 R /Prev {prev_placeholder} >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        xref
    };
    let first = update(&mut pdf, 50, "<< /Producer (a) >>", "PREV_A____");
    let second = update(&mut pdf, 51, "<< /Producer (b) >>", "PREV_B____");
    let pdf = splice(&pdf, b"PREV_A____", format!("{second:010}").as_bytes());
    let mut pdf = splice(&pdf, b"PREV_B____", format!("{signed_xref:010}").as_bytes());
    // The final startxref names the first update.
    let tail = pdf.windows(10).rposition(|w| w == b"startxref\n").unwrap();
    pdf.truncate(tail);
    pdf.extend_from_slice(format!("startxref\n{first}\n%%EOF\n").as_bytes());
    let report = validate(&pdf);
    assert!(
        report
            .anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::SectionOrder && a.severity == Severity::Fatal),
        "{:#?}",
        report.anomalies
    );
    assert_eq!(
        signature(&report, "Sig1").indication,
        Indication::TotalFailed
    );
}

/// A signature at the end of `minimal_pdf` (field 6, signature dictionary 7), its ByteRange
/// exact and its /Contents not a CMS: enough for the checks that do not depend on the CMS.
/// `reference` goes into the signature dictionary, `perms` into the catalog.
fn unsigned_signature(reference: &str, perms: &str) -> Vec<u8> {
    let placeholder = "[0000000000 0000000000 0000000000 0000000000]";
    let pdf = append_update(
        &pades_common::minimal_pdf(),
        &[
            (
                1,
                format!(
                    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /SigFlags 3 >> {perms} >>"
                )
                .into_bytes(),
            ),
            (
                6,
                b"<< /FT /Sig /T (Cert) /V 7 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >>".to_vec(),
            ),
            (
                7,
                format!(
                    "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached \
                     /ByteRange {placeholder} /Contents <303e{}> {reference} >>",
                    "5a".repeat(62)
                )
                .into_bytes(),
            ),
            (8, b"<< /Type /Sig >>".to_vec()),
        ],
    );
    let start = pdf.windows(10).rposition(|w| w == b"/Contents ").unwrap() + 10;
    let end = start + pdf[start..].iter().position(|&b| b == b'>').unwrap() + 1;
    let ranges = format!(
        "[{:010} {:010} {:010} {:010}]",
        0,
        start,
        end,
        pdf.len() - end
    );
    patch(&pdf, placeholder.as_bytes(), ranges.as_bytes())
}

#[test]
fn perms_must_name_the_certification_signature() {
    let doc_mdp = "/Reference [<< /Type /SigRef /TransformMethod /DocMDP \
                   /TransformParams << /Type /TransformParams /P 2 /V /1.2 >> >>]";
    let named = validate(&unsigned_signature(doc_mdp, "/Perms << /DocMDP 7 0 R >>"));
    let found = check(signature(&named, "Cert"), "Perms");
    assert!(found.starts_with("Passed"), "{found}");

    let missing = validate(&unsigned_signature(doc_mdp, ""));
    let found = check(signature(&missing, "Cert"), "Perms");
    assert!(
        found.starts_with("Failed") && found.contains("does not name"),
        "{found}"
    );

    let elsewhere = validate(&unsigned_signature(doc_mdp, "/Perms << /DocMDP 8 0 R >>"));
    let found = check(signature(&elsewhere, "Cert"), "Perms");
    assert!(
        found.starts_with("Failed") && found.contains("names 8 0 R"),
        "{found}"
    );

    // Named as certifying, without a DocMDP transform of its own.
    let claimed = validate(&unsigned_signature("", "/Perms << /DocMDP 7 0 R >>"));
    let found = check(signature(&claimed, "Cert"), "Perms");
    assert!(
        found.starts_with("Failed") && found.contains("no DocMDP"),
        "{found}"
    );

    // Neither certifies nor is named: nothing to say.
    let plain = validate(&unsigned_signature("", ""));
    let cert = signature(&plain, "Cert");
    assert!(
        cert.checks.iter().all(|c| c.check != "Perms"),
        "{:#?}",
        cert.checks
    );
    // The coverage is exact, so the revision is known and only the CMS fails.
    assert_eq!(cert.coverage, Coverage::EntireFile, "{:#?}", cert.checks);
}
