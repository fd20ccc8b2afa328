//! PDF objects (ISO 32000-1 §7.3) as read from a file.

use std::ops::Range;

use super::error::PdfError;
use super::file::PdfFile;
use super::{Limits, ObjectId};

/// A PDF object (ISO 32000-1 §7.3). Names and dictionary keys are stored without their
/// `/` and with `#xx` escapes decoded; strings are raw bytes (escapes decoded, never
/// decrypted).
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `null`.
    Null,
    /// `true` or `false`.
    Boolean(bool),
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A literal string `( ... )`, escapes decoded.
    String(Vec<u8>),
    /// A hexadecimal string `< ... >`, decoded.
    HexString(Vec<u8>),
    /// A name, without its `/`.
    Name(Vec<u8>),
    /// An array.
    Array(Vec<Object>),
    /// A dictionary.
    Dictionary(Dictionary),
    /// A stream: its dictionary and where its data lies in the file.
    Stream(Stream),
    /// An indirect reference `n g R`.
    Reference(ObjectId),
}

impl Object {
    /// The integer, if this is one.
    #[must_use]
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Self::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The number (integer or real) as `f64`.
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // PDF numbers are approximate (ISO 32000-1 §7.3.3)
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Self::Integer(i) => Some(*i as f64),
            Self::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// The name's bytes (without `/`), if this is a name.
    #[must_use]
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Self::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The string's bytes, literal or hexadecimal.
    #[must_use]
    pub fn as_string(&self) -> Option<&[u8]> {
        match self {
            Self::String(s) | Self::HexString(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The array, if this is one.
    #[must_use]
    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Self::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The dictionary, if this is a dictionary or a stream (its dictionary).
    #[must_use]
    pub fn as_dict(&self) -> Option<&Dictionary> {
        match self {
            Self::Dictionary(d) => Some(d),
            Self::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    /// The stream, if this is one.
    #[must_use]
    pub fn as_stream(&self) -> Option<&Stream> {
        match self {
            Self::Stream(s) => Some(s),
            _ => None,
        }
    }

    /// The reference, if this is one.
    #[must_use]
    pub fn as_reference(&self) -> Option<ObjectId> {
        match self {
            Self::Reference(id) => Some(*id),
            _ => None,
        }
    }

    /// Whether this is `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// A word for the kind of object, for messages.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Boolean(_) => "boolean",
            Self::Integer(_) => "integer",
            Self::Real(_) => "real",
            Self::String(_) | Self::HexString(_) => "string",
            Self::Name(_) => "name",
            Self::Array(_) => "array",
            Self::Dictionary(_) => "dictionary",
            Self::Stream(_) => "stream",
            Self::Reference(_) => "reference",
        }
    }
}

/// A dictionary (ISO 32000-1 §7.3.7), in the order its entries were written.
///
/// A key written twice is kept twice; [`get`](Self::get) returns the last, as most
/// viewers do, and [`has_duplicate_keys`](Self::has_duplicate_keys) tells a validator that
/// readers may disagree about this dictionary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dictionary {
    entries: Vec<(Vec<u8>, Object)>,
}

impl Dictionary {
    /// An empty dictionary.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, key: Vec<u8>, value: Object) {
        self.entries.push((key, value));
    }

    /// The value of `key` (a name without `/`, e.g. `b"Type"`). An entry whose value is
    /// `null` counts as absent (ISO 32000-1 §7.3.7).
    #[must_use]
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    /// Whether `key` has a non-null value.
    #[must_use]
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// The name value of `key`.
    #[must_use]
    pub fn get_name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).and_then(Object::as_name)
    }

    /// Whether `key` is the name `name`.
    #[must_use]
    pub fn name_is(&self, key: &[u8], name: &[u8]) -> bool {
        self.get_name(key) == Some(name)
    }

    /// Every entry as written, duplicates and `null` values included.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Object)> {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v))
    }

    /// The keys with a non-null value, each once, in order of first appearance.
    #[must_use]
    pub fn keys(&self) -> Vec<&[u8]> {
        let mut keys: Vec<&[u8]> = Vec::new();
        for (k, _) in &self.entries {
            if !keys.contains(&k.as_slice()) && self.get(k).is_some() {
                keys.push(k);
            }
        }
        keys
    }

    /// How many entries were written.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether some key is written more than once.
    #[must_use]
    pub fn has_duplicate_keys(&self) -> bool {
        self.entries
            .iter()
            .enumerate()
            .any(|(i, (k, _))| self.entries[..i].iter().any(|(o, _)| o == k))
    }
}

/// A stream (ISO 32000-1 §7.3.8): its dictionary and the span of its raw data in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// The stream dictionary.
    pub dict: Dictionary,
    data: Range<usize>,
    length_repaired: bool,
}

impl Stream {
    pub(crate) fn new(dict: Dictionary, data: Range<usize>, length_repaired: bool) -> Self {
        Self {
            dict,
            data,
            length_repaired,
        }
    }

    /// Where the raw (encoded) data lies in the file.
    #[must_use]
    pub fn data_span(&self) -> Range<usize> {
        self.data.clone()
    }

    /// Whether `/Length` was wrong (or unresolvable) and the data was delimited by
    /// searching for `endstream` instead. Viewers may disagree about such a stream.
    #[must_use]
    pub fn length_repaired(&self) -> bool {
        self.length_repaired
    }

    /// The raw (encoded) data.
    #[must_use]
    pub fn raw<'f>(&self, file: &PdfFile<'f>) -> &'f [u8] {
        file.bytes().get(self.data.clone()).unwrap_or_default()
    }

    /// The data with its filters applied: `FlateDecode` (with the PNG and TIFF predictors
    /// of ISO 32000-1 §7.4.4.4), or none.
    ///
    /// # Errors
    /// [`PdfError::UnsupportedFilter`] for other filters; [`PdfError::Decode`] for corrupt
    /// data; [`PdfError::DecodeLimit`] beyond [`Limits::max_decoded_bytes`].
    pub fn decode(&self, file: &PdfFile<'_>, limits: &Limits) -> Result<Vec<u8>, PdfError> {
        let filters = file.resolve(self.dict.get(b"Filter").unwrap_or(&Object::Null))?;
        let params = file.resolve(self.dict.get(b"DecodeParms").unwrap_or(&Object::Null))?;
        let filters: Vec<Object> = match filters.as_ref() {
            Object::Null => Vec::new(),
            Object::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        let params: Vec<Object> = match params.as_ref() {
            Object::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        let mut data = self.raw(file).to_vec();
        for (i, filter) in filters.iter().enumerate() {
            let filter = file.resolve(filter)?;
            let param = params.get(i).map(|p| file.resolve(p)).transpose()?;
            let param = param.as_deref().and_then(Object::as_dict);
            data = super::filter::apply(&filter, param, &data, self.data.start, limits)?;
        }
        Ok(data)
    }
}
