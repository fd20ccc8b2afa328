//! What a signature signs: its `/Contents` located in the file, and its `/ByteRange`
//! checked to cover exactly one whole revision but that value (ISO 32000-1 §12.8.1,
//! ISO 32000-2 §12.8.1; ETSI EN 319 142-1 §5.1 b)).
//!
//! This is where universal signature forgery (no value, no byte range) and signature
//! wrapping (signed bytes that are not the ones around this dictionary's `/Contents`) are
//! caught: the gap must be exactly the `/Contents` string of *this* signature dictionary,
//! found by parsing the object the cross-reference data points at.

use std::ops::Range;

use super::report::Coverage;
use crate::pdf::{Dictionary, Object, ObjectId, ObjectLocation, PdfFile, id_text};
use crate::report::SubIndication;
use crate::validation::{CheckRecord, Verdict};

/// The signature value and the bytes its `/ByteRange` declares signed (within the file),
/// whether or not they cover what they should: the cryptographic check is still reported.
#[derive(Debug, Clone)]
pub(crate) struct Signed {
    /// The CMS (DER, without the zero padding).
    pub(crate) contents: Vec<u8>,
    /// The ranges, in `/ByteRange` order.
    pub(crate) ranges: Vec<Range<usize>>,
}

/// What the checks found.
#[derive(Debug, Clone)]
pub(crate) struct Covered {
    pub(crate) byte_range: Option<Vec<i64>>,
    pub(crate) coverage: Coverage,
    pub(crate) revision: Option<usize>,
    pub(crate) signed: Option<Signed>,
}

fn fail(checks: &mut Vec<CheckRecord>, verdict: &mut Verdict, check: &str, detail: String) {
    verdict.record(
        checks,
        CheckRecord::failed(check, detail, Some(SubIndication::FormatFailure)),
    );
}

/// Checks the signature dictionary `id` (whose latest version is `dict`).
pub(crate) fn check(
    file: &PdfFile<'_>,
    id: ObjectId,
    dict: &Dictionary,
    checks: &mut Vec<CheckRecord>,
    verdict: &mut Verdict,
) -> Covered {
    let mut covered = Covered {
        byte_range: None,
        coverage: Coverage::Unclear,
        revision: None,
        signed: None,
    };
    let latest = file.revisions().len() - 1;
    let ObjectLocation::InFile { offset, .. } = file.location(id.0, latest) else {
        fail(
            checks,
            verdict,
            "SignatureDictionary",
            format!(
                "{} is not stored uncompressed in the file, so its /Contents cannot be located",
                id_text(id)
            ),
        );
        return covered;
    };
    let parsed = match file.parse_at(offset, latest, true) {
        Ok(p) if p.id == id => p,
        Ok(p) => {
            fail(
                checks,
                verdict,
                "SignatureDictionary",
                format!(
                    "offset {offset} holds {}, not {}",
                    id_text(p.id),
                    id_text(id)
                ),
            );
            return covered;
        }
        Err(e) => {
            fail(checks, verdict, "SignatureDictionary", e.to_string());
            return covered;
        }
    };
    if dict.has_duplicate_keys() {
        fail(
            checks,
            verdict,
            "SignatureDictionary",
            "a key is written twice: readers may disagree about the signature".into(),
        );
        return covered;
    }
    verdict.record(
        checks,
        CheckRecord::passed(
            "SignatureDictionary",
            format!(
                "{} at bytes {}..{}",
                id_text(id),
                parsed.span.start,
                parsed.span.end
            ),
        ),
    );

    // /Contents: a hexadecimal string holding the DER signature, zero padded.
    let contents_span = parsed
        .entry_spans
        .iter()
        .rev()
        .find(|(k, _)| k == b"Contents")
        .map(|(_, span)| span.clone());
    let der = match (dict.get(b"Contents"), contents_span) {
        (Some(Object::HexString(value)), Some(span)) => match signature_value(value) {
            Ok(der) => Some((der, span)),
            Err(why) => {
                fail(checks, verdict, "Contents", why);
                None
            }
        },
        (Some(other), _) => {
            fail(
                checks,
                verdict,
                "Contents",
                format!("/Contents is a {}, not a hexadecimal string", other.kind()),
            );
            None
        }
        (None, _) => {
            fail(
                checks,
                verdict,
                "Contents",
                "there is no /Contents: no signature value".into(),
            );
            None
        }
    };

    // /ByteRange: [0 a b c], direct.
    let byte_range = match dict.get(b"ByteRange") {
        Some(Object::Array(items)) => items
            .iter()
            .map(Object::as_integer)
            .collect::<Option<Vec<i64>>>(),
        _ => None,
    };
    covered.byte_range.clone_from(&byte_range);
    let ranges = match (dict.get(b"ByteRange"), byte_range) {
        (None, _) => Err("there is no /ByteRange: nothing is signed".to_owned()),
        (Some(Object::Reference(r)), _) => Err(format!(
            "/ByteRange is an indirect object ({}), which the signature does not protect",
            id_text(*r)
        )),
        (Some(_), None) => Err("/ByteRange is not an array of integers".to_owned()),
        (Some(_), Some(br)) => ranges(&br, file.bytes().len()),
    };
    // The bytes as declared, for the cryptographic check even when the coverage fails (the
    // report then says what the signature signs and why that is not enough).
    let len = file.bytes().len();
    if let (Some((der, _)), Some(declared)) = (
        &der,
        covered
            .byte_range
            .as_deref()
            .and_then(|br| declared(br, len)),
    ) {
        covered.signed = Some(Signed {
            contents: der.clone(),
            ranges: declared,
        });
    }
    let (Some((_, contents_span)), Ok([first, second])) = (der, ranges.clone()) else {
        if let Err(why) = ranges {
            fail(checks, verdict, "ByteRange", why);
        }
        return covered;
    };
    verdict.record(
        checks,
        CheckRecord::passed("ByteRange", format!("bytes {first:?} and {second:?}")),
    );

    // The gap is exactly this dictionary's /Contents, delimiters included.
    if first.end != contents_span.start || second.start != contents_span.end {
        fail(
            checks,
            verdict,
            "Coverage",
            format!(
                "the unsigned gap is bytes {}..{}, but this signature's /Contents is at {}..{}: the signed bytes are not the ones around this signature",
                first.end, second.start, contents_span.start, contents_span.end
            ),
        );
        return covered;
    }
    let end = second.end;
    let revisions = file.revisions();
    let Some(revision) = revisions
        .iter()
        .position(|r| r.end == end || eof_marker_end(file, r.end) == end)
    else {
        covered.coverage = Coverage::ContiguousBlockFromStart;
        let next = revisions
            .iter()
            .find(|r| r.end > end)
            .map_or(file.bytes().len(), |r| r.end);
        fail(
            checks,
            verdict,
            "Coverage",
            format!(
                "the signed bytes end at {end}, which is not the end of a revision: {} bytes up to {next} are not signed",
                next.saturating_sub(end)
            ),
        );
        return covered;
    };
    if parsed.span.end > end {
        fail(
            checks,
            verdict,
            "Coverage",
            "the signature dictionary lies outside the signed revision".into(),
        );
        return covered;
    }
    let last = revision + 1 == revisions.len() && file.trailing_bytes().is_empty();
    covered.coverage = if last {
        Coverage::EntireFile
    } else {
        Coverage::EntireRevision
    };
    covered.revision = Some(revision);
    verdict.record(
        checks,
        CheckRecord::passed(
            "Coverage",
            if last {
                format!("the whole file but /Contents ({end} bytes, revision {})", revision + 1)
            } else {
                format!(
                    "the whole of revision {} of {} but /Contents ({end} bytes); later revisions follow",
                    revision + 1,
                    revisions.len()
                )
            },
        ),
    );
    covered
}

/// The ranges `/ByteRange` names, if they are pairs of offset and length within the file.
fn declared(br: &[i64], len: usize) -> Option<Vec<Range<usize>>> {
    if br.is_empty() || !br.len().is_multiple_of(2) || br.len() > 64 {
        return None;
    }
    br.chunks(2)
        .map(|pair| {
            let start = usize::try_from(pair[0]).ok()?;
            let end = start.checked_add(usize::try_from(pair[1]).ok()?)?;
            (end <= len).then_some(start..end)
        })
        .collect()
}

/// Where `%%EOF` itself ends, for a revision ending after it and its end-of-line marker.
fn eof_marker_end(file: &PdfFile<'_>, end: usize) -> usize {
    let bytes = file.bytes();
    let mut at = end;
    if at >= 1 && bytes.get(at - 1) == Some(&b'\n') {
        at -= 1;
    }
    if at >= 1 && bytes.get(at - 1) == Some(&b'\r') {
        at -= 1;
    }
    at
}

/// `[0 a b c]` with `0 < a <= b` and `b + c` within the file.
fn ranges(br: &[i64], len: usize) -> Result<[Range<usize>; 2], String> {
    let [start, a, b, c] = br else {
        return Err(format!(
            "/ByteRange has {} numbers, not 4: it does not describe the two ranges around the signature",
            br.len()
        ));
    };
    let numbers: Option<Vec<usize>> = [start, a, b, c]
        .iter()
        .map(|n| usize::try_from(**n).ok())
        .collect();
    let Some([start, a, b, c]) = numbers.as_deref().map(|n| [n[0], n[1], n[2], n[3]]) else {
        return Err("/ByteRange has a negative number".into());
    };
    if start != 0 {
        return Err(format!(
            "/ByteRange starts at {start}, not 0: the file's start is not signed"
        ));
    }
    if a == 0 || a > b {
        return Err(format!(
            "/ByteRange ranges 0..{a} and {b}.. overlap or are empty"
        ));
    }
    match b.checked_add(c) {
        Some(end) if end <= len => Ok([0..a, b..end]),
        _ => Err(format!("/ByteRange ends beyond the file's {len} bytes")),
    }
}

/// The DER signature in a `/Contents` value: the zero padding after it removed, nothing
/// else allowed after it.
fn signature_value(value: &[u8]) -> Result<Vec<u8>, String> {
    if value.iter().all(|&b| b == 0) {
        return Err("/Contents is empty or all zeros: no signature value".into());
    }
    let length = der_length(value).ok_or("/Contents does not begin with a DER SEQUENCE")?;
    if length > value.len() {
        return Err(format!(
            "the DER signature is {length} bytes, /Contents only {}",
            value.len()
        ));
    }
    if value[length..].iter().any(|&b| b != 0) {
        return Err("/Contents holds other data after the DER signature".into());
    }
    Ok(value[..length].to_vec())
}

/// The length of the DER TLV at the start of `bytes` (a SEQUENCE).
fn der_length(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&0x30) {
        return None;
    }
    let first = *bytes.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let len = bytes
        .get(2..2 + n)?
        .iter()
        .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
    len.checked_add(2 + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        assert!(ranges(&[0, 10, 20, 30], 50).is_ok());
        assert!(ranges(&[0, 10, 20, 30], 49).is_err());
        assert!(ranges(&[0, 10], 50).is_err());
        assert!(ranges(&[1, 10, 20, 30], 60).is_err());
        assert!(ranges(&[0, 30, 20, 30], 60).is_err());
        assert!(ranges(&[0, -1, 20, 30], 60).is_err());
        assert!(ranges(&[0, 10, i64::MAX, i64::MAX], 60).is_err());
    }

    #[test]
    fn values() {
        assert_eq!(
            signature_value(&[0x30, 2, 5, 6, 0, 0]),
            Ok(vec![0x30, 2, 5, 6])
        );
        assert!(signature_value(&[0; 8]).is_err());
        assert!(signature_value(&[]).is_err());
        assert!(signature_value(&[0x30, 2, 5, 6, 0, 1]).is_err());
        assert!(signature_value(&[0x30, 0x82, 0xff, 0xff]).is_err());
    }
}
