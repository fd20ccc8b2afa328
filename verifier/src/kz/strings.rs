//! Text of a name attribute, whatever ASN.1 string type carries it.
//!
//! NCA certificates put Cyrillic names (with the Kazakh letters ә ғ қ ң ө ұ ү һ і) in
//! `UTF8String` and `SERIALNUMBER`/`C` in `PrintableString`; e-mail addresses are
//! `IA5String`. `BMPString` (UCS-2), which RFC 5280 still admits for issuers that used it
//! before, is read as well ([RFC 5280 §4.1.2.4](https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.4),
//! [Appendix A.1](https://www.rfc-editor.org/rfc/rfc5280#appendix-A.1)).
//!
//! `UniversalString` (tag 28) is not handled here because `der` cannot read a certificate
//! containing one at all; `TeletexString` is accepted for its ASCII subset only, since T.61's
//! upper half is used inconsistently in practice and a guessed name is worse than none.

use der::{
    Tag, Tagged,
    asn1::{Any, BmpString, Ia5StringRef, PrintableStringRef, TeletexStringRef},
};

/// Why an attribute value could not be read as text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum StringError {
    /// The value's tag is not one of the string types a name attribute may use.
    #[error("{tag} is not a string type used in names")]
    NotAString {
        /// The tag found.
        tag: Tag,
    },
    /// The bytes break the rules of the string type they claim to be.
    #[error("invalid {tag} content: {reason}")]
    Invalid {
        /// The string type.
        tag: Tag,
        /// The decoder's account of the defect.
        reason: String,
    },
    /// An empty string, which `DirectoryString` forbids (`SIZE (1..MAX)`,
    /// [RFC 5280 §4.1.2.4](https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.4)).
    #[error("empty {tag}")]
    Empty {
        /// The string type.
        tag: Tag,
    },
}

/// The text of `value`, decoded according to its tag.
pub(crate) fn decode(value: &Any) -> Result<String, StringError> {
    let tag = value.tag();
    let bytes = value.value();
    let invalid = |reason: String| StringError::Invalid { tag, reason };
    let text = match tag {
        Tag::Utf8String => core::str::from_utf8(bytes)
            .map_err(|e| invalid(e.to_string()))?
            .to_owned(),
        Tag::PrintableString => PrintableStringRef::new(bytes)
            .map_err(|e| invalid(e.to_string()))?
            .as_str()
            .to_owned(),
        Tag::Ia5String => Ia5StringRef::new(bytes)
            .map_err(|e| invalid(e.to_string()))?
            .as_str()
            .to_owned(),
        Tag::TeletexString => TeletexStringRef::new(bytes)
            .map_err(|_| invalid("bytes outside ASCII are not decoded".to_owned()))?
            .as_str()
            .to_owned(),
        Tag::BmpString => BmpString::from_ucs2(bytes)
            .map_err(|e| invalid(e.to_string()))?
            .chars()
            .collect(),
        _ => return Err(StringError::NotAString { tag }),
    };
    if text.is_empty() {
        return Err(StringError::Empty { tag });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(tag: Tag, bytes: &[u8]) -> Any {
        Any::new(tag, bytes).unwrap()
    }

    /// Every Kazakh-specific letter of the Cyrillic alphabet, both cases.
    const KAZAKH: &str = "ӘәҒғҚқҢңӨөҰұҮүҺһІі";

    #[test]
    fn utf8_with_kazakh_letters() {
        let text = format!("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ {KAZAKH}");
        assert_eq!(decode(&any(Tag::Utf8String, text.as_bytes())), Ok(text));
    }

    #[test]
    fn bmp_with_kazakh_letters() {
        let ucs2: Vec<u8> = KAZAKH.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&any(Tag::BmpString, &ucs2)), Ok(KAZAKH.to_owned()));
    }

    #[test]
    fn printable_and_ia5() {
        assert_eq!(
            decode(&any(Tag::PrintableString, b"IIN123456789011")),
            Ok("IIN123456789011".to_owned())
        );
        assert_eq!(
            decode(&any(Tag::Ia5String, b"test@pki.gov.kz")),
            Ok("test@pki.gov.kz".to_owned())
        );
    }

    #[test]
    fn rejects_what_does_not_decode() {
        // Overlong UTF-8, a PrintableString with '@', odd-length UCS-2, non-ASCII T.61.
        for (tag, bytes) in [
            (Tag::Utf8String, &b"\xc0\xaf"[..]),
            (Tag::PrintableString, b"a@b"),
            (Tag::BmpString, b"\x04"),
            (Tag::BmpString, b"\xd8\x00"),
            (Tag::TeletexString, b"\xe9"),
            (Tag::Ia5String, b"\x80"),
        ] {
            assert!(
                matches!(decode(&any(tag, bytes)), Err(StringError::Invalid { .. })),
                "{tag} {bytes:?}"
            );
        }
        assert_eq!(
            decode(&any(Tag::Integer, b"\x01")),
            Err(StringError::NotAString { tag: Tag::Integer })
        );
        assert_eq!(
            decode(&any(Tag::Utf8String, b"")),
            Err(StringError::Empty {
                tag: Tag::Utf8String
            })
        );
    }
}
