//! Why a PDF (or a part of it) could not be read.

use super::ObjectId;

/// A structural problem of a PDF, with where it is (byte offsets from the file's start).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// There is no `%PDF-` header in the first 1024 bytes (ISO 32000-1 §7.5.2).
    #[error("not a PDF: no %PDF- header in the first 1024 bytes")]
    NotPdf,
    /// No `startxref` keyword near the end of the file (ISO 32000-1 §7.5.5).
    #[error("no startxref keyword at the end of the file (truncated?)")]
    NoStartXref,
    /// The data ends in the middle of something.
    #[error("unexpected end of data at offset {offset} while reading {context}")]
    Truncated {
        /// Where the data ended.
        offset: usize,
        /// What was being read.
        context: &'static str,
    },
    /// Bytes that are not PDF syntax.
    #[error("syntax error at offset {offset}: {message}")]
    Syntax {
        /// Where.
        offset: usize,
        /// What was expected or found.
        message: String,
    },
    /// A cross-reference section or trailer that cannot be read.
    #[error("cross-reference section at offset {offset}: {message}")]
    Xref {
        /// The section's offset.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// An offset (`startxref`, `/Prev`, `/XRefStm`, an object's) outside the file.
    #[error("{what} offset {offset} is outside the file ({len} bytes)")]
    OutOfBounds {
        /// The offset.
        offset: u64,
        /// The file's length.
        len: usize,
        /// What the offset is of.
        what: &'static str,
    },
    /// The `/Prev` chain visits a section twice.
    #[error("the /Prev chain loops back to the cross-reference section at offset {offset}")]
    PrevLoop {
        /// The section visited twice.
        offset: u64,
    },
    /// More revisions than [`Limits::max_revisions`](super::Limits::max_revisions).
    #[error("more than {limit} revisions")]
    TooManyRevisions {
        /// The limit.
        limit: usize,
    },
    /// More cross-reference entries (or objects in an object stream) than
    /// [`Limits::max_objects`](super::Limits::max_objects).
    #[error("more than {limit} cross-reference entries or objects")]
    TooManyObjects {
        /// The limit.
        limit: usize,
    },
    /// Nesting deeper than [`Limits::max_depth`](super::Limits::max_depth).
    #[error("nesting deeper than {limit} at offset {offset}")]
    TooDeep {
        /// Where.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// An object with more values than
    /// [`Limits::max_object_elements`](super::Limits::max_object_elements).
    #[error("object at offset {offset} holds more than {limit} values")]
    TooLarge {
        /// Where the object starts.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// A chain of references longer than
    /// [`Limits::max_reference_chain`](super::Limits::max_reference_chain), or a loop.
    #[error("reference chain from {} {} R is longer than {limit} (or loops)", .id.0, .id.1)]
    ReferenceChain {
        /// Where the chain started.
        id: ObjectId,
        /// The limit.
        limit: usize,
    },
    /// A cross-reference entry points at something other than the object it lists.
    #[error("object {} {} R: its cross-reference entry points at offset {offset}, where {found}", .id.0, .id.1)]
    ObjectMismatch {
        /// The object the entry is for.
        id: ObjectId,
        /// Where it points.
        offset: usize,
        /// What is there instead.
        found: String,
    },
    /// An object stream (ISO 32000-1 §7.5.7) that cannot be used.
    #[error("object stream {stream} 0 R: {message}")]
    ObjectStream {
        /// The object stream's number.
        stream: u32,
        /// What is wrong.
        message: String,
    },
    /// A stream that does not decode.
    #[error("stream at offset {offset}: {filter} decoding failed: {message}")]
    Decode {
        /// Where the stream's data starts.
        offset: usize,
        /// The filter.
        filter: String,
        /// Why.
        message: String,
    },
    /// A filter this reader does not implement.
    #[error("stream at offset {offset}: filter {filter} is not supported")]
    UnsupportedFilter {
        /// Where the stream's data starts.
        offset: usize,
        /// The filter's name.
        filter: String,
    },
    /// A stream decodes to more than
    /// [`Limits::max_decoded_bytes`](super::Limits::max_decoded_bytes).
    #[error("stream at offset {offset} decodes to more than {limit} bytes")]
    DecodeLimit {
        /// Where the stream's data starts.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// Repairing wrong stream lengths would search more than
    /// [`Limits::max_recovery_scan`](super::Limits::max_recovery_scan) bytes.
    #[error(
        "stream at offset {offset}: its /Length is wrong and the repair budget of {limit} bytes is spent"
    )]
    RecoveryBudget {
        /// Where the stream's data starts.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// Reading objects would parse more than
    /// [`Limits::max_parse_bytes`](super::Limits::max_parse_bytes) in all.
    #[error("parsing objects has taken more than {limit} bytes of work; giving up on this file")]
    WorkBudget {
        /// The limit.
        limit: usize,
    },
}

impl PdfError {
    /// Where in the data the error was found, when that is known.
    #[must_use]
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::Truncated { offset, .. }
            | Self::Syntax { offset, .. }
            | Self::TooDeep { offset, .. }
            | Self::TooLarge { offset, .. }
            | Self::ObjectMismatch { offset, .. }
            | Self::Decode { offset, .. }
            | Self::UnsupportedFilter { offset, .. }
            | Self::DecodeLimit { offset, .. }
            | Self::RecoveryBudget { offset, .. } => Some(*offset),
            Self::Xref { offset, .. }
            | Self::OutOfBounds { offset, .. }
            | Self::PrevLoop { offset } => usize::try_from(*offset).ok(),
            _ => None,
        }
    }

    pub(crate) fn syntax(offset: usize, message: impl Into<String>) -> Self {
        Self::Syntax {
            offset,
            message: message.into(),
        }
    }

    pub(crate) fn xref(offset: u64, message: impl Into<String>) -> Self {
        Self::Xref {
            offset,
            message: message.into(),
        }
    }
}
