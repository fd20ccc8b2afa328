//! Cross-reference sections (ISO 32000-1 §7.5.4 tables, §7.5.8 streams, §7.5.8.4 hybrid
//! files), trailers (§7.5.5) and the revisions of incremental updates (§7.5.6).

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::AtomicUsize;

use memchr::memmem;

use super::error::PdfError;
use super::filter;
use super::indirect::{self, Context};
use super::lexer::{is_whitespace, keyword_at, skip_eol, skip_ws, unsigned_at};
use super::object::{Dictionary, Object};
use super::parser::Parser;
use super::{Limits, ObjectId};

/// One cross-reference entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefEntry {
    /// A free entry (`f`, or type 0).
    Free {
        /// The next free object number.
        next: u64,
        /// The generation to use if the number is reused.
        generation: u16,
    },
    /// An object stored in the file (`n`, or type 1).
    InUse {
        /// The byte offset of its `n g obj` header.
        offset: u64,
        /// Its generation.
        generation: u16,
    },
    /// An object stored in an object stream (type 2, ISO 32000-1 §7.5.8.3).
    Compressed {
        /// The object stream's number.
        stream: u32,
        /// The object's index in it.
        index: u32,
    },
}

/// How a revision's cross-reference data is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum XrefKind {
    /// A classic `xref` table (ISO 32000-1 §7.5.4).
    Table,
    /// A cross-reference stream (§7.5.8).
    Stream,
    /// A table whose trailer names a cross-reference stream with `/XRefStm` (§7.5.8.4).
    Hybrid,
}

/// One revision: the original document or one incremental update (ISO 32000-1 §7.5.6).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Revision {
    /// The offset just after this revision's `%%EOF` line (its end-of-line marker
    /// included), or after its cross-reference data when `%%EOF` is missing.
    pub end: usize,
    /// The offset of its cross-reference section (the one the `/Prev` chain names).
    pub xref_offset: u64,
    /// Its trailer (the cross-reference stream's dictionary for a stream).
    pub trailer: Dictionary,
    /// The entries its cross-reference data lists.
    pub entries: BTreeMap<u32, XrefEntry>,
    /// How its cross-reference data is written.
    pub xref_kind: XrefKind,
    /// The offsets of every cross-reference section read into this revision, in `/Prev`
    /// chain order. More than one only when a section's `/Prev` points forward in the file,
    /// as in a linearized file's first revision (ISO 32000-1 Annex F); anywhere else that
    /// is a sign of manipulation.
    pub sections: Vec<u64>,
    /// The cross-reference streams of this revision (its own, and a hybrid `/XRefStm`).
    pub xref_streams: Vec<ObjectId>,
    /// Object numbers listed more than once in this revision's cross-reference data with
    /// different entries (the first is used).
    pub conflicting_entries: Vec<u32>,
    /// Whether a `%%EOF` marker ends it.
    pub eof_found: bool,
    /// Where its cross-reference data starts: its body lies before this offset.
    pub xref_start: usize,
}

/// One section of the `/Prev` chain.
struct Section {
    offset: u64,
    kind: XrefKind,
    trailer: Dictionary,
    entries: BTreeMap<u32, XrefEntry>,
    streams: Vec<ObjectId>,
    conflicts: Vec<u32>,
    end: usize,
    eof_end: Option<usize>,
}

/// Reads every section of the `/Prev` chain from `startxref` and groups them into
/// revisions, oldest first.
pub(crate) fn read_revisions(
    bytes: &[u8],
    startxref: u64,
    limits: &Limits,
    scanned: &AtomicUsize,
) -> Result<Vec<Revision>, PdfError> {
    let mut seen = HashSet::new();
    let mut chain: Vec<Section> = Vec::new();
    let mut budget = limits.max_objects;
    let mut next = Some(startxref);
    while let Some(offset) = next {
        if !seen.insert(offset) {
            return Err(PdfError::PrevLoop { offset });
        }
        if chain.len() >= limits.max_revisions {
            return Err(PdfError::TooManyRevisions {
                limit: limits.max_revisions,
            });
        }
        let section = read_section(bytes, offset, limits, scanned, &mut budget)?;
        next = match section.trailer.get(b"Prev") {
            None => None,
            Some(Object::Integer(prev)) => Some(
                u64::try_from(*prev)
                    .map_err(|_| PdfError::xref(offset, format!("negative /Prev {prev}")))?,
            ),
            Some(other) => {
                return Err(PdfError::xref(
                    offset,
                    format!("/Prev is a {}, not an integer", other.kind()),
                ));
            }
        };
        chain.push(section);
    }
    Ok(group(chain))
}

/// Groups the chain (newest first) into revisions (oldest first): a section whose `/Prev`
/// points forward in the file belongs to the same revision as the section naming it.
fn group(chain: Vec<Section>) -> Vec<Revision> {
    let mut groups: Vec<Vec<Section>> = Vec::new();
    for section in chain {
        match groups.last_mut() {
            Some(group)
                if group
                    .last()
                    .is_some_and(|newer| section.offset > newer.offset) =>
            {
                group.push(section);
            }
            _ => groups.push(vec![section]),
        }
    }
    groups.reverse();
    groups.into_iter().filter_map(revision).collect()
}

fn revision(sections: Vec<Section>) -> Option<Revision> {
    let first = sections.first()?;
    let eof_end = sections.iter().filter_map(|s| s.eof_end).max();
    let end = eof_end.unwrap_or_else(|| sections.iter().map(|s| s.end).max().unwrap_or(0));
    let mut entries = BTreeMap::new();
    let mut conflicting_entries = Vec::new();
    let mut xref_streams = Vec::new();
    for section in &sections {
        for (&num, &entry) in &section.entries {
            entries.entry(num).or_insert(entry);
        }
        conflicting_entries.extend(&section.conflicts);
        xref_streams.extend(&section.streams);
    }
    Some(Revision {
        end,
        xref_offset: first.offset,
        trailer: first.trailer.clone(),
        xref_kind: first.kind,
        sections: sections.iter().map(|s| s.offset).collect(),
        xref_start: sections
            .iter()
            .map(|s| usize::try_from(s.offset).unwrap_or(usize::MAX))
            .min()
            .unwrap_or(0),
        entries,
        xref_streams,
        conflicting_entries,
        eof_found: eof_end.is_some(),
    })
}

/// `offset` as a position inside `bytes`, or the error naming `what` was looked for there.
fn offset_in(bytes: &[u8], offset: u64, what: &'static str) -> Result<usize, PdfError> {
    usize::try_from(offset)
        .ok()
        .filter(|&p| p < bytes.len())
        .ok_or(PdfError::OutOfBounds {
            offset,
            len: bytes.len(),
            what,
        })
}

fn read_section(
    bytes: &[u8],
    offset: u64,
    limits: &Limits,
    scanned: &AtomicUsize,
    budget: &mut usize,
) -> Result<Section, PdfError> {
    let pos = offset_in(bytes, offset, "cross-reference section")?;
    let pos = skip_ws(bytes, pos);
    let mut section = if keyword_at(bytes, pos, b"xref") {
        read_table(bytes, offset, pos + 4, limits, budget)?
    } else {
        read_stream(bytes, offset, limits, scanned, budget)?
    };
    if section.kind == XrefKind::Table
        && let Some(hybrid) = section.trailer.get(b"XRefStm")
    {
        let at = hybrid
            .as_integer()
            .and_then(|o| u64::try_from(o).ok())
            .ok_or_else(|| PdfError::xref(offset, "/XRefStm is not an offset"))?;
        let stream = read_stream(bytes, at, limits, scanned, budget)?;
        // Entries of the table win; the stream adds the objects the table omits
        // (ISO 32000-1 §7.5.8.4).
        for (num, entry) in stream.entries {
            section.entries.entry(num).or_insert(entry);
        }
        section.streams.extend(stream.streams);
        section.kind = XrefKind::Hybrid;
    }
    section.eof_end = eof_after(bytes, section.end);
    Ok(section)
}

/// After a section's trailer: `startxref n %%EOF` and an end-of-line marker. The position
/// after them, if `%%EOF` follows within 1024 bytes.
fn eof_after(bytes: &[u8], end: usize) -> Option<usize> {
    let window = bytes.get(end..bytes.len().min(end.saturating_add(1024)))?;
    let found = memmem::find(window, b"%%EOF")?;
    // Only white space, `startxref` and its number may come between.
    let between = &window[..found];
    let mut p = skip_white(between, 0);
    if keyword_at(between, p, b"startxref") {
        p = skip_white(between, p + 9);
        if let Some((_, after)) = unsigned_at(between, p) {
            p = skip_white(between, after);
        }
    }
    if p != between.len() {
        return None;
    }
    Some(skip_eol(bytes, end + found + 5))
}

fn skip_white(data: &[u8], mut pos: usize) -> usize {
    while data.get(pos).is_some_and(|&b| is_whitespace(b)) {
        pos += 1;
    }
    pos
}

fn take(budget: &mut usize, count: u64, limits: &Limits) -> Result<(), PdfError> {
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    *budget = budget.checked_sub(count).ok_or(PdfError::TooManyObjects {
        limit: limits.max_objects,
    })?;
    Ok(())
}

fn insert(section: &mut Section, num: u32, entry: XrefEntry) {
    match section.entries.get(&num) {
        None => {
            section.entries.insert(num, entry);
        }
        Some(existing) if *existing != entry => section.conflicts.push(num),
        Some(_) => {}
    }
}

/// A classic table (ISO 32000-1 §7.5.4): subsections of 20-byte entries, then `trailer`.
/// Entries are read as tokens, so writers' variations of the line endings are accepted.
fn read_table(
    bytes: &[u8],
    offset: u64,
    mut pos: usize,
    limits: &Limits,
    budget: &mut usize,
) -> Result<Section, PdfError> {
    let mut section = Section {
        offset,
        kind: XrefKind::Table,
        trailer: Dictionary::new(),
        entries: BTreeMap::new(),
        streams: Vec::new(),
        conflicts: Vec::new(),
        end: 0,
        eof_end: None,
    };
    let bad = |message: &str| PdfError::xref(offset, message.to_owned());
    loop {
        pos = skip_ws(bytes, pos);
        if keyword_at(bytes, pos, b"trailer") {
            pos += 7;
            break;
        }
        let (first, after) =
            unsigned_at(bytes, pos).ok_or_else(|| bad("expected a subsection or trailer"))?;
        let (count, after) = unsigned_at(bytes, skip_ws(bytes, after))
            .ok_or_else(|| bad("expected a subsection's entry count"))?;
        pos = after;
        // Each entry takes at least 18 bytes: fail fast on absurd counts.
        if count > (bytes.len() - pos.min(bytes.len())) as u64 / 18 + 1
            || first.saturating_add(count) > u64::from(u32::MAX) + 1
        {
            return Err(bad(&format!(
                "subsection {first} {count} does not fit in the file"
            )));
        }
        take(budget, count, limits)?;
        for i in 0..count {
            let num = u32::try_from(first + i).map_err(|_| bad("object number out of range"))?;
            let (field1, after) = unsigned_at(bytes, skip_ws(bytes, pos))
                .ok_or_else(|| bad(&format!("entry for object {num} is malformed")))?;
            let (field2, after) = unsigned_at(bytes, skip_ws(bytes, after))
                .ok_or_else(|| bad(&format!("entry for object {num} is malformed")))?;
            let kind_pos = skip_ws(bytes, after);
            let generation = u16::try_from(field2)
                .map_err(|_| bad(&format!("generation of object {num} out of range")))?;
            let entry = match bytes.get(kind_pos) {
                Some(b'n') => XrefEntry::InUse {
                    offset: field1,
                    generation,
                },
                Some(b'f') => XrefEntry::Free {
                    next: field1,
                    generation,
                },
                _ => return Err(bad(&format!("entry for object {num} is neither n nor f"))),
            };
            pos = kind_pos + 1;
            insert(&mut section, num, entry);
        }
    }
    let mut parser = Parser::new(bytes, pos, 0, limits);
    match parser.value()? {
        Object::Dictionary(trailer) => section.trailer = trailer,
        other => {
            return Err(bad(&format!(
                "the trailer is a {}, not a dictionary",
                other.kind()
            )));
        }
    }
    section.end = parser.pos();
    Ok(section)
}

/// A cross-reference stream (ISO 32000-1 §7.5.8): its dictionary is the trailer.
fn read_stream(
    bytes: &[u8],
    offset: u64,
    limits: &Limits,
    scanned: &AtomicUsize,
    budget: &mut usize,
) -> Result<Section, PdfError> {
    let pos = offset_in(bytes, offset, "cross-reference stream")?;
    let bad = |message: String| PdfError::xref(offset, message);
    // The dictionary of a cross-reference stream holds direct values only (§7.5.8.2).
    let no_references = |_| None;
    let ctx = Context {
        limits,
        length: &no_references,
        scanned,
        record_spans: false,
    };
    let object = indirect::read(bytes, pos, &ctx).map_err(|e| {
        bad(format!(
            "neither an xref table nor a cross-reference stream: {e}"
        ))
    })?;
    let Object::Stream(stream) = &object.object else {
        return Err(bad(format!(
            "object {} {} is not a stream",
            object.id.0, object.id.1
        )));
    };
    let dict = &stream.dict;
    if !dict.name_is(b"Type", b"XRef") {
        return Err(bad("the stream is not of /Type /XRef".into()));
    }
    let mut data = bytes.get(stream.data_span()).unwrap_or_default().to_vec();
    let filters = match dict.get(b"Filter") {
        None => Vec::new(),
        Some(Object::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
    };
    let params: Vec<Option<&Dictionary>> = match dict.get(b"DecodeParms") {
        Some(Object::Array(a)) => a.iter().map(Object::as_dict).collect(),
        Some(other) => vec![other.as_dict()],
        None => Vec::new(),
    };
    for (i, f) in filters.iter().enumerate() {
        let param = params.get(i).copied().flatten();
        data = filter::apply(f, param, &data, stream.data_span().start, limits)?;
    }
    let widths: Vec<usize> = dict
        .get(b"W")
        .and_then(Object::as_array)
        .map(|w| {
            w.iter()
                .map(|v| v.as_integer().and_then(|i| usize::try_from(i).ok()))
                .collect()
        })
        .and_then(|w: Option<Vec<usize>>| w)
        .filter(|w| w.len() == 3 && w.iter().all(|&n| n <= 8) && w.iter().sum::<usize>() > 0)
        .ok_or_else(|| bad("/W must be three field widths of 0 to 8 bytes".into()))?;
    let size = dict
        .get(b"Size")
        .and_then(Object::as_integer)
        .and_then(|s| u64::try_from(s).ok())
        .ok_or_else(|| bad("/Size is missing".into()))?;
    let index: Vec<u64> = match dict.get(b"Index") {
        None => vec![0, size],
        Some(Object::Array(a)) => a
            .iter()
            .map(|v| v.as_integer().and_then(|i| u64::try_from(i).ok()))
            .collect::<Option<Vec<u64>>>()
            .filter(|v| v.len() % 2 == 0)
            .ok_or_else(|| bad("/Index must be pairs of non-negative integers".into()))?,
        Some(_) => return Err(bad("/Index is not an array".into())),
    };
    let row: usize = widths.iter().sum();
    let rows = data.len() / row;
    let listed: u64 = index.chunks(2).map(|p| p[1]).fold(0, u64::saturating_add);
    if listed > rows as u64 {
        return Err(bad(format!(
            "/Index lists {listed} entries, the data holds {rows}"
        )));
    }
    take(budget, listed, limits)?;
    let mut section = Section {
        offset,
        kind: XrefKind::Stream,
        trailer: dict.clone(),
        entries: BTreeMap::new(),
        streams: vec![object.id],
        conflicts: Vec::new(),
        end: object.span.end,
        eof_end: None,
    };
    let mut fields = data.chunks_exact(row);
    for pair in index.chunks(2) {
        for i in 0..pair[1] {
            let Some(fields) = fields.next() else { break };
            let num =
                u32::try_from(pair[0] + i).map_err(|_| bad("object number out of range".into()))?;
            let (a, rest) = fields.split_at(widths[0]);
            let (b, c) = rest.split_at(widths[1]);
            let kind = if widths[0] == 0 { 1 } else { be(a) };
            let (b, c) = (be(b), be(c));
            let entry = match kind {
                0 => XrefEntry::Free {
                    next: b,
                    generation: u16::try_from(c).unwrap_or(u16::MAX),
                },
                1 => XrefEntry::InUse {
                    offset: b,
                    generation: u16::try_from(c)
                        .map_err(|_| bad(format!("generation of object {num} out of range")))?,
                },
                2 => XrefEntry::Compressed {
                    stream: u32::try_from(b)
                        .map_err(|_| bad(format!("object stream of object {num} out of range")))?,
                    index: u32::try_from(c)
                        .map_err(|_| bad(format!("index of object {num} out of range")))?,
                },
                // Other types are references to the null object (ISO 32000-1 §7.5.8.3).
                _ => continue,
            };
            insert(&mut section, num, entry);
        }
    }
    Ok(section)
}

fn be(field: &[u8]) -> u64 {
    field.iter().fold(0, |acc, &b| acc << 8 | u64::from(b))
}
