//! Handwritten captures named by archive reference: read back re-hashed, checked for their
//! kind, and refused when altered or swapped on disk.

#![allow(clippy::unwrap_used)]

use archive::{Archive, Description};
use signer::pades::{CAPTURE_KIND, CaptureError, load_capture};

const PEN: &[u8] = br#"{"width": 100, "height": 40, "strokes": [[{"x": 10, "y": 30, "pressure": 0.5}, {"x": 90, "y": 5, "pressure": 0.9}]]}"#;

fn put(archive: &Archive, kind: &str, bytes: &[u8]) -> String {
    let description = Description {
        kind: Some(kind.to_owned()),
        ..Description::default()
    };
    let index = archive.append(&mut &bytes[..], &description, None).unwrap();
    archive.entry(index).unwrap().blake3
}

#[test]
fn captures_are_found_checked_and_refused_when_altered() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open_with(dir.path(), None).unwrap();
    let capture = put(&archive, CAPTURE_KIND, PEN);
    // The same pen data archived again as another kind: by index, that entry is no capture.
    put(&archive, "scan", PEN);
    let not_pen = put(&archive, CAPTURE_KIND, b"{\"width\": 1}");

    // By digest and by index alike.
    let pen = load_capture(&archive, &capture).unwrap();
    assert_eq!((pen.width, pen.height, pen.strokes.len()), (100, 40, 1));
    assert!(load_capture(&archive, "0").is_ok());

    let refused = |reference: &str| load_capture(&archive, reference).unwrap_err();
    assert!(matches!(
        refused("1"),
        CaptureError::NotACapture { index: 1, .. }
    ));
    assert!(matches!(
        refused(&not_pen),
        CaptureError::NotPenData { index: 2, .. }
    ));
    assert!(matches!(refused("7"), CaptureError::NotFound(_)));
    assert!(matches!(
        refused(&"b".repeat(64)),
        CaptureError::NotFound(_)
    ));
    assert!(matches!(
        refused("yesterday"),
        CaptureError::BadReference(_)
    ));

    // A blob grown on disk is refused (and read no further than its entry's size).
    let blob = dir
        .path()
        .join("blobs")
        .join(&capture[..2])
        .join(&capture[2..]);
    std::fs::set_permissions(&blob, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let mut grown = PEN.to_vec();
    grown.extend(std::iter::repeat_n(b' ', 1 << 20));
    std::fs::write(&blob, &grown).unwrap();
    let error = refused(&capture);
    assert!(matches!(error, CaptureError::Archive(_)), "{error}");
}
