//! BER-TLV as PIV uses it (ISO/IEC 7816-4 §5.2 tags of one or two bytes, definite lengths of up
//! to three length bytes; SP 800-73-4 Part 2 §3.3).

/// A malformed TLV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The input ended inside a tag, a length or a value.
    #[error("TLV truncated")]
    Truncated,
    /// Indefinite length, or a length of more than three bytes.
    #[error("unsupported TLV length form 0x{0:02X}")]
    BadLength(u8),
    /// A tag of more than two bytes.
    #[error("unsupported TLV tag form")]
    BadTag,
}

/// One data object: its tag (one or two bytes, two-byte tags as `0x7F49`) and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag, e.g. `0x53` or `0x7F49`.
    pub tag: u16,
    /// The value bytes.
    pub value: &'a [u8],
}

/// Appends `tag`, the length of `value` and `value` to `out`.
pub fn write(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
    if tag > 0xFF {
        out.extend_from_slice(&tag.to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    write_length(out, value.len());
    out.extend_from_slice(value);
}

/// `tag`, length and `value` as a new vector.
pub fn encode(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    write(&mut out, tag, value);
    out
}

/// Appends a definite-form length.
pub fn write_length(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x83);
            out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        }
    }
}

/// Reads the first data object of `input`; returns it and the bytes after it.
pub fn parse_one(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (&first, mut rest) = input.split_first().ok_or(TlvError::Truncated)?;
    let mut tag = u16::from(first);
    // Low five bits all set: the tag continues (§5.2.2.1); PIV uses at most two bytes.
    if first & 0x1F == 0x1F {
        let (&second, after) = rest.split_first().ok_or(TlvError::Truncated)?;
        if second & 0x80 != 0 {
            return Err(TlvError::BadTag);
        }
        tag = (tag << 8) | u16::from(second);
        rest = after;
    }
    let (&len0, after) = rest.split_first().ok_or(TlvError::Truncated)?;
    rest = after;
    let len = match len0 {
        0..=0x7F => usize::from(len0),
        0x81..=0x83 => {
            let n = usize::from(len0 & 0x7F);
            let (bytes, after) = rest.split_at_checked(n).ok_or(TlvError::Truncated)?;
            rest = after;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        }
        other => return Err(TlvError::BadLength(other)),
    };
    let (value, rest) = rest.split_at_checked(len).ok_or(TlvError::Truncated)?;
    Ok((Tlv { tag, value }, rest))
}

/// Iterates over consecutive data objects.
pub fn iter(input: &[u8]) -> impl Iterator<Item = Result<Tlv<'_>, TlvError>> {
    let mut rest = Some(input);
    std::iter::from_fn(move || {
        let input = rest.filter(|r| !r.is_empty())?;
        match parse_one(input) {
            Ok((tlv, after)) => {
                rest = Some(after);
                Some(Ok(tlv))
            }
            Err(e) => {
                rest = None;
                Some(Err(e))
            }
        }
    })
}

/// The value of the first object tagged `tag` among the consecutive objects of `input`.
pub fn find(input: &[u8], tag: u16) -> Result<Option<&[u8]>, TlvError> {
    for tlv in iter(input) {
        let tlv = tlv?;
        if tlv.tag == tag {
            return Ok(Some(tlv.value));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lengths_and_tags_round_trip() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 3000, 0x1_0000] {
            for tag in [0x53u16, 0x7F49, 0x7C] {
                let value = vec![0xAB; len];
                let bytes = encode(tag, &value);
                let (tlv, rest) = parse_one(&bytes).unwrap();
                assert_eq!((tlv.tag, tlv.value.len(), rest.len()), (tag, len, 0));
            }
        }
    }

    #[test]
    fn find_walks_siblings() {
        let mut buf = encode(0x70, b"cert");
        write(&mut buf, 0x71, &[0]);
        write(&mut buf, 0xFE, &[]);
        assert_eq!(find(&buf, 0x71).unwrap(), Some(&[0u8][..]));
        assert_eq!(find(&buf, 0x72).unwrap(), None);
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert_eq!(parse_one(&[0x53, 0x05, 1]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x53, 0x80]), Err(TlvError::BadLength(0x80)));
        assert_eq!(
            parse_one(&[0x53, 0x84, 0, 0, 0, 1]),
            Err(TlvError::BadLength(0x84))
        );
        assert_eq!(parse_one(&[0x5F]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x5F, 0x81, 0x01, 0]), Err(TlvError::BadTag));
        assert!(find(&[0x53, 0x02, 1], 0x70).is_err());
    }
}
