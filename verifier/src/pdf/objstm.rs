//! Object streams (ISO 32000-1 §7.5.7): `/N` pairs of object number and offset, then the
//! objects (never streams) from `/First`.

use super::Limits;
use super::error::PdfError;
use super::file::PdfFile;
use super::lexer::{skip_ws, unsigned_at};
use super::object::{Object, Stream};
use super::parser::Parser;

/// A decoded object stream.
#[derive(Debug)]
pub(crate) struct ObjectStream {
    number: u32,
    data: Vec<u8>,
    first: usize,
    /// Object number and offset (from `first`) of each object, in order.
    index: Vec<(u32, usize)>,
}

impl ObjectStream {
    /// Decodes the object stream `stream` (object `number`).
    pub(crate) fn decode(
        file: &PdfFile<'_>,
        number: u32,
        stream: &Stream,
        limits: &Limits,
    ) -> Result<Self, PdfError> {
        let bad = |message: String| PdfError::ObjectStream {
            stream: number,
            message,
        };
        if !stream.dict.name_is(b"Type", b"ObjStm") {
            return Err(bad("not of /Type /ObjStm".into()));
        }
        let n = stream
            .dict
            .get(b"N")
            .and_then(Object::as_integer)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad("/N is missing".into()))?;
        let first = stream
            .dict
            .get(b"First")
            .and_then(Object::as_integer)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad("/First is missing".into()))?;
        if n > limits.max_objects {
            return Err(PdfError::TooManyObjects {
                limit: limits.max_objects,
            });
        }
        let data = stream.decode(file, limits)?;
        if first > data.len() || n > data.len() / 2 + 1 {
            return Err(bad(format!(
                "/N {n} /First {first} do not fit its {} bytes",
                data.len()
            )));
        }
        let mut index: Vec<(u32, usize)> = Vec::with_capacity(n);
        let mut pos = 0;
        for i in 0..n {
            let pair = (|| {
                let (num, after) = unsigned_at(&data, skip_ws(&data, pos))?;
                let (offset, after) = unsigned_at(&data, skip_ws(&data, after))?;
                Some((
                    u32::try_from(num).ok()?,
                    usize::try_from(offset).ok()?,
                    after,
                ))
            })();
            let Some((num, offset, after)) = pair.filter(|&(_, _, after)| after <= first) else {
                return Err(bad(format!("entry {i} of its index is malformed")));
            };
            // ISO 32000-1 §7.5.7: the offsets are in increasing order; each object is then
            // parsed within its own bytes.
            if index
                .last()
                .is_some_and(|&(_, previous)| offset <= previous)
            {
                return Err(bad(format!(
                    "entry {i} of its index is not after the one before"
                )));
            }
            index.push((num, offset));
            pos = after;
        }
        Ok(Self {
            number,
            data,
            first,
            index,
        })
    }

    /// The object at `index`, which must be object `num` (generation 0); its parsing is
    /// counted against `file`'s budget.
    pub(crate) fn object(
        &self,
        index: u32,
        num: u32,
        file: &PdfFile<'_>,
    ) -> Result<Object, PdfError> {
        let bad = |message: String| PdfError::ObjectStream {
            stream: self.number,
            message,
        };
        let position = usize::try_from(index).ok();
        let &(found, offset) = position
            .and_then(|i| self.index.get(i))
            .ok_or_else(|| bad(format!("has no object at index {index} (for object {num})")))?;
        let end = position
            .and_then(|i| self.index.get(i + 1))
            .map_or(self.data.len(), |&(_, next)| {
                self.first.saturating_add(next)
            })
            .min(self.data.len());
        if found != num {
            return Err(bad(format!(
                "index {index} holds object {found}, not object {num} as the cross-reference data says"
            )));
        }
        let start = self
            .first
            .checked_add(offset)
            .filter(|&s| s < end)
            .ok_or_else(|| bad(format!("object {num} lies outside the stream")))?;
        file.spend(end - start)?;
        Parser::new(&self.data[..end], start, 0, file.limits())
            .value()
            .map_err(|e| {
                bad(format!(
                    "object {num}: {e} (offset within the decoded stream)"
                ))
            })
    }
}
