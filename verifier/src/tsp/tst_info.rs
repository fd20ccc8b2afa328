//! The content of a time-stamp token ([RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2)).

use core::time::Duration;

use der::{
    Decode, DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer,
    asn1::Int,
};
use x509_cert::ext::{Extensions, pkix::name::GeneralName};

use super::{DefaultFalse, GenTime, MessageImprint, TsaPolicyId, TspError, TspVersion};

/// A `millis` or `micros` count of an [`Accuracy`].
///
/// ```text
/// millis     [0] INTEGER  (1..999)    OPTIONAL,
/// micros     [1] INTEGER  (1..999)    OPTIONAL
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2). Values outside
/// `1..=999` are decoding errors; a zero is expressed by omitting the field.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash, PartialOrd, Ord)]
pub struct SubSecond(u16);

impl SubSecond {
    /// The count `value`, if it is within `1..=999`.
    pub const fn new(value: u16) -> Option<Self> {
        if value >= 1 && value <= 999 {
            Some(Self(value))
        } else {
            None
        }
    }

    /// The count.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl FixedTag for SubSecond {
    const TAG: Tag = Tag::Integer;
}

impl<'a> DecodeValue<'a> for SubSecond {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let value = u16::decode_value(reader, header)?;
        Self::new(value).ok_or_else(|| reader.error(Tag::Integer.value_error()))
    }
}

impl EncodeValue for SubSecond {
    fn value_len(&self) -> der::Result<Length> {
        self.0.value_len()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.encode_value(writer)
    }
}

/// The deviation around `genTime` within which the TSA vouches for the time.
///
/// ```text
/// Accuracy ::= SEQUENCE {
///       seconds        INTEGER              OPTIONAL,
///       millis     [0] INTEGER  (1..999)    OPTIONAL,
///       micros     [1] INTEGER  (1..999)    OPTIONAL  }
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2): "If either of
/// the 'seconds', 'millis' or 'micros' is missing, then a value of zero MUST be taken for the
/// missing field."
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Hash, Sequence)]
pub struct Accuracy {
    /// `seconds`.
    pub seconds: Option<u32>,
    /// `millis`.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<SubSecond>,
    /// `micros`.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<SubSecond>,
}

impl Accuracy {
    /// An accuracy of whole seconds.
    pub const fn seconds(seconds: u32) -> Self {
        Self {
            seconds: Some(seconds),
            millis: None,
            micros: None,
        }
    }

    /// The accuracy as a duration, missing fields counting as zero.
    pub fn to_duration(&self) -> Duration {
        let part = |p: Option<SubSecond>| u64::from(p.map_or(0, SubSecond::get));
        Duration::from_secs(u64::from(self.seconds.unwrap_or(0)))
            + Duration::from_millis(part(self.millis))
            + Duration::from_micros(part(self.micros))
    }
}

/// What a time-stamp token attests: this imprint existed at `genTime`.
///
/// ```text
/// TSTInfo ::= SEQUENCE  {
///    version                      INTEGER  { v1(1) },
///    policy                       TSAPolicyId,
///    messageImprint               MessageImprint,
///      -- MUST have the same value as the similar field in
///      -- TimeStampReq
///    serialNumber                 INTEGER,
///     -- Time-Stamping users MUST be ready to accommodate integers
///     -- up to 160 bits.
///    genTime                      GeneralizedTime,
///    accuracy                     Accuracy                 OPTIONAL,
///    ordering                     BOOLEAN             DEFAULT FALSE,
///    nonce                        INTEGER                  OPTIONAL,
///      -- MUST be present if the similar field was present
///      -- in TimeStampReq.  In that case it MUST have the same value.
///    tsa                          [0] GeneralName          OPTIONAL,
///    extensions                   [1] IMPLICIT Extensions   OPTIONAL  }
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2). `tsa` is tagged
/// explicitly although the module uses implicit tags: `GeneralName` is a CHOICE, and a
/// tagged CHOICE is always explicit (X.680 §31.2.7).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    /// `version`: always `v1`.
    pub version: TspVersion,
    /// `policy`: the TSA policy under which the token was issued.
    pub policy: TsaPolicyId,
    /// `messageImprint`: the hash that was time-stamped.
    pub message_imprint: MessageImprint,
    /// `serialNumber`: unique per token issued by this TSA. An `Int` because it may be up to
    /// 160 bits.
    pub serial_number: Int,
    /// `genTime`: when the token was created.
    pub gen_time: GenTime,
    /// `accuracy`.
    pub accuracy: Option<Accuracy>,
    /// `ordering`: whether tokens from this TSA can be ordered by `genTime` alone.
    #[asn1(default = "Default::default")]
    pub ordering: DefaultFalse,
    /// `nonce`: the request's nonce, echoed.
    pub nonce: Option<Int>,
    /// `tsa`: a name of the TSA.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    /// `extensions`.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

impl TstInfo {
    /// Decodes a DER `TSTInfo` and checks its imprint length.
    ///
    /// # Errors
    /// [`TspError::Malformed`] for bytes that are not a DER `TSTInfo`;
    /// [`TspError::ImprintLength`] for an imprint of the wrong length.
    pub fn parse(der: &[u8]) -> Result<Self, TspError> {
        let info = Self::from_der(der).map_err(|source| TspError::Malformed {
            structure: "TSTInfo",
            source,
        })?;
        info.message_imprint.check_length()?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Encode, ErrorKind};

    #[test]
    fn accuracy_round_trips_with_implicit_tags() {
        let acc = Accuracy {
            seconds: Some(1),
            millis: SubSecond::new(500),
            micros: SubSecond::new(7),
        };
        let der = acc.to_der().unwrap();
        assert_eq!(
            der,
            [
                0x30, 0x0a, 0x02, 0x01, 0x01, 0x80, 0x02, 0x01, 0xf4, 0x81, 0x01, 0x07
            ]
        );
        assert_eq!(Accuracy::from_der(&der).unwrap(), acc);
        assert_eq!(acc.to_duration(), Duration::from_micros(1_500_007));
    }

    #[test]
    fn sub_second_range_is_enforced() {
        assert!(SubSecond::new(0).is_none());
        assert!(SubSecond::new(1000).is_none());
        // millis [0] 1000
        let err = Accuracy::from_der(&[0x30, 0x04, 0x80, 0x02, 0x03, 0xe8]).unwrap_err();
        assert_eq!(err.kind(), Tag::Integer.value_error());
        // micros [1] 0
        let err = Accuracy::from_der(&[0x30, 0x03, 0x81, 0x01, 0x00]).unwrap_err();
        assert_eq!(err.kind(), Tag::Integer.value_error());
        // seconds -1
        let err = Accuracy::from_der(&[0x30, 0x03, 0x02, 0x01, 0xff]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Value { .. }));
    }
}
