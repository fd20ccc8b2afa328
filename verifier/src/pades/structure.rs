//! The file structure around the revisions: what incremental-saving attacks and
//! cross-reference tricks leave behind (ISO 32000-1 §7.5.6; Mladenov et al., "Vulnerability
//! Analysis of PDF Signatures", 2019 — incremental saving and shadow attacks).
//!
//! Each revision's bytes are scanned for object headers (skipping stream data by its
//! length), and compared with what its cross-reference data lists: an entry must point at
//! the header of the object it lists, inside the revision's own bytes (or repeat an earlier
//! entry unchanged); one object must not be defined twice in one revision; bytes after the
//! last `%%EOF` are signed by nobody.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use memchr::memmem;

use super::report::{Anomaly, AnomalyKind, Severity};
use crate::pdf::{ObjectId, ObjectLocation, PdfFile, XrefEntry, id_text};
use crate::pdf::{is_delimiter as is_delimiter_byte, is_whitespace as is_whitespace_byte};

/// Failed parse attempts per revision before the scan gives up.
const MAX_FAILED_HEADERS: usize = 10_000;

/// An object header found in a revision's bytes.
struct Scanned {
    id: ObjectId,
    offset: usize,
    length_repaired: bool,
}

fn anomaly(
    severity: Severity,
    kind: AnomalyKind,
    revision: Option<usize>,
    offset: Option<usize>,
    message: String,
) -> Anomaly {
    Anomaly {
        severity,
        kind,
        revision,
        offset,
        message,
    }
}

/// Every structural anomaly of `file`.
pub(crate) fn check(file: &PdfFile<'_>) -> Vec<Anomaly> {
    let mut out = Vec::new();
    let bytes = file.bytes();
    let trailing = file.trailing_bytes();
    if !trailing.is_empty() {
        let blank = bytes[trailing.clone()]
            .iter()
            .all(|&b| is_whitespace_byte(b));
        out.push(anomaly(
            if blank {
                Severity::Warning
            } else {
                Severity::Fatal
            },
            AnomalyKind::TrailingBytes,
            None,
            Some(trailing.start),
            format!(
                "{} byte(s) after the last %%EOF{}, covered by no signature",
                trailing.len(),
                if blank { " (white space)" } else { "" }
            ),
        ));
    }
    if file.trailer().contains_key(b"Encrypt") {
        out.push(anomaly(
            Severity::Warning,
            AnomalyKind::Encrypted,
            None,
            None,
            "the file is encrypted; this verifier does not decrypt".into(),
        ));
    }
    let revisions = file.revisions();
    let linearized = memmem::find(&bytes[..bytes.len().min(1024)], b"/Linearized").is_some();
    for (k, revision) in revisions.iter().enumerate() {
        let start = if k == 0 { 0 } else { revisions[k - 1].end };
        if !revision.eof_found {
            out.push(anomaly(
                Severity::Warning,
                AnomalyKind::MissingEof,
                Some(k),
                Some(revision.end),
                format!("revision {} has no %%EOF marker", k + 1),
            ));
        }
        if revision.sections.len() > 1 && !(k == 0 && linearized) {
            out.push(anomaly(
                Severity::Fatal,
                AnomalyKind::SectionOrder,
                Some(k),
                usize::try_from(revision.xref_offset).ok(),
                format!(
                    "revision {}: the /Prev chain goes forward in the file (sections at {:?}): an update hidden between revisions",
                    k + 1,
                    revision.sections
                ),
            ));
        }
        if k > 0 && (revision.xref_start < start || revision.end <= start) {
            out.push(anomaly(
                Severity::Fatal,
                AnomalyKind::RevisionOrder,
                Some(k),
                Some(revision.xref_start),
                format!(
                    "revision {}'s cross-reference data (at {}) does not follow the end of revision {k} (at {start}): the /Prev chain does not match the file's order",
                    k + 1,
                    revision.xref_start
                ),
            ));
        }
        if !revision.conflicting_entries.is_empty() {
            out.push(anomaly(
                Severity::Fatal,
                AnomalyKind::ConflictingXrefEntries,
                Some(k),
                usize::try_from(revision.xref_offset).ok(),
                format!(
                    "revision {} lists objects {:?} twice with different entries",
                    k + 1,
                    revision.conflicting_entries
                ),
            ));
        }
        body(file, k, start..revision.end.max(start), &mut out);
    }
    out
}

/// Checks revision `k`'s bytes against its cross-reference entries.
fn body(file: &PdfFile<'_>, k: usize, range: Range<usize>, out: &mut Vec<Anomaly>) {
    let revision = &file.revisions()[k];
    let (scanned, complete) = scan(file, k, range.clone());
    if !complete {
        out.push(anomaly(
            Severity::Warning,
            AnomalyKind::UnlistedObject,
            Some(k),
            Some(range.start),
            format!(
                "revision {}: too many malformed object headers; the scan stopped",
                k + 1
            ),
        ));
    }
    let mut headers: BTreeMap<usize, ObjectId> = BTreeMap::new();
    let mut defined: BTreeMap<ObjectId, Vec<usize>> = BTreeMap::new();
    for s in &scanned {
        headers.insert(s.offset, s.id);
        defined.entry(s.id).or_default().push(s.offset);
        if s.length_repaired {
            out.push(anomaly(
                Severity::Warning,
                AnomalyKind::StreamLength,
                Some(k),
                Some(s.offset),
                format!(
                    "{}: the stream's /Length is wrong; readers may disagree about its data",
                    id_text(s.id)
                ),
            ));
        }
    }
    for (id, offsets) in &defined {
        if offsets.len() > 1 {
            out.push(anomaly(
                Severity::Fatal,
                AnomalyKind::DuplicateObject,
                Some(k),
                offsets.get(1).copied(),
                format!(
                    "revision {} defines {} {} times (at {offsets:?}): readers may use different ones",
                    k + 1,
                    id_text(*id),
                    offsets.len()
                ),
            ));
        }
    }
    let mut listed: HashSet<(ObjectId, usize)> = HashSet::new();
    for (&num, entry) in &revision.entries {
        if num == 0 {
            continue;
        }
        let repeated = k > 0 && {
            let before = file.location(num, k - 1);
            match (*entry, before) {
                (
                    XrefEntry::InUse { offset, generation },
                    ObjectLocation::InFile {
                        offset: o,
                        generation: g,
                        ..
                    },
                ) => o as u64 == offset && g == generation,
                (
                    XrefEntry::Compressed { stream, index },
                    ObjectLocation::InObjectStream {
                        stream: s,
                        index: i,
                        ..
                    },
                ) => s == stream && i == index,
                _ => false,
            }
        };
        match *entry {
            XrefEntry::InUse { offset, generation } => {
                let id = (num, generation);
                let Ok(offset) = usize::try_from(offset) else {
                    continue;
                };
                listed.insert((id, offset));
                if repeated {
                    continue;
                }
                let problem = if offset >= file.bytes().len() {
                    Some(format!("points at {offset}, outside the file"))
                } else if !range.contains(&offset) {
                    Some(format!(
                        "points at {offset}, outside this revision's bytes {}..{}: it redefines the object without a body in this revision",
                        range.start, range.end
                    ))
                } else {
                    match headers.get(&offset) {
                        Some(found) if *found == id => None,
                        Some(found) => Some(format!(
                            "points at {offset}, where {} begins",
                            id_text(*found)
                        )),
                        None => Some(format!(
                            "points at {offset}, which is not the start of an object (inside another one?)"
                        )),
                    }
                };
                if let Some(problem) = problem {
                    out.push(anomaly(
                        Severity::Fatal,
                        AnomalyKind::XrefEntry,
                        Some(k),
                        Some(offset),
                        format!(
                            "revision {}: the entry for {} {problem}",
                            k + 1,
                            id_text(id)
                        ),
                    ));
                }
            }
            XrefEntry::Compressed { stream, .. } if !repeated => {
                let defined_here = matches!(
                    file.location(stream, k),
                    ObjectLocation::InFile { offset, .. } if range.contains(&offset)
                );
                if !defined_here {
                    out.push(anomaly(
                        Severity::Fatal,
                        AnomalyKind::XrefEntry,
                        Some(k),
                        None,
                        format!(
                            "revision {}: the entry for {} points into object stream {stream}, which this revision does not define",
                            k + 1,
                            id_text((num, 0))
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    for s in &scanned {
        if !listed.contains(&(s.id, s.offset)) && !revision.xref_streams.contains(&s.id) {
            out.push(anomaly(
                Severity::Warning,
                AnomalyKind::UnlistedObject,
                Some(k),
                Some(s.offset),
                format!(
                    "revision {} holds {} at {} that its cross-reference data does not list (invisible to conforming readers, used by repairing ones)",
                    k + 1,
                    id_text(s.id),
                    s.offset
                ),
            ));
        }
    }
}

/// The object headers in `range`, each object parsed to skip its body; whether the scan
/// went to the end.
fn scan(file: &PdfFile<'_>, k: usize, range: Range<usize>) -> (Vec<Scanned>, bool) {
    let bytes = file.bytes();
    let finder = memmem::Finder::new(b"obj");
    let mut out = Vec::new();
    let mut failures = 0;
    let mut pos = range.start;
    while pos < range.end {
        let Some(found) = finder.find(&bytes[pos..range.end]) else {
            break;
        };
        let at = pos + found;
        pos = at + 3;
        let Some(start) = header_start(bytes, range.start, at) else {
            continue;
        };
        match file.parse_at(start, k, false) {
            Ok(parsed) => {
                out.push(Scanned {
                    id: parsed.id,
                    offset: start,
                    length_repaired: parsed
                        .object
                        .as_stream()
                        .is_some_and(|s| s.length_repaired()),
                });
                pos = pos.max(parsed.span.end);
            }
            Err(crate::pdf::PdfError::WorkBudget { .. }) => return (out, false),
            Err(_) => {
                failures += 1;
                if failures > MAX_FAILED_HEADERS {
                    return (out, false);
                }
            }
        }
    }
    (out, true)
}

/// Where the `n g obj` header whose `obj` keyword is at `at` starts, if it is one.
fn header_start(bytes: &[u8], floor: usize, at: usize) -> Option<usize> {
    if bytes
        .get(at + 3)
        .is_some_and(|&b| !is_whitespace_byte(b) && !is_delimiter_byte(b))
    {
        return None;
    }
    let mut p = at;
    let skip_space = |p: &mut usize| {
        let before = *p;
        while *p > floor && is_whitespace_byte(bytes[*p - 1]) {
            *p -= 1;
        }
        *p < before
    };
    let skip_digits = |p: &mut usize| {
        let before = *p;
        while *p > floor && bytes[*p - 1].is_ascii_digit() {
            *p -= 1;
        }
        *p < before
    };
    if !(skip_space(&mut p) && skip_digits(&mut p) && skip_space(&mut p) && skip_digits(&mut p)) {
        return None;
    }
    if p > floor && !is_whitespace_byte(bytes[p - 1]) && !is_delimiter_byte(bytes[p - 1]) {
        return None;
    }
    Some(p)
}
