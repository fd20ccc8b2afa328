//! Reading one indirect object `n g obj ... endobj` (ISO 32000-1 §7.3.10), stream data
//! included (§7.3.8).

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use memchr::memmem;

use super::error::PdfError;
use super::lexer::{is_whitespace, keyword_at, skip_eol, skip_ws};
use super::object::{Object, Stream};
use super::parser::{Parser, object_header};
use super::{Limits, ObjectId};

/// An indirect object as read from the file.
#[derive(Debug, Clone)]
pub(crate) struct Indirect {
    pub(crate) id: ObjectId,
    pub(crate) object: Object,
    /// From the object number to after `endobj` (or after the value if `endobj` is missing).
    pub(crate) span: Range<usize>,
    pub(crate) endobj: bool,
    /// The spans of the values of the object's dictionary entries, when asked for.
    pub(crate) entry_spans: Vec<(Vec<u8>, Range<usize>)>,
}

/// How a stream's `/Length` given as a reference is found.
pub(crate) struct Context<'r> {
    pub(crate) limits: &'r Limits,
    /// Resolves an indirect `/Length`; `None` when it cannot (the data is then delimited by
    /// searching for `endstream`).
    pub(crate) length: &'r dyn Fn(ObjectId) -> Option<i64>,
    /// Bytes searched so far for `endstream`, against [`Limits::max_recovery_scan`].
    pub(crate) scanned: &'r AtomicUsize,
    pub(crate) record_spans: bool,
}

/// Reads the indirect object whose header is at `offset` (after optional white space).
pub(crate) fn read(bytes: &[u8], offset: usize, ctx: &Context<'_>) -> Result<Indirect, PdfError> {
    if offset >= bytes.len() {
        return Err(PdfError::OutOfBounds {
            offset: offset as u64,
            len: bytes.len(),
            what: "object",
        });
    }
    let start = skip_ws(bytes, offset);
    let Some((id, body)) = object_header(bytes, offset) else {
        return Err(PdfError::syntax(start, "no \"n g obj\" object header here"));
    };
    let mut parser = Parser::new(bytes, body, 0, ctx.limits);
    if ctx.record_spans {
        parser.record_spans();
    }
    let value = parser.value()?;
    let entry_spans = parser.take_spans();
    let mut pos = skip_ws(bytes, parser.pos());
    let object = match value {
        Object::Dictionary(dict) if keyword_at(bytes, pos, b"stream") => {
            let (data, repaired, after) = stream_data(bytes, pos + 6, &dict, ctx)?;
            pos = skip_ws(bytes, after);
            Object::Stream(Stream::new(dict, data, repaired))
        }
        other => other,
    };
    let endobj = keyword_at(bytes, pos, b"endobj");
    let end = if endobj {
        pos + 6
    } else {
        parser.pos().max(pos.min(bytes.len()))
    };
    Ok(Indirect {
        id,
        object,
        span: start..end,
        endobj,
        entry_spans,
    })
}

/// The data span of a stream whose `stream` keyword ends at `pos`, whether `/Length` had to
/// be repaired, and the position after `endstream`.
fn stream_data(
    bytes: &[u8],
    pos: usize,
    dict: &super::Dictionary,
    ctx: &Context<'_>,
) -> Result<(Range<usize>, bool, usize), PdfError> {
    // "stream" is followed by CR LF or LF (ISO 32000-1 §7.3.8.1); a lone CR is tolerated.
    let start = skip_eol(bytes, pos);
    let declared = match dict.get(b"Length") {
        Some(Object::Integer(n)) => Some(*n),
        Some(Object::Reference(id)) => (ctx.length)(*id),
        _ => None,
    };
    if let Some(end) = declared
        .and_then(|n| usize::try_from(n).ok())
        .and_then(|n| start.checked_add(n))
        .filter(|&end| end <= bytes.len())
    {
        let mut after = end;
        while bytes.get(after).is_some_and(|&b| is_whitespace(b)) {
            after += 1;
        }
        if keyword_at(bytes, after, b"endstream") {
            return Ok((start..end, false, after + 9));
        }
    }
    // The declared length is wrong or missing: the data ends before the next `endstream`.
    let rest = bytes.get(start..).unwrap_or_default();
    let found = memmem::find(rest, b"endstream");
    let searched = found.unwrap_or(rest.len());
    let total = ctx.scanned.fetch_add(searched, Ordering::Relaxed) + searched;
    if total > ctx.limits.max_recovery_scan {
        return Err(PdfError::RecoveryBudget {
            offset: start,
            limit: ctx.limits.max_recovery_scan,
        });
    }
    let Some(found) = found else {
        return Err(PdfError::Truncated {
            offset: bytes.len(),
            context: "stream data (no endstream)",
        });
    };
    let marker = start + found;
    let mut end = marker;
    if end > start && bytes[end - 1] == b'\n' {
        end -= 1;
    }
    if end > start && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    Ok((start..end, true, marker + 9))
}
