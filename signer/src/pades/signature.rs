//! The signature dictionary (ISO 32000-1 §12.8.1, Table 252; ETSI EN 319 142-1 §5.4) with
//! its two placeholders, and how they are filled: `/ByteRange` once the file's layout is
//! known, `/Contents` once the CMS is made over exactly those ranges.

use std::io::Write as _;
use std::ops::Range;

use lopdf::{Dictionary, Object, Writer};

use super::PadesError;

/// Width of each of the three patched `/ByteRange` numbers: up to 9 999 999 999 bytes.
const RANGE_DIGITS: usize = 10;

/// A serialised signature dictionary and where its placeholders are in it.
pub(crate) struct SignatureDict {
    pub(crate) bytes: Vec<u8>,
    /// The `[...]` of `/ByteRange`, brackets included.
    byte_range: Range<usize>,
    /// The `<...>` of `/Contents`, delimiters included.
    contents: Range<usize>,
}

impl SignatureDict {
    /// `entries` (everything but `/ByteRange` and `/Contents`) followed by a `/ByteRange`
    /// placeholder and a `/Contents` placeholder of `capacity` bytes (`2 × capacity` zero
    /// hex digits).
    pub(crate) fn new(entries: Dictionary, capacity: usize) -> Result<Self, PadesError> {
        let mut head = Vec::new();
        Writer::write_object(&mut head, &Object::Dictionary(entries)).map_err(PadesError::write)?;
        // Reopen the dictionary lopdf closed, to append the placeholders last.
        let end = head
            .windows(2)
            .rposition(|w| w == b">>")
            .ok_or_else(|| PadesError::Internal("dictionary without >>".into()))?;
        head.truncate(end);
        let mut bytes = head;
        bytes.extend_from_slice(b"\n/ByteRange ");
        let br_start = bytes.len();
        write!(bytes, "[0 {:0w$} {:0w$} {:0w$}]", 0, 0, 0, w = RANGE_DIGITS)
            .map_err(PadesError::write)?;
        let byte_range = br_start..bytes.len();
        bytes.extend_from_slice(b"\n/Contents ");
        let c_start = bytes.len();
        bytes.push(b'<');
        bytes.resize(bytes.len() + 2 * capacity, b'0');
        bytes.push(b'>');
        let contents = c_start..bytes.len();
        bytes.extend_from_slice(b"\n>>");
        Ok(Self {
            bytes,
            byte_range,
            contents,
        })
    }

    /// The placeholders' spans shifted to where the dictionary's body sits in the file.
    pub(crate) fn located(&self, body_offset: usize) -> Placeholders {
        Placeholders {
            byte_range: shift(&self.byte_range, body_offset),
            contents: shift(&self.contents, body_offset),
        }
    }
}

fn shift(range: &Range<usize>, by: usize) -> Range<usize> {
    range.start + by..range.end + by
}

/// Where the placeholders are in the whole file.
#[derive(Clone, Debug)]
pub(crate) struct Placeholders {
    pub(crate) byte_range: Range<usize>,
    pub(crate) contents: Range<usize>,
}

impl Placeholders {
    /// Writes `/ByteRange [0 a b c]` into `update` (appended at `base`) covering all of a
    /// file of `total` bytes except the
    /// `/Contents` string, delimiters included (ISO 32000-1 §12.8.1: "the entire file,
    /// including the signature dictionary but excluding the PDF signature itself").
    pub(crate) fn fill_byte_range(
        &self,
        update: &mut [u8],
        base: usize,
        total: usize,
    ) -> Result<[usize; 4], PadesError> {
        let ranges = [
            0,
            self.contents.start,
            self.contents.end,
            total - self.contents.end,
        ];
        let text = format!("[{} {} {} {}]", ranges[0], ranges[1], ranges[2], ranges[3]);
        let slot = &mut update[self.byte_range.start - base..self.byte_range.end - base];
        if text.len() > slot.len() {
            return Err(PadesError::TooLarge(
                "the file is too large for its /ByteRange",
            ));
        }
        // Pad with spaces inside the dictionary, after the array.
        slot.fill(b' ');
        slot[..text.len()].copy_from_slice(text.as_bytes());
        Ok(ranges)
    }

    /// SHA-256 of the signed ranges of `prefix` followed by `update` (the whole file without
    /// the `/Contents` string), where the placeholders are relative to the whole file.
    pub(crate) fn digest(&self, prefix: &[u8], update: &[u8]) -> [u8; 32] {
        let base = prefix.len();
        // ring's assembly SHA-256: the whole document goes through here.
        let mut context = ring::digest::Context::new(&ring::digest::SHA256);
        context.update(prefix);
        context.update(&update[..self.contents.start - base]);
        context.update(&update[self.contents.end - base..]);
        let mut out = [0u8; 32];
        out.copy_from_slice(context.finish().as_ref());
        out
    }

    /// Writes the DER `cms` as upper-case hex into `/Contents`, zero-padded (§12.8.1).
    pub(crate) fn fill_contents(
        &self,
        update: &mut [u8],
        base: usize,
        cms: &[u8],
    ) -> Result<(), PadesError> {
        let slot = &mut update[self.contents.start - base + 1..self.contents.end - base - 1];
        let hex = hex::encode_upper(cms);
        if hex.len() > slot.len() {
            return Err(PadesError::ContentsTooSmall {
                needed: cms.len(),
                reserved: slot.len() / 2,
            });
        }
        slot[..hex.len()].copy_from_slice(hex.as_bytes());
        Ok(())
    }
}
