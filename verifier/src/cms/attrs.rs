//! Reading attributes (RFC 5652 §5.3, §11) from a `SignerInfo`.

use const_oid::ObjectIdentifier;
use der::DateTime;
use der::asn1::OctetString;
use der::{Any, Decode, Encode as _};
use serde::Serialize;
use x509_cert::attr::{Attribute, Attributes};
use x509_cert::time::Time;

use super::check::Failure;
use super::oid::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME};
use super::ser;

/// Decodes an attribute value (kept by `x509-cert` as an undecoded `ANY`) as `T`.
pub(crate) fn decode_value<T: for<'a> Decode<'a, Error = der::Error>>(
    value: &Any,
) -> der::Result<T> {
    T::from_der(&value.to_der()?)
}

/// The attributes of type `oid` in `attrs`.
pub(crate) fn all(
    attrs: Option<&Attributes>,
    oid: ObjectIdentifier,
) -> impl Iterator<Item = &Attribute> {
    attrs
        .into_iter()
        .flat_map(|a| a.iter())
        .filter(move |a| a.oid == oid)
}

/// The one value of the attribute `oid`, or `None` when it is absent.
///
/// # Errors
/// `FORMAT_FAILURE` when the attribute appears more than once or has other than one value,
/// which RFC 5652 §11.1–§11.3 forbid for content-type, message-digest and signing-time, and
/// RFC 5035 §3 / RFC 2634 §5.4 for the signing-certificate attributes.
pub(crate) fn single<'a>(
    attrs: Option<&'a Attributes>,
    oid: ObjectIdentifier,
    name: &str,
) -> Result<Option<&'a Any>, Failure> {
    let mut found = all(attrs, oid);
    let Some(attribute) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() {
        return Err(Failure::format(format!(
            "the {name} attribute appears more than once"
        )));
    }
    let mut values = attribute.values.iter();
    match (values.next(), values.next()) {
        (Some(value), None) => Ok(Some(value)),
        _ => Err(Failure::format(format!(
            "the {name} attribute must have exactly one value"
        ))),
    }
}

/// The `content-type` attribute (RFC 5652 §11.1).
pub(crate) fn content_type(attrs: &Attributes) -> Result<Option<ObjectIdentifier>, Failure> {
    single(Some(attrs), ID_CONTENT_TYPE, "content-type")?
        .map(|v| {
            decode_value::<ObjectIdentifier>(v)
                .map_err(|e| Failure::format(format!("content-type attribute: {e}")))
        })
        .transpose()
}

/// The `message-digest` attribute (RFC 5652 §11.2).
pub(crate) fn message_digest(attrs: &Attributes) -> Result<Option<Vec<u8>>, Failure> {
    single(Some(attrs), ID_MESSAGE_DIGEST, "message-digest")?
        .map(|v| {
            decode_value::<OctetString>(v)
                .map(|o| o.as_bytes().to_vec())
                .map_err(|e| Failure::format(format!("message-digest attribute: {e}")))
        })
        .transpose()
}

/// How a time was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TimeEncoding {
    /// `UTCTime`, which RFC 5652 §11.3 requires for 1950 to 2049.
    #[serde(rename = "UTCTime")]
    UtcTime,
    /// `GeneralizedTime`, for other years.
    #[serde(rename = "GeneralizedTime")]
    GeneralizedTime,
}

/// The signer's claimed signing time (RFC 5652 §11.3). Claimed only: the signer chose it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SigningTime {
    /// The time, serialised as RFC 3339.
    #[serde(serialize_with = "ser::display")]
    pub time: DateTime,
    /// Its encoding.
    pub encoding: TimeEncoding,
}

/// The `signing-time` attribute (RFC 5652 §11.3):
///
/// ```text
/// SigningTime  ::= Time
/// Time ::= CHOICE {
///   utcTime          UTCTime,
///   generalTime      GeneralizedTime }
/// ```
pub(crate) fn signing_time(attrs: &Attributes) -> Result<Option<SigningTime>, Failure> {
    let Some(value) = single(Some(attrs), ID_SIGNING_TIME, "signing-time")? else {
        return Ok(None);
    };
    let time = decode_value::<Time>(value)
        .map_err(|e| Failure::format(format!("signing-time attribute: {e}")))?;
    let encoding = match time {
        Time::UtcTime(_) => TimeEncoding::UtcTime,
        Time::GeneralTime(_) => TimeEncoding::GeneralizedTime,
    };
    Ok(Some(SigningTime {
        time: time.to_date_time(),
        encoding,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::{GeneralizedTime, UtcTime};

    fn signing_time_of(value: Any) -> Option<SigningTime> {
        let attrs = Attributes::try_from(vec![Attribute {
            oid: ID_SIGNING_TIME,
            values: der::asn1::SetOfVec::try_from(vec![value]).unwrap(),
        }])
        .unwrap();
        signing_time(&attrs).unwrap()
    }

    #[test]
    fn signing_time_in_both_encodings() {
        let utc = DateTime::new(2022, 9, 18, 13, 20, 14).unwrap();
        let value = Any::encode_from(&UtcTime::from_date_time(utc).unwrap()).unwrap();
        let t = signing_time_of(value).unwrap();
        assert_eq!((t.time, t.encoding), (utc, TimeEncoding::UtcTime));

        // RFC 5652 §11.3: from 2050 on, GeneralizedTime.
        let later = DateTime::new(2051, 1, 2, 3, 4, 5).unwrap();
        let value = Any::encode_from(&GeneralizedTime::from_date_time(later)).unwrap();
        let t = signing_time_of(value).unwrap();
        assert_eq!((t.time, t.encoding), (later, TimeEncoding::GeneralizedTime));
        assert_eq!(t.time.to_string(), "2051-01-02T03:04:05Z");
    }

    #[test]
    fn repeated_or_multi_valued_attributes_are_format_failures() {
        let oid = Any::encode_from(&ID_CONTENT_TYPE).unwrap();
        let two = Attribute {
            oid: ID_CONTENT_TYPE,
            values: der::asn1::SetOfVec::try_from(vec![
                oid.clone(),
                Any::encode_from(&ID_SIGNING_TIME).unwrap(),
            ])
            .unwrap(),
        };
        let attrs = Attributes::try_from(vec![two]).unwrap();
        let failure = content_type(&attrs).unwrap_err();
        assert!(failure.reason.contains("exactly one value"), "{failure}");
    }
}
