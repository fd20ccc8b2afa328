//! Object identifiers of the content types and attributes this module reads.
//!
//! Written out so they can be checked against the standards that define them; the tests pin
//! those the `const-oid` database knows to its registry.

use const_oid::ObjectIdentifier;

/// `id-data` (RFC 5652 §4): arbitrary octets.
pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");

/// `id-signedData` (RFC 5652 §5.1).
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// `id-contentType` (RFC 5652 §11.1).
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");

/// `id-messageDigest` (RFC 5652 §11.2).
pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

/// `id-signingTime` (RFC 5652 §11.3).
pub const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

/// `id-countersignature` (RFC 5652 §11.4).
pub const ID_COUNTERSIGNATURE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.6");

/// `id-aa-signingCertificate` (RFC 2634 §5.4): the ESS attribute of SHA-1 `ESSCertID`s.
pub const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");

/// `id-aa-signingCertificateV2` (RFC 5035 §3).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier = crate::tsp::ID_AA_SIGNING_CERTIFICATE_V2;

/// `id-aa-signatureTimeStampToken` (ETSI EN 319 122-1 §5.3; RFC 3161 Appendix A calls it
/// `id-aa-timeStampToken`): an unsigned attribute holding a time-stamp token over the
/// signature value (CAdES-T).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// `id-aa-ets-certValues` (ETSI EN 319 122-1 §5.5.1): certificates for validation (CAdES-LT).
pub const ID_AA_ETS_CERT_VALUES: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.23");

/// `id-aa-ets-revocationValues` (ETSI EN 319 122-1 §5.5.2): CRLs and OCSP responses for
/// validation (CAdES-LT).
pub const ID_AA_ETS_REVOCATION_VALUES: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.24");

/// `id-ri-ocsp-response` (RFC 5940 §3): an OCSP response in `SignedData.crls`.
pub const ID_RI_OCSP_RESPONSE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.16.2");

#[cfg(test)]
mod tests {
    use super::*;
    use const_oid::db::{rfc3161, rfc5911};

    #[test]
    fn constants_match_the_oid_database() {
        assert_eq!(ID_DATA, rfc5911::ID_DATA);
        assert_eq!(ID_SIGNED_DATA, rfc5911::ID_SIGNED_DATA);
        assert_eq!(ID_CONTENT_TYPE, rfc5911::ID_CONTENT_TYPE);
        assert_eq!(ID_MESSAGE_DIGEST, rfc5911::ID_MESSAGE_DIGEST);
        assert_eq!(ID_SIGNING_TIME, rfc5911::ID_SIGNING_TIME);
        assert_eq!(ID_COUNTERSIGNATURE, rfc5911::ID_COUNTERSIGNATURE);
        assert_eq!(
            ID_AA_SIGNING_CERTIFICATE,
            rfc5911::ID_AA_SIGNING_CERTIFICATE
        );
        assert_eq!(
            ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
            rfc3161::ID_AA_TIME_STAMP_TOKEN
        );
    }
}
