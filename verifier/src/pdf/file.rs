//! [`PdfFile`]: a PDF's revisions, and its objects read on demand.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use memchr::memmem;

use super::error::PdfError;
use super::indirect::{self, Context, Indirect};
use super::lexer::{skip_ws, unsigned_at};
use super::object::Object;
use super::objstm::ObjectStream;
use super::parser::object_header;
use super::xref::{self, Revision, XrefEntry};
use super::{Limits, ObjectId};

/// How far from the end `startxref` is looked for before searching the whole file.
const TAIL: usize = 4096;

/// A PDF file opened for reading: its revisions are read, its objects are not (until asked
/// for). See the [module documentation](super) for what is checked.
#[derive(Debug)]
pub struct PdfFile<'a> {
    bytes: &'a [u8],
    limits: Limits,
    header_offset: usize,
    startxref: u64,
    revisions: Vec<Revision>,
    scanned: AtomicUsize,
    parsed: AtomicUsize,
    object_streams: Mutex<HashMap<usize, Arc<ObjectStream>>>,
}

/// Where an object is, as of some revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectLocation {
    /// In the file, at `offset`, as listed by revision `revision`.
    InFile {
        /// The offset of its header.
        offset: usize,
        /// Its generation.
        generation: u16,
        /// The revision whose cross-reference data lists it.
        revision: usize,
    },
    /// In object stream `stream` at `index`, as listed by revision `revision`.
    InObjectStream {
        /// The object stream's number.
        stream: u32,
        /// The index in it.
        index: u32,
        /// The revision whose cross-reference data lists it.
        revision: usize,
    },
    /// Freed by revision `revision`.
    Free {
        /// The revision that freed it.
        revision: usize,
    },
    /// Never listed.
    Undefined,
}

/// An indirect object read at some offset of the file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ParsedObject {
    /// The id its header names.
    pub id: ObjectId,
    /// The object.
    pub object: Object,
    /// Its bytes, from the object number to after `endobj`.
    pub span: Range<usize>,
    /// Whether `endobj` was found where it belongs.
    pub endobj: bool,
    /// When asked for: the span of each value of the object's dictionary (stream
    /// dictionary included), by key, in written order.
    pub entry_spans: Vec<(Vec<u8>, Range<usize>)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lengths {
    /// Resolve an indirect stream `/Length`.
    Follow,
    /// Do not (while resolving one already): search for `endstream`.
    Search,
}

impl<'a> PdfFile<'a> {
    /// Reads the header, `startxref`, every cross-reference section of the `/Prev` chain
    /// and their trailers. No object body is read.
    ///
    /// # Errors
    /// [`PdfError`] when the file is not a PDF or its cross-reference data cannot be read
    /// (a section outside the file, a `/Prev` loop, malformed entries, limits exceeded).
    pub fn open(bytes: &'a [u8], limits: Limits) -> Result<Self, PdfError> {
        let head = &bytes[..bytes.len().min(1024)];
        let header_offset = memmem::find(head, b"%PDF-").ok_or(PdfError::NotPdf)?;
        let startxref = find_startxref(bytes)?;
        let scanned = AtomicUsize::new(0);
        let revisions = xref::read_revisions(bytes, startxref, &limits, &scanned)?;
        if revisions.is_empty() {
            return Err(PdfError::xref(startxref, "no cross-reference data"));
        }
        Ok(Self {
            bytes,
            limits,
            header_offset,
            startxref,
            revisions,
            scanned,
            parsed: AtomicUsize::new(0),
            object_streams: Mutex::new(HashMap::new()),
        })
    }

    /// The whole file.
    #[must_use]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The limits it was opened with.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Where `%PDF-` is (0 unless something precedes the header).
    #[must_use]
    pub fn header_offset(&self) -> usize {
        self.header_offset
    }

    /// The version the header states, such as `1.7`.
    #[must_use]
    pub fn header_version(&self) -> String {
        let rest = self.bytes.get(self.header_offset + 5..).unwrap_or_default();
        let len = rest
            .iter()
            .take(8)
            .take_while(|b| b.is_ascii_digit() || **b == b'.')
            .count();
        String::from_utf8_lossy(&rest[..len]).into_owned()
    }

    /// The offset the final `startxref` names.
    #[must_use]
    pub fn startxref(&self) -> u64 {
        self.startxref
    }

    /// The revisions, oldest first (never empty).
    #[must_use]
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    /// The trailer of the latest revision.
    #[must_use]
    pub fn trailer(&self) -> &super::Dictionary {
        &self.latest().trailer
    }

    fn latest(&self) -> &Revision {
        // `open` refuses a file without revisions.
        &self.revisions[self.revisions.len() - 1]
    }

    /// The bytes after the latest revision's end (after its `%%EOF` line): not part of any
    /// revision.
    #[must_use]
    pub fn trailing_bytes(&self) -> Range<usize> {
        self.latest().end.min(self.bytes.len())..self.bytes.len()
    }

    /// Where object number `num` is as of revision `revision` (the latest if beyond).
    #[must_use]
    pub fn location(&self, num: u32, revision: usize) -> ObjectLocation {
        let last = revision.min(self.revisions.len() - 1);
        for r in (0..=last).rev() {
            match self.revisions[r].entries.get(&num) {
                None => continue,
                Some(XrefEntry::Free { .. }) => return ObjectLocation::Free { revision: r },
                Some(&XrefEntry::InUse { offset, generation }) => {
                    return ObjectLocation::InFile {
                        offset: usize::try_from(offset).unwrap_or(usize::MAX),
                        generation,
                        revision: r,
                    };
                }
                Some(&XrefEntry::Compressed { stream, index }) => {
                    return ObjectLocation::InObjectStream {
                        stream,
                        index,
                        revision: r,
                    };
                }
            }
        }
        ObjectLocation::Undefined
    }

    /// The object `id` as of the latest revision. A free or undefined object, or one whose
    /// generation differs, is `null` (ISO 32000-1 §7.3.10).
    ///
    /// # Errors
    /// [`PdfError`] when its cross-reference entry points at something else, or it cannot
    /// be parsed.
    pub fn object(&self, id: ObjectId) -> Result<Object, PdfError> {
        Ok(self
            .object_at_revision(id, self.revisions.len() - 1)?
            .unwrap_or(Object::Null))
    }

    /// The object `id` as of revision `revision` (0 is the oldest; beyond the last means
    /// the latest); `None` if it is free, undefined or of another generation then.
    ///
    /// # Errors
    /// As [`object`](Self::object).
    pub fn object_at_revision(
        &self,
        id: ObjectId,
        revision: usize,
    ) -> Result<Option<Object>, PdfError> {
        self.load(id, revision, Lengths::Follow)
    }

    fn load(
        &self,
        id: ObjectId,
        revision: usize,
        lengths: Lengths,
    ) -> Result<Option<Object>, PdfError> {
        match self.location(id.0, revision) {
            ObjectLocation::Free { .. } | ObjectLocation::Undefined => Ok(None),
            ObjectLocation::InFile {
                offset, generation, ..
            } => {
                if generation != id.1 {
                    return Ok(None);
                }
                let read = self.read_expecting(id, offset, revision, lengths, false)?;
                Ok(Some(read.object))
            }
            ObjectLocation::InObjectStream { stream, index, .. } => {
                if id.1 != 0 {
                    return Ok(None);
                }
                let objstm = self.object_stream(stream, revision, lengths)?;
                objstm.object(index, id.0, self).map(Some)
            }
        }
    }

    fn read_expecting(
        &self,
        id: ObjectId,
        offset: usize,
        revision: usize,
        lengths: Lengths,
        record_spans: bool,
    ) -> Result<Indirect, PdfError> {
        // The header first: a wrong entry costs no parsing of what it points at.
        match object_header(self.bytes, offset) {
            Some((found, _)) if found == id => {}
            Some((found, _)) => {
                return Err(PdfError::ObjectMismatch {
                    id,
                    offset,
                    found: format!("object {} {} begins", found.0, found.1),
                });
            }
            None if offset >= self.bytes.len() => {
                return Err(PdfError::OutOfBounds {
                    offset: offset as u64,
                    len: self.bytes.len(),
                    what: "object",
                });
            }
            None => {
                return Err(PdfError::ObjectMismatch {
                    id,
                    offset,
                    found: "there is no object header".into(),
                });
            }
        }
        self.read_at(offset, revision, lengths, record_spans)
    }

    fn read_at(
        &self,
        offset: usize,
        revision: usize,
        lengths: Lengths,
        record_spans: bool,
    ) -> Result<Indirect, PdfError> {
        let length = |id: ObjectId| -> Option<i64> {
            if lengths == Lengths::Search {
                return None;
            }
            self.load(id, revision, Lengths::Search)
                .ok()
                .flatten()
                .and_then(|o| o.as_integer())
        };
        let ctx = Context {
            limits: &self.limits,
            length: &length,
            scanned: &self.scanned,
            record_spans,
        };
        self.spend(0)?;
        let read = indirect::read(self.bytes, offset, &ctx);
        let work = match &read {
            Ok(r) => {
                let data = r.object.as_stream().map_or(0, |s| s.data_span().len());
                r.span.len().saturating_sub(data)
            }
            Err(e) => e.position().map_or(1, |p| p.saturating_sub(offset).max(1)),
        };
        self.spend(work)?;
        read
    }

    /// Counts `work` bytes of parsing against [`Limits::max_parse_bytes`].
    pub(crate) fn spend(&self, work: usize) -> Result<(), PdfError> {
        let total = self
            .parsed
            .fetch_add(work, Ordering::Relaxed)
            .saturating_add(work);
        if total > self.limits.max_parse_bytes {
            return Err(PdfError::WorkBudget {
                limit: self.limits.max_parse_bytes,
            });
        }
        Ok(())
    }

    fn object_stream(
        &self,
        number: u32,
        revision: usize,
        lengths: Lengths,
    ) -> Result<Arc<ObjectStream>, PdfError> {
        let ObjectLocation::InFile {
            offset,
            generation: 0,
            ..
        } = self.location(number, revision)
        else {
            return Err(PdfError::ObjectStream {
                stream: number,
                message: "is not an uncompressed object of generation 0".into(),
            });
        };
        let cache = || {
            self.object_streams
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(found) = cache().get(&offset) {
            return Ok(Arc::clone(found));
        }
        let read = self.read_expecting((number, 0), offset, revision, lengths, false)?;
        let Object::Stream(stream) = &read.object else {
            return Err(PdfError::ObjectStream {
                stream: number,
                message: format!("is a {}, not a stream", read.object.kind()),
            });
        };
        let decoded = Arc::new(ObjectStream::decode(self, number, stream, &self.limits)?);
        let mut cache = cache();
        // Bound the memory the cache holds (each entry is at most max_decoded_bytes).
        if cache.len() >= 64 {
            cache.clear();
        }
        cache.insert(offset, Arc::clone(&decoded));
        Ok(decoded)
    }

    /// The bytes `n g obj ... endobj` of object `id` as of the latest revision, if it is
    /// stored uncompressed in the file.
    #[must_use]
    pub fn object_span(&self, id: ObjectId) -> Option<Range<usize>> {
        self.object_span_at_revision(id, self.revisions.len() - 1)
    }

    /// As [`object_span`](Self::object_span), as of revision `revision`.
    #[must_use]
    pub fn object_span_at_revision(&self, id: ObjectId, revision: usize) -> Option<Range<usize>> {
        match self.location(id.0, revision) {
            ObjectLocation::InFile {
                offset, generation, ..
            } if generation == id.1 => self
                .read_expecting(id, offset, revision, Lengths::Follow, false)
                .ok()
                .map(|r| r.span),
            _ => None,
        }
    }

    /// Reads the indirect object whose header is at `offset`, whatever the cross-reference
    /// data says; with `entry_spans`, also where each value of its dictionary lies. An
    /// indirect `/Length` is resolved as of revision `revision`.
    ///
    /// # Errors
    /// [`PdfError`] when there is no object there or it cannot be parsed.
    pub fn parse_at(
        &self,
        offset: usize,
        revision: usize,
        entry_spans: bool,
    ) -> Result<ParsedObject, PdfError> {
        let read = self.read_at(offset, revision, Lengths::Follow, entry_spans)?;
        Ok(ParsedObject {
            id: read.id,
            object: read.object,
            span: read.span,
            endobj: read.endobj,
            entry_spans: read.entry_spans,
        })
    }

    /// Follows `object` while it is a reference, as of the latest revision; an undefined
    /// target is `null`.
    ///
    /// # Errors
    /// [`PdfError::ReferenceChain`] after [`Limits::max_reference_chain`] steps, or when a
    /// target cannot be read.
    pub fn resolve<'o>(&self, object: &'o Object) -> Result<Cow<'o, Object>, PdfError> {
        self.resolve_at(object, self.revisions.len() - 1)
    }

    /// As [`resolve`](Self::resolve), as of revision `revision`.
    ///
    /// # Errors
    /// As [`resolve`](Self::resolve).
    pub fn resolve_at<'o>(
        &self,
        object: &'o Object,
        revision: usize,
    ) -> Result<Cow<'o, Object>, PdfError> {
        let Object::Reference(start) = object else {
            return Ok(Cow::Borrowed(object));
        };
        let mut id = *start;
        for _ in 0..self.limits.max_reference_chain {
            match self.object_at_revision(id, revision)? {
                Some(Object::Reference(next)) => id = next,
                Some(found) => return Ok(Cow::Owned(found)),
                None => return Ok(Cow::Owned(Object::Null)),
            }
        }
        Err(PdfError::ReferenceChain {
            id: *start,
            limit: self.limits.max_reference_chain,
        })
    }
}

/// The offset after the last `startxref` keyword of the file (ISO 32000-1 §7.5.5).
fn find_startxref(bytes: &[u8]) -> Result<u64, PdfError> {
    let tail_start = bytes.len().saturating_sub(TAIL);
    let at = memmem::rfind(&bytes[tail_start..], b"startxref")
        .map(|p| p + tail_start)
        .or_else(|| memmem::rfind(bytes, b"startxref"))
        .ok_or(PdfError::NoStartXref)?;
    let pos = skip_ws(bytes, at + 9);
    let (offset, _) = unsigned_at(bytes, pos).ok_or(PdfError::NoStartXref)?;
    Ok(offset)
}
