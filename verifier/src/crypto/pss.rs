//! `RSASSA-PSS-params` (RFC 4055 §3.1), read into what the verifier needs: one digest and a
//! salt length.

use const_oid::ObjectIdentifier;
use der::Sequence;
use der::asn1::AnyRef;
use spki::AlgorithmIdentifierRef;

use super::oid::{ID_MGF1, ID_RSASSA_PSS};
use super::{AlgorithmError, DigestAlgorithm};

const NAME: &str = "RSASSA-PSS";

/// The parameters of an RSASSA-PSS signature or key, reduced to what verification uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PssParams {
    /// The message digest, which is also MGF1's digest.
    pub(crate) digest: DigestAlgorithm,
    /// The salt length in bytes.
    pub(crate) salt_len: u32,
}

/// ```text
/// RSASSA-PSS-params  ::=  SEQUENCE  {
///     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1Identifier,
///     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
///     saltLength         [2] INTEGER DEFAULT 20,
///     trailerField       [3] INTEGER DEFAULT 1  }
/// ```
///
/// [RFC 4055 §3.1](https://www.rfc-editor.org/rfc/rfc4055#section-3.1). A `DEFAULT` value
/// spelled out (which DER forbids, X.690 §11.5) is tolerated: the identifier is covered by the
/// signature it describes, so its encoding cannot be changed by a third party, and some
/// encoders do spell out `trailerField`.
#[derive(Debug, Sequence)]
struct RsassaPssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen_algorithm: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer_field: Option<u32>,
}

/// The default `saltLength` (RFC 4055 §3.1).
const DEFAULT_SALT_LEN: u32 = 20;

fn invalid(reason: impl Into<String>) -> AlgorithmError {
    AlgorithmError::InvalidParameters {
        oid: ID_RSASSA_PSS,
        name: NAME,
        reason: reason.into(),
    }
}

/// Reads `RSASSA-PSS-params` from the `parameters` of an `id-RSASSA-PSS` identifier.
///
/// Refuses (as [`AlgorithmError::Unsupported`]) a mask generation function other than MGF1,
/// and MGF1 over a digest other than `hashAlgorithm`. RFC 4055 §3.1 allows that combination
/// but only RECOMMENDS against it; the RSA implementation used here runs MGF1 with the
/// message digest, and no signer Dälel meets mixes them, so such a signature is reported as
/// unsupported (INDETERMINATE) rather than invalid.
///
/// # Errors
/// [`AlgorithmError::InvalidParameters`] for parameters that are not `RSASSA-PSS-params`, a
/// `trailerField` other than 1, or a digest identifier with parameters other than absent or
/// NULL; [`AlgorithmError::WeakDigest`] when the digest is SHA-1 (including by default);
/// [`AlgorithmError::Unsupported`] as above or for an unknown digest.
pub(crate) fn parse(parameters: AnyRef<'_>) -> Result<PssParams, AlgorithmError> {
    let params: RsassaPssParams<'_> = parameters
        .decode_as()
        .map_err(|e| invalid(format!("not RSASSA-PSS-params: {e}")))?;

    // "trailerField ... MUST be 1, which represents the trailer field with hexadecimal value
    // 0xBC" (RFC 4055 §3.1).
    if let Some(trailer) = params.trailer_field
        && trailer != 1
    {
        return Err(invalid(format!("trailerField is {trailer}, must be 1")));
    }

    let digest = match params.hash_algorithm {
        Some(hash) => DigestAlgorithm::from_parts(&hash.oid, hash.parameters)?,
        None => DigestAlgorithm::Sha1,
    }
    .refuse_weak()?;

    let mgf_digest = match params.mask_gen_algorithm {
        None => DigestAlgorithm::Sha1,
        Some(mgf) => mgf1_digest(&mgf.oid, mgf.parameters)?,
    };
    if mgf_digest != digest {
        return Err(AlgorithmError::Unsupported {
            oid: ID_RSASSA_PSS,
            name: "RSASSA-PSS with an MGF1 digest other than the message digest",
        });
    }

    Ok(PssParams {
        digest,
        salt_len: params.salt_length.unwrap_or(DEFAULT_SALT_LEN),
    })
}

/// The digest of `MaskGenAlgorithm`, which must be MGF1 (`id-mgf1`, whose parameters are the
/// digest's `AlgorithmIdentifier`, RFC 4055 §2.2).
fn mgf1_digest(
    oid: &ObjectIdentifier,
    parameters: Option<AnyRef<'_>>,
) -> Result<DigestAlgorithm, AlgorithmError> {
    if *oid != ID_MGF1 {
        return Err(AlgorithmError::Unsupported {
            oid: *oid,
            name: "RSASSA-PSS mask generation function other than MGF1",
        });
    }
    let Some(parameters) = parameters else {
        return Err(invalid("MGF1 without its digest parameter"));
    };
    let hash: AlgorithmIdentifierRef<'_> = parameters
        .decode_as()
        .map_err(|e| invalid(format!("MGF1 parameter is not an AlgorithmIdentifier: {e}")))?;
    DigestAlgorithm::from_parts(&hash.oid, hash.parameters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode as _, asn1::AnyRef};

    // RSASSA-PSS-params for SHA-256, MGF1-SHA-256, salt 32, as OpenSSL writes them.
    const SHA256_SALT32: &str = "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";

    fn parse_hex(hex_params: &str) -> Result<PssParams, AlgorithmError> {
        let bytes = hex::decode(hex_params).unwrap();
        let any = AnyRef::from_der(&bytes).unwrap();
        parse(any)
    }

    #[test]
    fn openssl_sha256() {
        assert_eq!(
            parse_hex(SHA256_SALT32),
            Ok(PssParams {
                digest: DigestAlgorithm::Sha256,
                salt_len: 32
            })
        );
    }

    #[test]
    fn empty_sequence_is_sha1_and_weak() {
        assert!(matches!(
            parse_hex("3000"),
            Err(AlgorithmError::WeakDigest { .. })
        ));
    }

    #[test]
    fn absent_hash_parameters_and_default_salt() {
        // hash SHA-384 and MGF1-SHA-384, both without NULL; no saltLength.
        let ok = "302ba00d300b0609608648016503040202a11a301806092a864886f70d010108300b0609608648016503040202";
        assert_eq!(
            parse_hex(ok),
            Ok(PssParams {
                digest: DigestAlgorithm::Sha384,
                salt_len: 20
            })
        );
    }

    #[test]
    fn mgf1_digest_mismatch_is_unsupported() {
        // hash SHA-384, MGF1-SHA-1.
        let mismatch =
            "3027a00d300b0609608648016503040202a116301406092a864886f70d010108300706052b0e03021a";
        assert!(matches!(
            parse_hex(mismatch),
            Err(AlgorithmError::Unsupported { oid, .. }) if oid == ID_RSASSA_PSS
        ));
    }

    #[test]
    fn unknown_mgf1_digest() {
        // MGF1 over a truncated OID 2.16.840.1.101.3.4 (not a digest).
        let unknown = "302aa00d300b0609608648016503040202a119301706092a864886f70d010108300a06086086480165030402";
        assert!(matches!(
            parse_hex(unknown),
            Err(AlgorithmError::Unsupported { .. })
        ));
    }

    #[test]
    fn trailer_field_must_be_one() {
        // SHA-256 / MGF1-SHA-256 / salt 32, trailerField 1 spelled out: tolerated.
        let one = "3039a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120a303020101";
        assert!(parse_hex(one).is_ok());
        let two = "3039a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120a303020102";
        assert!(matches!(
            parse_hex(two),
            Err(AlgorithmError::InvalidParameters { .. })
        ));
    }

    #[test]
    fn not_a_sequence() {
        assert!(matches!(
            parse_hex("0500"),
            Err(AlgorithmError::InvalidParameters { .. })
        ));
    }
}
