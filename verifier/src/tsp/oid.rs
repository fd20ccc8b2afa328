//! Object identifiers used by time-stamping.

use const_oid::{ObjectIdentifier, db::rfc5912};

/// `id-ct-TSTInfo`: the `eContentType` of a time-stamp token's encapsulated content.
///
/// ```text
/// id-ct-TSTInfo  OBJECT IDENTIFIER ::= { iso(1) member-body(2)
///     us(840) rsadsi(113549) pkcs(1) pkcs-9(9) smime(16) ct(1) 4}
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2)
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// `id-kp-timeStamping`: the extended key usage a TSA certificate must carry, and carry
/// alone, in a critical extension.
///
/// ```text
/// id-kp-timeStamping OBJECT IDENTIFIER ::= {iso(1)
///     identified-organization(3) dod(6) internet(1) security(5)
///     mechanisms(5) pkix(7) kp (3) timestamping (8)}
/// ```
///
/// [RFC 3161 §2.3](https://www.rfc-editor.org/rfc/rfc3161#section-2.3)
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// `id-aa-signingCertificateV2`: the signed attribute carrying [`super::SigningCertificateV2`].
///
/// ```text
/// id-aa-signingCertificateV2 OBJECT IDENTIFIER ::= { iso(1)
///     member-body(2) us(840) rsadsi(113549) pkcs(1) pkcs9(9)
///     smime(16) id-aa(2) 47 }
/// ```
///
/// [RFC 5035 §3](https://www.rfc-editor.org/rfc/rfc5035#section-3); its use in time-stamp
/// tokens: [RFC 5816 §2.2.1](https://www.rfc-editor.org/rfc/rfc5816#section-2.2.1).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// `id-sha256` ([RFC 5754 §2.2](https://www.rfc-editor.org/rfc/rfc5754#section-2.2)), the
/// `DEFAULT` hash algorithm of an `ESSCertIDv2`.
pub const ID_SHA256: ObjectIdentifier = rfc5912::ID_SHA_256;

/// The output length in bytes of the hash algorithm `oid`, for the algorithms a message
/// imprint or ESS certificate hash is expected to use, or `None` when the algorithm is not
/// known here (its length then cannot be checked).
pub fn digest_output_len(oid: &ObjectIdentifier) -> Option<usize> {
    use const_oid::db::fips202;

    let len = match *oid {
        rfc5912::ID_SHA_1 => 20,
        rfc5912::ID_SHA_224 | fips202::ID_SHA_3_224 => 28,
        rfc5912::ID_SHA_256 | fips202::ID_SHA_3_256 => 32,
        rfc5912::ID_SHA_384 | fips202::ID_SHA_3_384 => 48,
        rfc5912::ID_SHA_512 | fips202::ID_SHA_3_512 => 64,
        _ => return None,
    };
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_oid_database() {
        // The literals above are written out so they can be checked against the RFC text;
        // this pins them to the registry as well.
        assert_eq!(ID_CT_TST_INFO, const_oid::db::rfc3161::ID_CT_TST_INFO);
        assert_eq!(ID_KP_TIME_STAMPING, rfc5912::ID_KP_TIME_STAMPING);
        assert_eq!(
            ID_AA_SIGNING_CERTIFICATE_V2,
            const_oid::db::rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2
        );
    }

    #[test]
    fn digest_lengths() {
        assert_eq!(digest_output_len(&ID_SHA256), Some(32));
        assert_eq!(digest_output_len(&rfc5912::ID_SHA_512), Some(64));
        assert_eq!(digest_output_len(&ID_CT_TST_INFO), None);
    }
}
