//! The `SEQUENCE { tbs, signatureAlgorithm, signature }` envelope shared by CRLs
//! (RFC 5280 §5.1) and basic OCSP responses (RFC 6960 §4.2.1), read without re-encoding.
//!
//! A signature covers the exact bytes of the signed part. Decoding into typed values and
//! encoding again would give the same bytes only if the input was perfect DER in every
//! detail the types preserve; taking the bytes as they came avoids that dependence.

use der::{Decode as _, Reader as _, SliceReader, asn1::BitStringRef};
use spki::AlgorithmIdentifierOwned;

/// The three parts of a signed structure.
#[derive(Debug, Clone)]
pub(crate) struct SignedParts<'a> {
    /// The DER of the signed part (tag, length and value).
    pub(crate) tbs: &'a [u8],
    /// The signature value (the BIT STRING's bytes; `None` if it has unused bits, which no
    /// supported algorithm produces).
    pub(crate) signature: Option<&'a [u8]>,
}

/// Splits `der`, which must be exactly one `SEQUENCE` of a signed part, an algorithm
/// identifier and a BIT STRING, and may hold an optional trailing field (the `certs` of a
/// basic OCSP response), which is skipped.
pub(crate) fn split(der: &[u8]) -> der::Result<SignedParts<'_>> {
    let mut reader = SliceReader::new(der)?;
    let parts = reader.sequence(|seq| {
        let tbs = seq.tlv_bytes()?;
        // Typed and checked by the full decoding.
        AlgorithmIdentifierOwned::decode(seq)?;
        let signature = BitStringRef::decode(seq)?;
        // Whatever follows is typed and checked by the full decoding.
        while !seq.is_finished() {
            seq.tlv_bytes()?;
        }
        Ok::<_, der::Error>(SignedParts {
            tbs,
            signature: signature.as_bytes(),
        })
    })?;
    reader.finish()?;
    Ok(parts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn splits_and_rejects_trailing_data() {
        // SEQUENCE { INTEGER 5, SEQUENCE { OID 1.2.3 }, BIT STRING 00 AB }
        let der = [
            0x30, 0x0e, 0x02, 0x01, 0x05, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0x03, 0x02, 0x00,
            0xab, 0x00,
        ];
        assert!(split(&der).is_err(), "trailing byte after the SEQUENCE");
        let mut good = der[..15].to_vec();
        good[1] = 0x0d;
        let parts = split(&good).unwrap();
        assert_eq!(parts.tbs, &[0x02, 0x01, 0x05]);
        assert_eq!(parts.signature, Some(&[0xab][..]));
    }
}
