//! The time-stamp response ([RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2)).

use core::ops::{BitOr, BitOrAssign};

use cms::content_info::ContentInfo;
use der::{
    Decode, DecodeValue, EncodeValue, Enumerated, ErrorKind, FixedTag, Header, Length, Reader,
    Sequence, Tag, Writer, asn1::BitStringRef,
};

use super::TspError;

/// A time-stamp token: a CMS `ContentInfo` holding `SignedData` whose encapsulated content is a
/// DER [`super::TstInfo`] of type [`super::ID_CT_TST_INFO`].
///
/// ```text
/// TimeStampToken ::= ContentInfo
///      -- contentType is id-signedData ([CMS])
///      -- content is SignedData ([CMS])
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2)
pub type TimeStampToken = ContentInfo;

/// The status of a time-stamp response.
///
/// ```text
/// PKIStatus ::= INTEGER {
///    granted                (0),
///    -- when the PKIStatus contains the value zero a TimeStampToken, as
///    -- requested, is present.
///    grantedWithMods        (1),
///     -- when the PKIStatus contains the value one a TimeStampToken,
///     -- with modifications, is present.
///    rejection              (2),
///    waiting                (3),
///    revocationWarning      (4),
///     -- this message contains a warning that a revocation is
///     -- imminent
///    revocationNotification (5)
///     -- notification that a revocation has occurred   }
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2). The type is an
/// INTEGER, not an ENUMERATED; values outside the list are decoding errors.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash, Enumerated)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum PkiStatus {
    /// `granted(0)`: the token is present, as requested.
    Granted = 0,
    /// `grantedWithMods(1)`: the token is present, with modifications.
    GrantedWithMods = 1,
    /// `rejection(2)`.
    Rejection = 2,
    /// `waiting(3)`.
    Waiting = 3,
    /// `revocationWarning(4)`: a revocation is imminent.
    RevocationWarning = 4,
    /// `revocationNotification(5)`: a revocation has occurred.
    RevocationNotification = 5,
}

impl PkiStatus {
    /// Whether this status grants a time-stamp, so the response must carry a token.
    pub const fn is_granted(self) -> bool {
        matches!(self, Self::Granted | Self::GrantedWithMods)
    }
}

/// The reasons a time-stamp request failed, as a set of named bits.
///
/// ```text
/// PKIFailureInfo ::= BIT STRING {
///     badAlg               (0),
///       -- unrecognized or unsupported Algorithm Identifier
///     badRequest           (2),
///       -- transaction not permitted or supported
///     badDataFormat        (5),
///       -- the data submitted has the wrong format
///     timeNotAvailable    (14),
///       -- the TSA's time source is not available
///     unacceptedPolicy    (15),
///       -- the requested TSA policy is not supported by the TSA
///     unacceptedExtension (16),
///       -- the requested extension is not supported by the TSA
///     addInfoNotAvailable (17)
///       -- the additional information requested could not be understood
///       -- or is not available
///     systemFailure       (25)
///       -- the request cannot be handled due to system failure  }
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2). Bit `n` of the
/// ASN.1 value is `1 << n` here. Bits RFC 3161 does not name (RFC 4210 defines more for CMP)
/// are kept, up to bit 31; a set bit beyond that is an [`ErrorKind::Overlength`] error.
///
/// A named bit list is encoded without trailing zero bits
/// ([X.690 §11.2.2](https://www.itu.int/rec/T-REC-X.690)). `der`'s `BitString` derive encodes
/// every declared bit, so this type has its own small codec; it rejects trailing zeros and
/// non-zero padding as [`ErrorKind::Noncanonical`].
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Hash)]
pub struct PkiFailureInfo(u32);

impl PkiFailureInfo {
    /// `badAlg (0)`: unrecognized or unsupported algorithm identifier.
    pub const BAD_ALG: Self = Self(1 << 0);
    /// `badRequest (2)`: transaction not permitted or supported.
    pub const BAD_REQUEST: Self = Self(1 << 2);
    /// `badDataFormat (5)`: the submitted data has the wrong format.
    pub const BAD_DATA_FORMAT: Self = Self(1 << 5);
    /// `timeNotAvailable (14)`: the TSA's time source is not available.
    pub const TIME_NOT_AVAILABLE: Self = Self(1 << 14);
    /// `unacceptedPolicy (15)`: the requested TSA policy is not supported.
    pub const UNACCEPTED_POLICY: Self = Self(1 << 15);
    /// `unacceptedExtension (16)`: the requested extension is not supported.
    pub const UNACCEPTED_EXTENSION: Self = Self(1 << 16);
    /// `addInfoNotAvailable (17)`: the additional information could not be understood or is
    /// not available.
    pub const ADD_INFO_NOT_AVAILABLE: Self = Self(1 << 17);
    /// `systemFailure (25)`: the request cannot be handled due to system failure.
    pub const SYSTEM_FAILURE: Self = Self(1 << 25);

    /// The empty set.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// The set whose bit `n` is `bits & (1 << n)`.
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw bits, bit `n` being `1 << n`.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every bit of `other` is set in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The numbers of the set bits, in increasing order.
    pub fn bit_numbers(self) -> impl Iterator<Item = u8> {
        (0u8..32).filter(move |&n| self.0 & (1 << n) != 0)
    }

    /// The number of significant bits: one past the highest set bit.
    fn bit_len(self) -> u32 {
        32 - self.0.leading_zeros()
    }
}

impl BitOr for PkiFailureInfo {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for PkiFailureInfo {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl FixedTag for PkiFailureInfo {
    const TAG: Tag = Tag::BitString;
}

impl<'a> DecodeValue<'a> for PkiFailureInfo {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let bits = BitStringRef::decode_value(reader, header)?;
        let noncanonical = ErrorKind::Noncanonical {
            tag: Tag::BitString,
        };

        // DER: padding bits are zero (X.690 §11.2.1) and a named bit list ends in a one.
        let padding_mask = (1u8 << bits.unused_bits()) - 1;
        if bits
            .raw_bytes()
            .last()
            .is_some_and(|b| b & padding_mask != 0)
        {
            return Err(reader.error(noncanonical));
        }
        let mut set = 0u32;
        let mut last = false;
        for (n, bit) in bits.bits().enumerate() {
            last = bit;
            if bit {
                if n >= 32 {
                    return Err(reader.error(ErrorKind::Overlength));
                }
                set |= 1 << n;
            }
        }
        if bits.bit_len() > 0 && !last {
            return Err(reader.error(noncanonical));
        }
        Ok(Self(set))
    }
}

impl PkiFailureInfo {
    /// The DER content octets (excluding the unused-bits count) and the unused-bit count.
    fn content(self) -> ([u8; 4], usize, u8) {
        // ASN.1 bit 0 is the most significant bit of the first octet.
        let bytes = self.0.reverse_bits().to_be_bytes();
        let bit_len = self.bit_len();
        let byte_len = bit_len.div_ceil(8);
        // `byte_len` is at most 4 and the padding at most 7.
        (bytes, byte_len as usize, (byte_len * 8 - bit_len) as u8)
    }
}

impl EncodeValue for PkiFailureInfo {
    fn value_len(&self) -> der::Result<Length> {
        let (_, byte_len, _) = self.content();
        Length::try_from(byte_len + 1)
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        let (bytes, byte_len, unused) = self.content();
        writer.write_byte(unused)?;
        writer.write(&bytes[..byte_len])
    }
}

/// Human-readable text about a response's status.
///
/// ```text
/// PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String
///        -- text encoded as UTF-8 String (note:  each UTF8String SHOULD
///        -- include an RFC 1766 language tag to indicate the language
///        -- of the contained text)
/// ```
///
/// [RFC 4210 §5.1.1](https://www.rfc-editor.org/rfc/rfc4210#section-5.1.1), referenced by
/// RFC 3161. An empty sequence violates `SIZE (1..MAX)` and is a decoding error.
#[derive(Clone, Debug, Eq, PartialEq, Hash)]
pub struct PkiFreeText(Vec<String>);

impl PkiFreeText {
    /// Free text with the given strings, or `None` if `texts` is empty.
    pub fn new(texts: Vec<String>) -> Option<Self> {
        (!texts.is_empty()).then_some(Self(texts))
    }

    /// The strings, in order.
    pub fn texts(&self) -> &[String] {
        &self.0
    }
}

impl From<PkiFreeText> for Vec<String> {
    fn from(text: PkiFreeText) -> Self {
        text.0
    }
}

impl FixedTag for PkiFreeText {
    const TAG: Tag = Tag::Sequence;
}

impl<'a> DecodeValue<'a> for PkiFreeText {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let texts = Vec::<String>::decode_value(reader, header)?;
        Self::new(texts).ok_or_else(|| reader.error(Tag::Sequence.length_error()))
    }
}

impl EncodeValue for PkiFreeText {
    fn value_len(&self) -> der::Result<Length> {
        self.0.value_len()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.encode_value(writer)
    }
}

/// The status of a time-stamp response, with the authority's reasons.
///
/// ```text
/// PKIStatusInfo ::= SEQUENCE {
///     status        PKIStatus,
///     statusString  PKIFreeText     OPTIONAL,
///     failInfo      PKIFailureInfo  OPTIONAL  }
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    /// `status`.
    pub status: PkiStatus,
    /// `statusString`.
    pub status_string: Option<PkiFreeText>,
    /// `failInfo`.
    pub fail_info: Option<PkiFailureInfo>,
}

/// The answer to a [`super::TimeStampReq`].
///
/// ```text
/// TimeStampResp ::= SEQUENCE  {
///      status                  PKIStatusInfo,
///      timeStampToken          TimeStampToken     OPTIONAL  }
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    /// `status`.
    pub status: PkiStatusInfo,
    /// `timeStampToken`: present exactly when the status grants a time-stamp.
    pub time_stamp_token: Option<TimeStampToken>,
}

impl TimeStampResp {
    /// Decodes a DER `TimeStampResp` and checks that a token is present exactly when the status
    /// grants one.
    ///
    /// # Errors
    /// [`TspError::Malformed`] for bytes that are not a DER `TimeStampResp`;
    /// [`TspError::MissingToken`] or [`TspError::UnexpectedToken`] when the token's presence
    /// contradicts the status.
    pub fn parse(der: &[u8]) -> Result<Self, TspError> {
        let resp = Self::from_der(der).map_err(|source| TspError::Malformed {
            structure: "TimeStampResp",
            source,
        })?;
        let status = resp.status.status;
        match (status.is_granted(), resp.time_stamp_token.is_some()) {
            (true, false) => Err(TspError::MissingToken { status }),
            (false, true) => Err(TspError::UnexpectedToken { status }),
            _ => Ok(resp),
        }
    }

    /// The token, if the authority granted one.
    ///
    /// # Errors
    /// [`TspError::NotGranted`] with the authority's reasons when the status is not a grant;
    /// [`TspError::MissingToken`] when it is but no token is present.
    pub fn granted_token(&self) -> Result<&TimeStampToken, TspError> {
        let status = self.status.status;
        if !status.is_granted() {
            return Err(TspError::NotGranted {
                status,
                fail_info: self.status.fail_info,
                text: self
                    .status
                    .status_string
                    .as_ref()
                    .map(|t| t.texts().to_vec()),
            });
        }
        self.time_stamp_token
            .as_ref()
            .ok_or(TspError::MissingToken { status })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    #[test]
    fn failure_info_drops_trailing_zero_bits() {
        assert_eq!(
            PkiFailureInfo::BAD_ALG.to_der().unwrap(),
            [0x03, 0x02, 0x07, 0x80]
        );
        assert_eq!(
            PkiFailureInfo::BAD_REQUEST.to_der().unwrap(),
            [0x03, 0x02, 0x05, 0x20]
        );
        assert_eq!(
            PkiFailureInfo::SYSTEM_FAILURE.to_der().unwrap(),
            [0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40]
        );
        assert_eq!(
            PkiFailureInfo::empty().to_der().unwrap(),
            [0x03, 0x01, 0x00]
        );
        let both = PkiFailureInfo::BAD_ALG | PkiFailureInfo::UNACCEPTED_POLICY;
        let der = both.to_der().unwrap();
        assert_eq!(der, [0x03, 0x03, 0x00, 0x80, 0x01]);
        let back = PkiFailureInfo::from_der(&der).unwrap();
        assert_eq!(back, both);
        assert_eq!(back.bit_numbers().collect::<Vec<_>>(), [0, 15]);
        assert!(back.contains(PkiFailureInfo::UNACCEPTED_POLICY));
    }

    #[test]
    fn failure_info_rejects_non_der() {
        let noncanonical = ErrorKind::Noncanonical {
            tag: Tag::BitString,
        };
        // badAlg padded with a trailing zero bit: 0b1000_0000 with 6 unused bits.
        let err = PkiFailureInfo::from_der(&[0x03, 0x02, 0x06, 0x80]).unwrap_err();
        assert_eq!(err.kind(), noncanonical);
        // Non-zero padding bit.
        let err = PkiFailureInfo::from_der(&[0x03, 0x02, 0x07, 0x81]).unwrap_err();
        assert_eq!(err.kind(), noncanonical);
        // Bit 32 set.
        let err = PkiFailureInfo::from_der(&[0x03, 0x06, 0x07, 0x00, 0x00, 0x00, 0x00, 0x80])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Overlength);
    }

    #[test]
    fn status_is_an_integer() {
        assert_eq!(PkiStatus::Rejection.to_der().unwrap(), [0x02, 0x01, 0x02]);
        let err = PkiStatus::from_der(&[0x02, 0x01, 0x06]).unwrap_err();
        assert_eq!(err.kind(), Tag::Integer.value_error());
    }

    #[test]
    fn free_text_is_never_empty() {
        let err = PkiFreeText::from_der(&[0x30, 0x00]).unwrap_err();
        assert_eq!(err.kind(), Tag::Sequence.length_error());
        let text = PkiFreeText::new(vec!["no".into()]).unwrap();
        assert_eq!(
            PkiFreeText::from_der(&text.to_der().unwrap()).unwrap(),
            text
        );
    }

    #[test]
    fn token_presence_must_match_status() {
        let rejected = TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Rejection,
                status_string: PkiFreeText::new(vec!["bad".into()]),
                fail_info: Some(PkiFailureInfo::BAD_ALG),
            },
            time_stamp_token: None,
        };
        let der = rejected.to_der().unwrap();
        let parsed = TimeStampResp::parse(&der).unwrap();
        assert!(matches!(
            parsed.granted_token(),
            Err(TspError::NotGranted {
                status: PkiStatus::Rejection,
                fail_info: Some(PkiFailureInfo::BAD_ALG),
                ..
            })
        ));

        let mut granted = rejected;
        granted.status = PkiStatusInfo {
            status: PkiStatus::Granted,
            status_string: None,
            fail_info: None,
        };
        let der = granted.to_der().unwrap();
        assert!(matches!(
            TimeStampResp::parse(&der),
            Err(TspError::MissingToken {
                status: PkiStatus::Granted
            })
        ));
    }
}
