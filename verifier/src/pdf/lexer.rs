//! Character classes and low-level scanning (ISO 32000-1 §7.2).

/// White-space characters (ISO 32000-1 §7.2.2, Table 1).
pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Delimiter characters (ISO 32000-1 §7.2.2, Table 2).
pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Regular characters: neither white space nor delimiters.
pub(crate) fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// The position after white space and comments from `pos`.
pub(crate) fn skip_ws(data: &[u8], mut pos: usize) -> usize {
    while let Some(&b) = data.get(pos) {
        if is_whitespace(b) {
            pos += 1;
        } else if b == b'%' {
            while let Some(&c) = data.get(pos) {
                if c == b'\n' || c == b'\r' {
                    break;
                }
                pos += 1;
            }
        } else {
            break;
        }
    }
    pos
}

/// The run of regular characters at `pos` (a keyword or number), possibly empty.
pub(crate) fn token(data: &[u8], pos: usize) -> &[u8] {
    let rest = data.get(pos..).unwrap_or_default();
    let len = rest.iter().take_while(|&&b| is_regular(b)).count();
    &rest[..len]
}

/// Whether the keyword `word` is at `pos`, ending there (followed by a non-regular
/// character or the end).
pub(crate) fn keyword_at(data: &[u8], pos: usize, word: &[u8]) -> bool {
    token(data, pos) == word
}

/// An unsigned decimal integer at `pos` and the position after it.
pub(crate) fn unsigned_at(data: &[u8], pos: usize) -> Option<(u64, usize)> {
    let digits = token(data, pos);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })?;
    Some((value, pos + digits.len()))
}

/// The position after one end-of-line marker at `pos` (CR LF, LF or CR), or `pos`.
pub(crate) fn skip_eol(data: &[u8], pos: usize) -> usize {
    match (data.get(pos), data.get(pos + 1)) {
        (Some(b'\r'), Some(b'\n')) => pos + 2,
        (Some(b'\r' | b'\n'), _) => pos + 1,
        _ => pos,
    }
}

/// The value of an ASCII hex digit.
pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans() {
        assert_eq!(skip_ws(b"  % c\r\n x", 0), 8);
        assert_eq!(token(b"obj<<", 0), b"obj");
        assert!(keyword_at(b"endobj\n", 0, b"endobj"));
        assert!(!keyword_at(b"endobjx", 0, b"endobj"));
        assert_eq!(unsigned_at(b"123 0", 0), Some((123, 3)));
        assert_eq!(unsigned_at(b"99999999999999999999", 0), None);
        assert_eq!(skip_eol(b"\r\nx", 0), 2);
    }
}
