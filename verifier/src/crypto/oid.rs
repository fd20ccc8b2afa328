//! Object identifiers of the algorithms this module recognises, and the names it reports for
//! the ones it recognises but cannot verify.

use const_oid::ObjectIdentifier;
use const_oid::db::{DB, rfc5912};

/// `id-sha1` ([RFC 3279 §2.2.1](https://www.rfc-editor.org/rfc/rfc3279#section-2.2.1)).
pub(crate) const ID_SHA1: ObjectIdentifier = rfc5912::ID_SHA_1;
/// `id-sha256` ([RFC 5754 §2.2](https://www.rfc-editor.org/rfc/rfc5754#section-2.2)).
pub(crate) const ID_SHA256: ObjectIdentifier = rfc5912::ID_SHA_256;
/// `id-sha384` ([RFC 5754 §2.3](https://www.rfc-editor.org/rfc/rfc5754#section-2.3)).
pub(crate) const ID_SHA384: ObjectIdentifier = rfc5912::ID_SHA_384;
/// `id-sha512` ([RFC 5754 §2.4](https://www.rfc-editor.org/rfc/rfc5754#section-2.4)).
pub(crate) const ID_SHA512: ObjectIdentifier = rfc5912::ID_SHA_512;

/// `ecdsa-with-SHA1` ([RFC 3279 §2.2.3](https://www.rfc-editor.org/rfc/rfc3279#section-2.2.3)).
pub(crate) const ECDSA_WITH_SHA1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
/// `ecdsa-with-SHA256` ([RFC 5758 §3.2](https://www.rfc-editor.org/rfc/rfc5758#section-3.2)).
pub(crate) const ECDSA_WITH_SHA256: ObjectIdentifier = rfc5912::ECDSA_WITH_SHA_256;
/// `ecdsa-with-SHA384` ([RFC 5758 §3.2](https://www.rfc-editor.org/rfc/rfc5758#section-3.2)).
pub(crate) const ECDSA_WITH_SHA384: ObjectIdentifier = rfc5912::ECDSA_WITH_SHA_384;
/// `ecdsa-with-SHA512` ([RFC 5758 §3.2](https://www.rfc-editor.org/rfc/rfc5758#section-3.2)).
pub(crate) const ECDSA_WITH_SHA512: ObjectIdentifier = rfc5912::ECDSA_WITH_SHA_512;

/// `rsaEncryption` ([RFC 3279 §2.3.1](https://www.rfc-editor.org/rfc/rfc3279#section-2.3.1)).
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier = rfc5912::RSA_ENCRYPTION;
/// `id-RSASSA-PSS` ([RFC 4055 §3.1](https://www.rfc-editor.org/rfc/rfc4055#section-3.1)).
pub(crate) const ID_RSASSA_PSS: ObjectIdentifier = rfc5912::ID_RSASSA_PSS;
/// `id-mgf1` ([RFC 4055 §2.2](https://www.rfc-editor.org/rfc/rfc4055#section-2.2)).
pub(crate) const ID_MGF1: ObjectIdentifier = rfc5912::ID_MGF_1;
/// `md2WithRSAEncryption` ([RFC 3279 §2.2.1](https://www.rfc-editor.org/rfc/rfc3279#section-2.2.1)).
pub(crate) const MD2_WITH_RSA_ENCRYPTION: ObjectIdentifier = rfc5912::MD_2_WITH_RSA_ENCRYPTION;
/// `md5WithRSAEncryption` ([RFC 3279 §2.2.1](https://www.rfc-editor.org/rfc/rfc3279#section-2.2.1)).
pub(crate) const MD5_WITH_RSA_ENCRYPTION: ObjectIdentifier = rfc5912::MD_5_WITH_RSA_ENCRYPTION;
/// `sha1WithRSAEncryption` ([RFC 3279 §2.2.1](https://www.rfc-editor.org/rfc/rfc3279#section-2.2.1)).
pub(crate) const SHA1_WITH_RSA_ENCRYPTION: ObjectIdentifier = rfc5912::SHA_1_WITH_RSA_ENCRYPTION;
/// `sha256WithRSAEncryption` ([RFC 4055 §5](https://www.rfc-editor.org/rfc/rfc4055#section-5)).
pub(crate) const SHA256_WITH_RSA_ENCRYPTION: ObjectIdentifier =
    rfc5912::SHA_256_WITH_RSA_ENCRYPTION;
/// `sha384WithRSAEncryption` ([RFC 4055 §5](https://www.rfc-editor.org/rfc/rfc4055#section-5)).
pub(crate) const SHA384_WITH_RSA_ENCRYPTION: ObjectIdentifier =
    rfc5912::SHA_384_WITH_RSA_ENCRYPTION;
/// `sha512WithRSAEncryption` ([RFC 4055 §5](https://www.rfc-editor.org/rfc/rfc4055#section-5)).
pub(crate) const SHA512_WITH_RSA_ENCRYPTION: ObjectIdentifier =
    rfc5912::SHA_512_WITH_RSA_ENCRYPTION;

/// `id-ecPublicKey` ([RFC 5480 §2.1.1](https://www.rfc-editor.org/rfc/rfc5480#section-2.1.1)).
pub(crate) const ID_EC_PUBLIC_KEY: ObjectIdentifier = rfc5912::ID_EC_PUBLIC_KEY;
/// `secp256r1`, NIST P-256 ([RFC 5480 §2.1.1.1](https://www.rfc-editor.org/rfc/rfc5480#section-2.1.1.1)).
pub(crate) const SECP256R1: ObjectIdentifier = rfc5912::SECP_256_R_1;
/// `secp384r1`, NIST P-384 ([RFC 5480 §2.1.1.1](https://www.rfc-editor.org/rfc/rfc5480#section-2.1.1.1)).
pub(crate) const SECP384R1: ObjectIdentifier = rfc5912::SECP_384_R_1;

/// The arc under which Kazakhstan's National Certification Centre registers its GOST
/// algorithms (keys, signatures and hashes): `1.2.398.3.10`.
const KZ_GOST_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.10");
/// Russia's arc (`1.2.643`), under which the GOST R 34.10/34.11 algorithms of RFC 4491 and
/// RFC 9215 live.
const RU_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643");

/// Names for the GOST algorithms met in Kazakh and Russian certificates, reported when one of
/// them is refused as unsupported. The Kazakh OIDs are as they appear in the National
/// Certification Centre's test PKI (see `shared/vectors/nca/README.md`); the Russian ones are
/// from RFC 4491 §2 and RFC 9215 §§3–4.
const GOST_NAMES: &[(ObjectIdentifier, &str)] = &[
    (
        ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.1.1"),
        "GOST 34.310-2004 public key (Kazakhstan)",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.1.2"),
        "GOST 34.310-2004 signature (Kazakhstan)",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2"),
        "GOST 34.10-2015 public key (Kazakhstan)",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.3.2"),
        "GOST 34.10-2015 signature (Kazakhstan)",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.2.2.3"),
        "GOST R 34.11-94 with GOST R 34.10-2001",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.2.2.9"),
        "GOST R 34.11-94 hash",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.2.2.19"),
        "GOST R 34.10-2001 public key",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.7.1.1.1.1"),
        "GOST R 34.10-2012 256-bit public key",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.7.1.1.1.2"),
        "GOST R 34.10-2012 512-bit public key",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.2"),
        "GOST R 34.11-2012 (Streebog) 256-bit hash",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.3"),
        "GOST R 34.11-2012 (Streebog) 512-bit hash",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.7.1.1.3.2"),
        "GOST R 34.10-2012 256-bit signature with Streebog-256",
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.643.7.1.1.3.3"),
        "GOST R 34.10-2012 512-bit signature with Streebog-512",
    ),
];

/// A human-readable name for an algorithm this module does not verify: a specific GOST name,
/// the GOST family, the name in `const-oid`'s database, or "unknown algorithm".
pub(crate) fn unsupported_name(oid: &ObjectIdentifier) -> &'static str {
    if let Some((_, name)) = GOST_NAMES.iter().find(|(known, _)| known == oid) {
        return name;
    }
    if oid.starts_with(KZ_GOST_ARC) {
        return "GOST algorithm (Kazakhstan, 1.2.398.3.10)";
    }
    if oid.starts_with(RU_ARC) {
        return "GOST algorithm (Russia, 1.2.643)";
    }
    DB.by_oid(oid).unwrap_or("unknown algorithm")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gost_names() {
        let kz = ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.1.2");
        assert_eq!(
            unsupported_name(&kz),
            "GOST 34.310-2004 signature (Kazakhstan)"
        );
        let kz_other = ObjectIdentifier::new_unwrap("1.2.398.3.10.1.3.1");
        assert!(unsupported_name(&kz_other).contains("Kazakhstan"));
        let ru_other = ObjectIdentifier::new_unwrap("1.2.643.100.1");
        assert!(unsupported_name(&ru_other).contains("Russia"));
        // Not a GOST arc despite the shared prefix digits.
        let not_kz = ObjectIdentifier::new_unwrap("1.2.398.3.100");
        assert!(!unsupported_name(&not_kz).contains("GOST"));
    }

    #[test]
    fn known_names_come_from_the_database() {
        assert_eq!(unsupported_name(&rfc5912::ID_DSA), "id-dsa");
        let unknown = ObjectIdentifier::new_unwrap("1.3.9999.1");
        assert_eq!(unsupported_name(&unknown), "unknown algorithm");
    }
}
