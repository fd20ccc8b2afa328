//! One revision of a file as a reader saw it then, and PDF text strings.

use crate::pdf::{Dictionary, Object, ObjectId, ObjectLocation, PdfError, PdfFile};

/// A revision of a file, for reading objects as they were then.
#[derive(Clone, Copy)]
pub(crate) struct Rev<'f, 'a> {
    pub(crate) file: &'f PdfFile<'a>,
    pub(crate) index: usize,
}

impl<'f, 'a> Rev<'f, 'a> {
    pub(crate) fn new(file: &'f PdfFile<'a>, index: usize) -> Self {
        Self { file, index }
    }

    /// Object `id` then; `None` if it was free or undefined.
    pub(crate) fn get(&self, id: ObjectId) -> Result<Option<Object>, PdfError> {
        self.file.object_at_revision(id, self.index)
    }

    /// `object`, with references followed; `null` for what is undefined.
    pub(crate) fn resolve(&self, object: &Object) -> Result<Object, PdfError> {
        Ok(self.file.resolve_at(object, self.index)?.into_owned())
    }

    /// The value of `key` in `dict`, resolved; `None` when absent or null.
    pub(crate) fn value(&self, dict: &Dictionary, key: &[u8]) -> Result<Option<Object>, PdfError> {
        match dict.get(key) {
            None => Ok(None),
            Some(v) => Ok(Some(self.resolve(v)?).filter(|v| !v.is_null())),
        }
    }

    pub(crate) fn trailer(&self) -> &'f Dictionary {
        &self.file.revisions()[self.index].trailer
    }

    /// The document catalog then.
    pub(crate) fn root(&self) -> Result<Dictionary, PdfError> {
        Ok(self
            .value(self.trailer(), b"Root")?
            .and_then(|r| r.as_dict().cloned())
            .unwrap_or_default())
    }

    /// Whether object `id` was in use then (ISO 32000-1 §7.5.4).
    pub(crate) fn in_use(&self, id: ObjectId) -> bool {
        match self.file.location(id.0, self.index) {
            ObjectLocation::InFile { generation, .. } => generation == id.1,
            ObjectLocation::InObjectStream { .. } => id.1 == 0,
            _ => false,
        }
    }
}

/// A PDF text string (ISO 32000-1 §7.9.2.2): UTF-16BE with a byte order mark, UTF-8 with
/// one (ISO 32000-2), or PDFDocEncoding (read as Latin-1, which it equals for printable
/// text).
pub(crate) fn text(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = utf16
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(utf8) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// A name for messages: `/Name`.
pub(crate) fn name_text(name: &[u8]) -> String {
    format!("/{}", String::from_utf8_lossy(name))
}
