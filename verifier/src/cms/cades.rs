//! The CAdES validation-data attributes of ETSI EN 319 122-1 §5.5 (CAdES-LT): the
//! certificates and revocation data a verifier needs, embedded as unsigned attributes.
//!
//! The ETSI ASN.1 module is written with `EXPLICIT TAGS` (ETSI EN 319 122-1 Annex A,
//! inherited from ETSI TS 101 733), so the context tags below are explicit.
//!
//! Entries are kept as undecoded DER: this module only hands them to the caller for path and
//! revocation validation, and one unreadable CRL must not hide the others.

use const_oid::ObjectIdentifier;
use der::{Any, Sequence};

/// The value of `id-aa-ets-certValues`.
///
/// ```text
/// CertificateValues ::=  SEQUENCE OF Certificate
/// ```
///
/// ETSI EN 319 122-1 §5.5.1. Each element is one DER `Certificate`.
pub type CertificateValues = Vec<Any>;

/// The value of `id-aa-ets-revocationValues`.
///
/// ```text
/// RevocationValues ::=  SEQUENCE {
///     crlVals         [0] SEQUENCE OF CertificateList OPTIONAL,
///     ocspVals        [1] SEQUENCE OF BasicOCSPResponse OPTIONAL,
///     otherRevVals    [2] OtherRevVals OPTIONAL }
/// ```
///
/// ETSI EN 319 122-1 §5.5.2
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct RevocationValues {
    /// `crlVals`: DER `CertificateList`s (RFC 5280 §5.1).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub crl_vals: Option<Vec<Any>>,
    /// `ocspVals`: DER `BasicOCSPResponse`s (RFC 6960 §4.2.1).
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub ocsp_vals: Option<Vec<Any>>,
    /// `otherRevVals`.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub other_rev_vals: Option<OtherRevVals>,
}

/// Revocation data of another kind.
///
/// ```text
/// OtherRevVals ::= SEQUENCE {
///     otherRevValType   OTHER-REVOCATION-VAL.&id,
///     otherRevVals      SEQUENCE OF OTHER-REVOCATION-REF.&Type }
/// ```
///
/// ETSI EN 319 122-1 §5.5.2
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OtherRevVals {
    /// `otherRevValType`.
    pub other_rev_val_type: ObjectIdentifier,
    /// `otherRevVals`, undecoded.
    pub other_rev_vals: Any,
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode, Tag};

    #[test]
    fn explicit_tags_round_trip() {
        let crl = Any::new(Tag::Sequence, [0x05, 0x00]).unwrap();
        let value = RevocationValues {
            crl_vals: Some(vec![crl]),
            ocsp_vals: None,
            other_rev_vals: None,
        };
        let der = value.to_der().unwrap();
        // SEQUENCE { [0] { SEQUENCE OF { SEQUENCE { NULL } } } }
        assert_eq!(
            der,
            [0x30, 0x08, 0xa0, 0x06, 0x30, 0x04, 0x30, 0x02, 0x05, 0x00]
        );
        assert_eq!(RevocationValues::from_der(&der).unwrap(), value);
    }
}
