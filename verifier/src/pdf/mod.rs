//! A lazy PDF reader for hostile input (ISO 32000-1 §7, ISO 32000-2 §7).
//!
//! [`PdfFile::open`] reads only the file's structure: the header, `startxref`, every
//! cross-reference section of the `/Prev` chain (classic tables, cross-reference streams
//! and hybrid files with `/XRefStm`) and their trailers, grouped into [`Revision`]s, oldest
//! first. No object body is parsed until asked for, so opening a large file costs time in
//! proportion to its cross-reference data, not to its size.
//!
//! Objects are then read on demand, as of the latest revision ([`PdfFile::object`]) or of
//! any earlier one ([`PdfFile::object_at_revision`]), from the file or from object streams.
//!
//! Security properties:
//!
//! * no input makes it panic, loop forever or allocate without bound: nesting depth,
//!   elements per object, decoded stream size, cross-reference entries, revisions,
//!   reference chains, the bytes searched to repair a wrong stream `/Length` and the bytes
//!   parsed in all are bounded by [`Limits`];
//! * `/Prev` loops, offsets outside the file and cross-reference entries that point at
//!   another object are errors that say what and where (byte offset), never silently
//!   "repaired": the reader never guesses an object's location by scanning the file;
//! * what it had to tolerate is recorded rather than hidden ([`Stream::length_repaired`],
//!   [`Dictionary::has_duplicate_keys`], [`Revision::sections`]), so that a signature
//!   validator can judge it.
//!
//! It does not decrypt: strings and streams of an encrypted file are returned as stored.

mod error;
mod file;
mod filter;
mod indirect;
mod lexer;
mod object;
mod objstm;
mod parser;
mod xref;

pub use self::error::PdfError;
pub use self::file::{ObjectLocation, ParsedObject, PdfFile};
pub(crate) use self::lexer::{is_delimiter, is_whitespace};
pub use self::object::{Dictionary, Object, Stream};
pub use self::xref::{Revision, XrefEntry, XrefKind};

/// An indirect object's number and generation (ISO 32000-1 §7.3.10).
pub type ObjectId = (u32, u16);

/// Bounds on the work and memory one file may cost. [`Default`] suits documents of up to
/// a few hundred megabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and dictionaries in one object.
    pub max_depth: usize,
    /// Most bytes one stream may decode to (a decompression bomb stops here).
    pub max_decoded_bytes: usize,
    /// Most cross-reference entries over all revisions, and most objects in one object
    /// stream.
    pub max_objects: usize,
    /// Most revisions (cross-reference sections in the `/Prev` chain).
    pub max_revisions: usize,
    /// Longest chain of references [`PdfFile::resolve`] follows.
    pub max_reference_chain: usize,
    /// Most values (numbers, names, strings, arrays, ...) one object may hold.
    pub max_object_elements: usize,
    /// Most bytes searched in all, per file, for `endstream` when a stream's `/Length`
    /// is wrong.
    pub max_recovery_scan: usize,
    /// Most bytes of object syntax (stream data excluded) parsed in all, per file: objects
    /// whose bodies overlap cannot make reading them quadratic.
    pub max_parse_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_decoded_bytes: 64 << 20,
            max_objects: 8_000_000,
            max_revisions: 1024,
            max_reference_chain: 32,
            max_object_elements: 1 << 21,
            max_recovery_scan: 256 << 20,
            max_parse_bytes: 1 << 30,
        }
    }
}

/// Formats an object id as PDF writes a reference: `12 0 R`.
#[must_use]
pub fn id_text(id: ObjectId) -> String {
    format!("{} {} R", id.0, id.1)
}
