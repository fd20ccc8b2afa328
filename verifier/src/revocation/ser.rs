//! Serialisation helpers for the report: times as RFC 3339 strings, OIDs in dotted form.

use const_oid::ObjectIdentifier;
use der::DateTime;
use serde::Serializer;

/// A [`DateTime`] as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn date_time<S: Serializer>(time: &DateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(time)
}

/// An optional [`DateTime`] as `YYYY-MM-DDTHH:MM:SSZ` or `null`.
pub(crate) fn opt_date_time<S: Serializer>(
    time: &Option<DateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.collect_str(time),
        None => serializer.serialize_none(),
    }
}

/// An OID in dotted decimal form.
pub(crate) fn oid<S: Serializer>(oid: &ObjectIdentifier, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(oid)
}

/// A big-endian unsigned integer (a CRL number) in decimal, as OpenSSL prints it.
pub(crate) fn decimal(be: &[u8]) -> String {
    // Repeated division by 10 of the big-endian digits, base 256.
    let mut digits = be.to_vec();
    let mut out = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut rem = 0u32;
        for d in &mut digits {
            let cur = (rem << 8) | u32::from(*d);
            // `cur / 10` fits in a byte since `rem < 10`.
            *d = u8::try_from(cur / 10).unwrap_or(u8::MAX);
            rem = cur % 10;
        }
        out.push(char::from(b'0' + u8::try_from(rem).unwrap_or(0)));
    }
    if out.is_empty() {
        out.push('0');
    }
    out.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_big_endian() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[9]), "9");
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(
            decimal(&[0xff; 16]),
            "340282366920938463463374607431768211455"
        );
    }
}
