//! Small field types shared by the time-stamping structures.

use der::{
    DecodeValue, EncodeValue, Enumerated, ErrorKind, FixedTag, Header, Length, Reader, Tag, Writer,
};

/// The syntax version of a `TimeStampReq` or `TSTInfo`. Both define only `v1`.
///
/// ```text
/// version                      INTEGER  { v1(1) },
/// ```
///
/// [RFC 3161 §2.4.1](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.1) and
/// [§2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2). Any other value is a decoding
/// error: a later version could change the meaning of the fields that follow.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Hash, Enumerated)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum TspVersion {
    /// `v1(1)`.
    #[default]
    V1 = 1,
}

/// A `BOOLEAN DEFAULT FALSE` field, such as `certReq` or `ordering`.
///
/// DER forbids encoding a component equal to its default
/// ([X.690 §11.5](https://www.itu.int/rec/T-REC-X.690)), so an explicit `FALSE` is rejected
/// as non-canonical when decoded; [`der::Sequence`] omits the field when encoding `false`.
/// A plain `bool` would accept the explicit `FALSE` and then re-encode to different bytes.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Hash, PartialOrd, Ord)]
pub struct DefaultFalse(bool);

impl DefaultFalse {
    /// The field's value.
    pub const fn get(self) -> bool {
        self.0
    }
}

impl From<bool> for DefaultFalse {
    fn from(value: bool) -> Self {
        Self(value)
    }
}

impl From<DefaultFalse> for bool {
    fn from(value: DefaultFalse) -> Self {
        value.0
    }
}

impl FixedTag for DefaultFalse {
    const TAG: Tag = Tag::Boolean;
}

impl<'a> DecodeValue<'a> for DefaultFalse {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        if bool::decode_value(reader, header)? {
            Ok(Self(true))
        } else {
            Err(reader.error(ErrorKind::Noncanonical { tag: Tag::Boolean }))
        }
    }
}

impl EncodeValue for DefaultFalse {
    fn value_len(&self) -> der::Result<Length> {
        self.0.value_len()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.encode_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    #[test]
    fn version_is_an_integer() {
        assert_eq!(TspVersion::V1.to_der().unwrap(), [0x02, 0x01, 0x01]);
        let err = TspVersion::from_der(&[0x02, 0x01, 0x02]).unwrap_err();
        assert_eq!(err.kind(), Tag::Integer.value_error());
        // ENUMERATED is not INTEGER.
        let err = TspVersion::from_der(&[0x0a, 0x01, 0x01]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::TagUnexpected { .. }));
    }

    #[test]
    fn explicit_false_is_not_der() {
        assert_eq!(
            DefaultFalse::from_der(&[0x01, 0x01, 0xff]).unwrap(),
            DefaultFalse::from(true)
        );
        let err = DefaultFalse::from_der(&[0x01, 0x01, 0x00]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Noncanonical { tag: Tag::Boolean });
    }
}
