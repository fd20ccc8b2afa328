//! PDF signing through `dalel sign pdf` and `POST /v1/sign/pdf`: the signed files validate
//! in poppler's `pdfsig` and in pyHanko with the station's development root trusted, and the
//! visible signature is drawn where it was asked to be and nowhere else.

use std::path::Path;
use std::process::Command;

use tests::DalelServer;
use tests::pdf::{minimal_pdf, pdf_with_boxes};

use super::signing::{agent, dalel, ok};

/// `pdfsig` says each of `count` signatures is valid.
fn assert_pdfsig(path: &Path, count: usize) {
    let out = Command::new("pdfsig").arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("Signature Validation: Signature is Valid.")
            .count(),
        count,
        "{text}"
    );
}

/// pyHanko judges every signature valid, trusted and intact, with `root` trusted.
fn assert_pyhanko(path: &Path, root: &Path) {
    let pyhanko = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/pyhanko");
    assert!(pyhanko.exists(), "pyHanko is missing: run scripts/setup");
    let out = Command::new(pyhanko)
        .args([
            "sign",
            "validate",
            "--no-revocation-check",
            "--pretty-print",
        ])
        .args(["--trust-replace", "--trust"])
        .arg(root)
        .arg(path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("The signature is judged VALID"), "{text}");
    assert!(!text.contains("INVALID"), "{text}");
}

/// Renders page 1 at 72 dpi (one pixel per point).
fn render(path: &Path, dir: &Path, stem: &str) -> image::RgbImage {
    let prefix = dir.join(stem);
    let out = Command::new("pdftoppm")
        .args(["-r", "72", "-png", "-singlefile"])
        .arg(path)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    image::open(prefix.with_extension("png")).unwrap().to_rgb8()
}

/// The bounding box (x1, y1, x2, y2 in pixels from the top left) of the pixels that differ.
fn changed_box(before: &image::RgbImage, after: &image::RgbImage) -> Option<(u32, u32, u32, u32)> {
    let mut found: Option<(u32, u32, u32, u32)> = None;
    for (x, y, pixel) in after.enumerate_pixels() {
        if before.get_pixel(x, y) != pixel {
            found = Some(match found {
                None => (x, y, x, y),
                Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
            });
        }
    }
    found
}

#[test]
fn dalel_sign_pdf_draws_the_signature_where_asked_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("protocol.pdf");
    std::fs::write(&input, minimal_pdf()).unwrap();
    let pen = dir.path().join("pen.json");
    std::fs::write(
        &pen,
        r#"{"width": 1000, "height": 400, "strokes": [[{"x": 100, "y": 300, "pressure": 0.6}, {"x": 400, "y": 80, "pressure": 0.9}, {"x": 900, "y": 320, "pressure": 0.5}]]}"#,
    )
    .unwrap();
    let output = dir.path().join("protocol.signed.pdf");
    // The rectangle in points from the bottom left of the A4 page (595 x 842).
    let rect = [300.0, 100.0, 520.0, 190.0];
    let printed = ok(dalel(&data)
        .args([
            "sign",
            "pdf",
            "--level",
            "B-T",
            "--page",
            "1",
            "--rect",
            "300,100,520,190",
            "--line",
            "Әбілқасым Ұлықбек",
            "--line",
            "тергеуші",
            "--line",
            "ЖСН 900101300123",
            "--reason",
            "Жауап алу хаттамасы",
            "--certify",
            "2",
        ])
        .arg("--handwriting")
        .arg(&pen)
        .arg(&input)
        .arg("-o")
        .arg(&output));
    assert!(printed.contains("\"field\":\"Signature1\""), "{printed}");

    assert_pdfsig(&output, 1);
    assert_pyhanko(&output, &data.join("pki/root.pem"));
    let (code, report) = super::signing::dalel_verify(
        &output,
        None,
        &data.join("pki/root.pem"),
        &[Path::new("--crl"), &data.join("pki/root.crl")],
    );
    assert_eq!(code, 0, "{report}");

    let before = render(&input, dir.path(), "before");
    let after = render(&output, dir.path(), "after");
    let (x1, y1, x2, y2) = changed_box(&before, &after).expect("the signature drew nothing");
    let height = after.height() as f32;
    // Pixels changed only inside the rectangle (y flips: PDF's origin is bottom left)...
    assert!(
        x1 as f32 >= rect[0] - 1.0 && x2 as f32 <= rect[2] + 1.0,
        "{:?}",
        (x1, x2)
    );
    assert!(
        y1 as f32 >= height - rect[3] - 1.0 && y2 as f32 <= height - rect[1] + 1.0,
        "{:?}",
        (y1, y2)
    );
    // ... and over much of it: text below, handwriting above.
    assert!(
        (x2 - x1) as f32 > (rect[2] - rect[0]) * 0.5,
        "{:?}",
        (x1, x2)
    );
    assert!(
        (y2 - y1) as f32 > (rect[3] - rect[1]) * 0.5,
        "{:?}",
        (y1, y2)
    );

    // The appearance's text is real text, Kazakh letters included.
    let text = Command::new("pdftotext")
        .arg(&output)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Әбілқасым Ұлықбек") && text.contains("ЖСН 900101300123"),
        "{text}"
    );
}

/// `POST /v1/sign/pdf` with the multipart `parts`: status, content type and body.
fn post_sign_pdf(
    agent: &ureq::Agent,
    server: &DalelServer,
    parts: &[(&str, &[u8])],
) -> (u16, Option<String>, Vec<u8>) {
    let (content_type, body) = super::signing::multipart(parts);
    let mut response = agent
        .post(&server.url("/v1/sign/pdf"))
        .header("Authorization", &server.bearer())
        .header("Content-Type", &content_type)
        .send(&body[..])
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        content_type,
        response.body_mut().read_to_vec().unwrap(),
    )
}

#[test]
fn sign_pdf_over_http_fills_the_next_box_and_reports_errors() {
    let server = DalelServer::start(&[]);
    let agent = agent();
    let post = |parts: &[(&str, &[u8])]| post_sign_pdf(&agent, &server, parts);
    let mut pdf = pdf_with_boxes(2);
    for (i, name) in ["Әбілқасым Ұлықбек", "Айгүл Серікқызы"].iter().enumerate()
    {
        let (status, content_type, body) = post(&[
            ("pdf", &pdf),
            ("next_free", b"true"),
            ("level", b"B-T"),
            ("line", name.as_bytes()),
            ("line", "куә".as_bytes()),
        ]);
        assert_eq!(status, 200, "{i}: {}", String::from_utf8_lossy(&body));
        assert_eq!(content_type.as_deref(), Some("application/pdf"));
        assert!(
            body.starts_with(&pdf),
            "the original bytes must be kept as they were"
        );
        pdf = body;
    }
    let path = server.scratch().join("two.pdf");
    std::fs::write(&path, &pdf).unwrap();
    assert_pdfsig(&path, 2);
    assert_pyhanko(&path, &server.data_dir().join("pki/root.pem"));

    // No box left; a page that does not exist; not a PDF.
    for (parts, needle) in [
        (
            vec![("pdf", &pdf[..]), ("next_free", &b"true"[..])],
            "no free signature box",
        ),
        (
            vec![
                ("pdf", &minimal_pdf()[..]),
                ("page", b"5"),
                ("rect", b"10,10,100,60"),
                ("line", b"x"),
            ],
            "no page 5",
        ),
        (vec![("pdf", &b"not a pdf"[..])], "not a usable PDF"),
    ] {
        let owned: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, v)| (*n, v.to_vec())).collect();
        let refs: Vec<(&str, &[u8])> = owned.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        let (status, _, body) = post(&refs);
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, 400, "{text}");
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

/// Pen data archived with `kind=handwriting` is drawn by reference exactly as the same pen
/// data sent inline; a reference to anything else, or to a capture altered on disk, is
/// refused.
#[test]
fn a_capture_archived_over_http_is_drawn_by_reference() {
    let server = DalelServer::start(&[]);
    let agent = agent();
    let pen = br#"{"width": 1000, "height": 400, "strokes": [[{"x": 100, "y": 300, "pressure": 0.6}, {"x": 400, "y": 80, "pressure": 0.9}, {"x": 900, "y": 320, "pressure": 0.5}]]}"#;
    let archive = |kind: &str, body: &[u8]| -> String {
        let mut response = agent
            .post(&server.url(&format!("/v1/archive?kind={kind}")))
            .header("Authorization", &server.bearer())
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        assert_eq!(response.status(), 201);
        let receipt: serde_json::Value = response.body_mut().read_json().unwrap();
        receipt["entry"]["blake3"].as_str().unwrap().to_owned()
    };
    let capture = archive("handwriting", pen);
    let scan = archive("scan", b"{}");
    let post = |parts: &[(&str, &[u8])]| {
        let (status, _, body) = post_sign_pdf(&agent, &server, parts);
        (status, body)
    };
    let pdf = minimal_pdf();
    let placed: [(&str, &[u8]); 3] = [("pdf", &pdf), ("page", b"1"), ("rect", b"300,100,520,190")];
    let with = |extra: (&str, &[u8])| {
        let mut parts = placed.to_vec();
        parts.push(extra);
        post(&parts)
    };

    let (status, inline) = with(("handwriting", pen));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&inline));
    let (status, referenced) = with(("capture", capture.as_bytes()));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&referenced));
    let dir = server.scratch();
    let (inline_path, referenced_path) = (dir.join("inline.pdf"), dir.join("referenced.pdf"));
    std::fs::write(&inline_path, &inline).unwrap();
    std::fs::write(&referenced_path, &referenced).unwrap();
    assert_pdfsig(&referenced_path, 1);
    let inline_page = render(&inline_path, dir, "inline");
    assert!(changed_box(&render_unsigned(dir), &inline_page).is_some());
    assert!(
        inline_page == render(&referenced_path, dir, "referenced"),
        "the capture drew otherwise than the same pen data inline"
    );

    for (extra, status, needle) in [
        (
            ("capture", scan.as_bytes()),
            400,
            "not a handwritten capture",
        ),
        (("capture", &[b'a'; 64][..]), 404, "capture_not_found"),
        (("capture", &b"yesterday"[..]), 400, "not an archive index"),
    ] {
        let (got, body) = with(extra);
        let text = String::from_utf8_lossy(&body);
        assert_eq!(got, status, "{text}");
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let mut both = placed.to_vec();
    both.extend([("handwriting", &pen[..]), ("capture", capture.as_bytes())]);
    let (got, body) = post(&both);
    assert_eq!(got, 400, "{}", String::from_utf8_lossy(&body));

    // A capture altered on disk is re-hashed on the way out and refused.
    let blob = server
        .data_dir()
        .join("archive/blobs")
        .join(&capture[..2])
        .join(&capture[2..]);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[40] ^= 1;
    std::fs::set_permissions(&blob, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::write(&blob, &bytes).unwrap();
    let (got, body) = with(("capture", capture.as_bytes()));
    assert_eq!(got, 500, "{}", String::from_utf8_lossy(&body));
}

/// The unsigned `minimal_pdf`, rendered.
fn render_unsigned(dir: &Path) -> image::RgbImage {
    let path = dir.join("unsigned.pdf");
    std::fs::write(&path, minimal_pdf()).unwrap();
    render(&path, dir, "unsigned")
}
