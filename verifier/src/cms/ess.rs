//! The ESS `SigningCertificate` attribute, version 1
//! ([RFC 2634 §5.4](https://www.rfc-editor.org/rfc/rfc2634#section-5.4)).
//!
//! Version 2 (RFC 5035) is [`crate::tsp::SigningCertificateV2`]. Version 1 identifies
//! certificates by their SHA-1 hash only; RFC 3161 §2.4.1 requires it (or version 2, RFC 5816
//! §2.2.1) in every time-stamp token, and older CAdES signers and the National Certification
//! Centre's TSA still write it.

use der::{Sequence, asn1::OctetString};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;

use crate::tsp::IssuerSerial;

/// The attribute value binding a signature to its signer's certificate(s) by SHA-1 hash.
///
/// ```text
/// SigningCertificate ::=  SEQUENCE {
///     certs        SEQUENCE OF ESSCertID,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL
/// }
/// ```
///
/// [RFC 2634 §5.4](https://www.rfc-editor.org/rfc/rfc2634#section-5.4). "The first
/// certificate identified in the sequence of certificate identifiers MUST be the certificate
/// used to verify the signature."
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificate {
    /// `certs`: the signer's certificate first.
    pub certs: Vec<EssCertId>,
    /// `policies`.
    pub policies: Option<Vec<PolicyInformation>>,
}

/// The identification of one certificate by its SHA-1 hash.
///
/// ```text
/// ESSCertID ::=  SEQUENCE {
///      certHash                 Hash,
///      issuerSerial             IssuerSerial OPTIONAL
/// }
///
/// Hash ::= OCTET STRING -- SHA1 hash of entire certificate
/// ```
///
/// [RFC 2634 §5.4.1](https://www.rfc-editor.org/rfc/rfc2634#section-5.4.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertId {
    /// `certHash`: the SHA-1 hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// `issuerSerial`.
    pub issuer_serial: Option<IssuerSerial>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    #[test]
    fn hash_only_round_trips() {
        let value = SigningCertificate {
            certs: vec![EssCertId {
                cert_hash: OctetString::new([0xaa; 20]).unwrap(),
                issuer_serial: None,
            }],
            policies: None,
        };
        let der = value.to_der().unwrap();
        // SEQUENCE { SEQUENCE { SEQUENCE { OCTET STRING (20) } } }, as the NCA TSA writes it.
        assert_eq!(&der[..8], &[0x30, 0x1a, 0x30, 0x18, 0x30, 0x16, 0x04, 0x14]);
        assert_eq!(SigningCertificate::from_der(&der).unwrap(), value);
    }
}
