//! Parsing of direct objects (ISO 32000-1 §7.3) from bytes, within [`Limits`].

use std::ops::Range;

use super::error::PdfError;
use super::lexer::{hex_value, is_regular, is_whitespace, keyword_at, skip_ws, token, unsigned_at};
use super::object::{Dictionary, Object};
use super::{Limits, ObjectId};

/// A parser over `data` (the whole file, or a decoded object stream).
pub(crate) struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    /// Added to positions in error messages (the offset of `data` in the file, or of the
    /// object stream).
    origin: usize,
    limits: &'a Limits,
    elements: usize,
    start: usize,
    /// When set, the spans of the values of the outermost dictionary's entries.
    spans: Option<Vec<(Vec<u8>, Range<usize>)>>,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize, origin: usize, limits: &'a Limits) -> Self {
        Self {
            data,
            pos,
            origin,
            limits,
            elements: 0,
            start: pos,
            spans: None,
        }
    }

    /// Records the spans of the outermost dictionary's entry values (see
    /// [`take_spans`](Self::take_spans)).
    pub(crate) fn record_spans(&mut self) {
        self.spans = Some(Vec::new());
    }

    pub(crate) fn take_spans(&mut self) -> Vec<(Vec<u8>, Range<usize>)> {
        self.spans.take().unwrap_or_default()
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    fn at(&self) -> usize {
        self.origin + self.pos
    }

    fn error(&self, message: impl Into<String>) -> PdfError {
        PdfError::syntax(self.at(), message)
    }

    fn truncated(&self, context: &'static str) -> PdfError {
        PdfError::Truncated {
            offset: self.at(),
            context,
        }
    }

    /// Reads one object (a direct value, or a reference).
    pub(crate) fn value(&mut self) -> Result<Object, PdfError> {
        self.value_at(0)
    }

    fn count(&mut self) -> Result<(), PdfError> {
        self.elements += 1;
        if self.elements > self.limits.max_object_elements {
            return Err(PdfError::TooLarge {
                offset: self.origin + self.start,
                limit: self.limits.max_object_elements,
            });
        }
        Ok(())
    }

    fn value_at(&mut self, depth: usize) -> Result<Object, PdfError> {
        if depth > self.limits.max_depth {
            return Err(PdfError::TooDeep {
                offset: self.at(),
                limit: self.limits.max_depth,
            });
        }
        self.count()?;
        self.pos = skip_ws(self.data, self.pos);
        let Some(&b) = self.data.get(self.pos) else {
            return Err(self.truncated("an object"));
        };
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name()))
            }
            b'(' => self.literal_string().map(Object::String),
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                self.dictionary(depth).map(Object::Dictionary)
            }
            b'<' => self.hex_string().map(Object::HexString),
            b'[' => {
                self.pos += 1;
                self.array(depth)
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number_or_reference(),
            _ if is_regular(b) => {
                let word = token(self.data, self.pos);
                let object = match word {
                    b"true" => Object::Boolean(true),
                    b"false" => Object::Boolean(false),
                    b"null" => Object::Null,
                    _ => {
                        return Err(self.error(format!(
                            "unexpected keyword {:?}",
                            String::from_utf8_lossy(word)
                        )));
                    }
                };
                self.pos += word.len();
                Ok(object)
            }
            other => Err(self.error(format!("unexpected character {:?}", char::from(other)))),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Object, PdfError> {
        let mut items = Vec::new();
        loop {
            self.pos = skip_ws(self.data, self.pos);
            match self.data.get(self.pos) {
                None => return Err(self.truncated("an array")),
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Object::Array(items));
                }
                Some(_) => items.push(self.value_at(depth + 1)?),
            }
        }
    }

    fn dictionary(&mut self, depth: usize) -> Result<Dictionary, PdfError> {
        let mut dict = Dictionary::new();
        loop {
            self.pos = skip_ws(self.data, self.pos);
            match (self.data.get(self.pos), self.data.get(self.pos + 1)) {
                (None, _) | (Some(b'>'), None) => return Err(self.truncated("a dictionary")),
                (Some(b'>'), Some(b'>')) => {
                    self.pos += 2;
                    return Ok(dict);
                }
                (Some(b'/'), _) => {
                    self.pos += 1;
                    let key = self.name();
                    self.pos = skip_ws(self.data, self.pos);
                    let start = self.pos;
                    let value = self.value_at(depth + 1)?;
                    if depth == 0
                        && let Some(spans) = &mut self.spans
                    {
                        spans.push((key.clone(), start..self.pos));
                    }
                    dict.push(key, value);
                }
                (Some(_), _) => return Err(self.error("a dictionary key must be a name")),
            }
        }
    }

    /// A name's characters after `/`, with `#xx` escapes decoded (ISO 32000-1 §7.3.5).
    fn name(&mut self) -> Vec<u8> {
        let raw = token(self.data, self.pos);
        self.pos += raw.len();
        let mut name = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(&b) = raw.get(i) {
            let escaped = (b == b'#')
                .then(|| Some(hex_value(*raw.get(i + 1)?)? << 4 | hex_value(*raw.get(i + 2)?)?))
                .flatten();
            match escaped {
                Some(c) => {
                    name.push(c);
                    i += 3;
                }
                None => {
                    name.push(b);
                    i += 1;
                }
            }
        }
        name
    }

    /// A literal string (ISO 32000-1 §7.3.4.2): balanced parentheses, escapes, and end-of-line
    /// markers read as LF.
    fn literal_string(&mut self) -> Result<Vec<u8>, PdfError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut nesting = 0usize;
        loop {
            let Some(&b) = self.data.get(self.pos) else {
                return Err(self.truncated("a literal string"));
            };
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' if nesting == 0 => return Ok(out),
                b')' => {
                    nesting -= 1;
                    out.push(b);
                }
                b'\\' => self.escape(&mut out)?,
                b'\r' => {
                    if self.data.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                _ => out.push(b),
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), PdfError> {
        let Some(&e) = self.data.get(self.pos) else {
            return Err(self.truncated("a literal string"));
        };
        self.pos += 1;
        match e {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'0'..=b'7' => {
                let mut value = u32::from(e - b'0');
                for _ in 0..2 {
                    match self.data.get(self.pos) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                // High-order overflow is ignored (ISO 32000-1 §7.3.4.2).
                out.push((value & 0xff) as u8);
            }
            // A backslash before an end-of-line marker continues the line.
            b'\r' => {
                if self.data.get(self.pos) == Some(&b'\n') {
                    self.pos += 1;
                }
            }
            b'\n' => {}
            // `\(`, `\)`, `\\`, and any other character stands for itself.
            other => out.push(other),
        }
        Ok(())
    }

    /// A hexadecimal string (ISO 32000-1 §7.3.4.3); white space is ignored and a missing
    /// final digit is taken as 0.
    fn hex_string(&mut self) -> Result<Vec<u8>, PdfError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let Some(&b) = self.data.get(self.pos) else {
                return Err(self.truncated("a hexadecimal string"));
            };
            self.pos += 1;
            if b == b'>' {
                if let Some(h) = high {
                    out.push(h << 4);
                }
                return Ok(out);
            }
            if is_whitespace(b) {
                continue;
            }
            let Some(v) = hex_value(b) else {
                return Err(PdfError::syntax(
                    self.at() - 1,
                    format!("{:?} in a hexadecimal string", char::from(b)),
                ));
            };
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
    }

    /// A number (ISO 32000-1 §7.3.3), or a reference `n g R` (§7.3.10).
    fn number_or_reference(&mut self) -> Result<Object, PdfError> {
        if let Some((num, after_num)) = unsigned_at(self.data, self.pos) {
            let gen_pos = skip_ws(self.data, after_num);
            if gen_pos > after_num
                && let Some((generation, after_gen)) = unsigned_at(self.data, gen_pos)
            {
                let r_pos = skip_ws(self.data, after_gen);
                if r_pos > after_gen && keyword_at(self.data, r_pos, b"R") {
                    if let (Ok(num), Ok(generation)) =
                        (u32::try_from(num), u16::try_from(generation))
                    {
                        self.pos = r_pos + 1;
                        return Ok(Object::Reference((num, generation)));
                    }
                    return Err(self.error("reference number out of range"));
                }
            }
        }
        let word = token(self.data, self.pos);
        let object = parse_number(word).ok_or_else(|| {
            self.error(format!(
                "{:?} is not a number",
                String::from_utf8_lossy(word)
            ))
        })?;
        self.pos += word.len();
        Ok(object)
    }
}

/// `[+-]?digits`, `[+-]?digits.digits`, `[+-]?.digits` or `[+-]?digits.`; integers that do
/// not fit in 64 bits become reals.
fn parse_number(word: &[u8]) -> Option<Object> {
    let (negative, body) = match word.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, word),
    };
    let dots = body.iter().filter(|&&b| b == b'.').count();
    let digits = body.iter().filter(|b| b.is_ascii_digit()).count();
    if digits == 0 || dots > 1 || digits + dots != body.len() {
        return None;
    }
    let text = std::str::from_utf8(word).ok()?;
    if dots == 0
        && let Ok(i) = text.parse::<i64>()
    {
        return Some(Object::Integer(i));
    }
    let value: f64 = text.trim_end_matches('.').parse().ok()?;
    let value = if negative && value == 0.0 {
        -0.0
    } else {
        value
    };
    Some(Object::Real(value))
}

/// The `n g obj` header at `pos` (after white space): the id and the position after `obj`.
pub(crate) fn object_header(data: &[u8], pos: usize) -> Option<(ObjectId, usize)> {
    let pos = skip_ws(data, pos);
    let (num, after) = unsigned_at(data, pos)?;
    let gen_pos = skip_ws(data, after);
    if gen_pos == after {
        return None;
    }
    let (generation, after) = unsigned_at(data, gen_pos)?;
    let obj_pos = skip_ws(data, after);
    if obj_pos == after || !keyword_at(data, obj_pos, b"obj") {
        return None;
    }
    Some((
        (u32::try_from(num).ok()?, u16::try_from(generation).ok()?),
        obj_pos + 3,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(text: &[u8]) -> Result<Object, PdfError> {
        let limits = Limits::default();
        Parser::new(text, 0, 0, &limits).value()
    }

    #[test]
    fn values() {
        assert_eq!(parse(b"  42").unwrap(), Object::Integer(42));
        assert_eq!(parse(b"-.5").unwrap(), Object::Real(-0.5));
        assert_eq!(parse(b"4.").unwrap(), Object::Real(4.0));
        assert_eq!(parse(b"12 0 R").unwrap(), Object::Reference((12, 0)));
        assert_eq!(parse(b"12 0 obj").unwrap(), Object::Integer(12));
        assert_eq!(parse(b"/A#20B").unwrap(), Object::Name(b"A B".to_vec()));
        assert_eq!(
            parse(b"(a(b)\\)\\101\\\n\r\nc)").unwrap(),
            Object::String(b"a(b))A\nc".to_vec())
        );
        assert_eq!(
            parse(b"<48 65 6>").unwrap(),
            Object::HexString(vec![0x48, 0x65, 0x60])
        );
        let dict = parse(b"<</A [1 2 0 R /N] /B<</C true>>/D null>>").unwrap();
        let dict = dict.as_dict().unwrap();
        assert_eq!(dict.get(b"A").unwrap().as_array().unwrap().len(), 3);
        assert!(dict.get(b"D").is_none());
        assert!(parse(b"--5").is_err());
        assert!(parse(b"<< /A 1").is_err());
        assert!(parse(b"(unterminated").is_err());
        assert!(parse(b"<zz>").is_err());
    }

    #[test]
    fn limits_hold() {
        let deep = vec![b'['; 10_000];
        assert!(matches!(parse(&deep), Err(PdfError::TooDeep { .. })));
        let limits = Limits {
            max_object_elements: 10,
            ..Limits::default()
        };
        let many = b"[1 2 3 4 5 6 7 8 9 10 11 12]";
        assert!(matches!(
            Parser::new(many, 0, 0, &limits).value(),
            Err(PdfError::TooLarge { .. })
        ));
    }

    #[test]
    fn headers() {
        assert_eq!(object_header(b"\n12 3 obj<<", 0), Some(((12, 3), 9)));
        assert_eq!(object_header(b"12 3obj", 0), None);
    }
}
