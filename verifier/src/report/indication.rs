//! ETSI EN 319 102-1 §5.1.3 status indications and sub-indications.

use core::fmt;

use serde::Serialize;

/// The main status indication of a validation (ETSI EN 319 102-1 §5.1.3, Table 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Indication {
    /// `TOTAL-PASSED`: every check that applies passed.
    #[serde(rename = "TOTAL-PASSED")]
    TotalPassed,
    /// `TOTAL-FAILED`: the signature (or object) is proven invalid: a hash or a signature
    /// value does not verify, or the object is malformed.
    #[serde(rename = "TOTAL-FAILED")]
    TotalFailed,
    /// `INDETERMINATE`: the available information is not enough to conclude either way (an
    /// unsupported algorithm, a missing certificate, missing signed data, …).
    #[serde(rename = "INDETERMINATE")]
    Indeterminate,
}

impl Indication {
    /// The spelling of ETSI EN 319 102-1: `"TOTAL-PASSED"`, `"TOTAL-FAILED"` or
    /// `"INDETERMINATE"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TotalPassed => "TOTAL-PASSED",
            Self::TotalFailed => "TOTAL-FAILED",
            Self::Indeterminate => "INDETERMINATE",
        }
    }
}

impl fmt::Display for Indication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a validation did not pass: the sub-indications of ETSI EN 319 102-1 §5.1.3, Table 5.
///
/// Most belong to one indication; a few (`FORMAT_FAILURE`, `EXPIRED`, `NOT_YET_VALID`) are
/// listed under both `TOTAL-FAILED` and `INDETERMINATE`, so a result always carries its
/// [`Indication`] alongside; [`SubIndication::usual_indication`] gives the one meant when
/// nothing else is said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum SubIndication {
    /// The signature is not conformant to one of the base standards (here RFC 5652,
    /// RFC 3161, ETSI EN 319 122-1) to the extent that it cannot be processed.
    FormatFailure,
    /// A hash of the signed data object(s) does not match the one the signature protects.
    HashFailure,
    /// The signature value does not verify with the signer certificate's public key.
    SigCryptoFailure,
    /// The signing certificate has been revoked.
    Revoked,
    /// The signing time is after the signing certificate's expiry.
    Expired,
    /// The signing time is before the signing certificate's validity period.
    NotYetValid,
    /// A property of the signature does not satisfy the validation constraints.
    SigConstraintsFailure,
    /// The certificate chain does not satisfy the validation constraints.
    ChainConstraintsFailure,
    /// The certificate chain could not be checked for a reason none of the others names.
    CertificateChainGeneralFailure,
    /// An algorithm (or key size) used is below the required security level.
    CryptoConstraintsFailure,
    /// An error occurred while processing the signature policy.
    PolicyProcessingError,
    /// The signature policy named by the signature could not be obtained.
    SignaturePolicyNotAvailable,
    /// Time-stamps in the signature are not in the order their meaning requires.
    TimestampOrderFailure,
    /// The signing certificate cannot be identified (or the one found is not the one the
    /// signature commits to).
    NoSigningCertificateFound,
    /// No certificate chain to a trust anchor could be built.
    NoCertificateChainFound,
    /// The signing certificate was revoked, and there is no proof the signature existed before.
    RevokedNoPoe,
    /// A CA certificate in the chain was revoked, and there is no proof the signature existed
    /// before.
    RevokedCaNoPoe,
    /// The signing certificate is outside its validity, and there is no proof of existence
    /// within it.
    OutOfBoundsNoPoe,
    /// The signing certificate is outside its validity but not revoked.
    OutOfBoundsNotRevoked,
    /// An algorithm is now too weak, and there is no proof the material existed while it was
    /// not.
    CryptoConstraintsFailureNoPoe,
    /// No proof of existence could be found where one is required.
    NoPoe,
    /// Revocation information is not yet available; a later attempt may conclude.
    TryLater,
    /// Revocation information exists but was issued outside the bounds it would have to
    /// vouch for, and no proof of existence places the signature within them.
    RevocationOutOfBoundsNoPoe,
    /// The signed data cannot be obtained (detached content not supplied).
    SignedDataNotFound,
}

impl SubIndication {
    /// The spelling of ETSI EN 319 102-1, such as `"HASH_FAILURE"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FormatFailure => "FORMAT_FAILURE",
            Self::HashFailure => "HASH_FAILURE",
            Self::SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            Self::Revoked => "REVOKED",
            Self::Expired => "EXPIRED",
            Self::NotYetValid => "NOT_YET_VALID",
            Self::SigConstraintsFailure => "SIG_CONSTRAINTS_FAILURE",
            Self::ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            Self::CertificateChainGeneralFailure => "CERTIFICATE_CHAIN_GENERAL_FAILURE",
            Self::CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            Self::PolicyProcessingError => "POLICY_PROCESSING_ERROR",
            Self::SignaturePolicyNotAvailable => "SIGNATURE_POLICY_NOT_AVAILABLE",
            Self::TimestampOrderFailure => "TIMESTAMP_ORDER_FAILURE",
            Self::NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            Self::NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            Self::RevokedNoPoe => "REVOKED_NO_POE",
            Self::RevokedCaNoPoe => "REVOKED_CA_NO_POE",
            Self::OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            Self::OutOfBoundsNotRevoked => "OUT_OF_BOUNDS_NOT_REVOKED",
            Self::CryptoConstraintsFailureNoPoe => "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
            Self::NoPoe => "NO_POE",
            Self::TryLater => "TRY_LATER",
            Self::RevocationOutOfBoundsNoPoe => "REVOCATION_OUT_OF_BOUNDS_NO_POE",
            Self::SignedDataNotFound => "SIGNED_DATA_NOT_FOUND",
        }
    }

    /// The indication this sub-indication comes with when nothing else is said: `TOTAL-FAILED`
    /// for the proofs of invalidity (`FORMAT_FAILURE`, `HASH_FAILURE`, `SIG_CRYPTO_FAILURE`,
    /// `REVOKED`), `INDETERMINATE` for everything else (ETSI EN 319 102-1 §5.1.3, Table 5).
    #[must_use]
    pub const fn usual_indication(self) -> Indication {
        match self {
            Self::FormatFailure | Self::HashFailure | Self::SigCryptoFailure | Self::Revoked => {
                Indication::TotalFailed
            }
            _ => Indication::Indeterminate,
        }
    }
}

impl fmt::Display for SubIndication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialised_as_etsi_spells_them() {
        let json = serde_json::to_string(&(
            Indication::TotalFailed,
            SubIndication::NoSigningCertificateFound,
            SubIndication::CryptoConstraintsFailureNoPoe,
        ))
        .unwrap();
        assert_eq!(
            json,
            r#"["TOTAL-FAILED","NO_SIGNING_CERTIFICATE_FOUND","CRYPTO_CONSTRAINTS_FAILURE_NO_POE"]"#
        );
        for sub in [
            SubIndication::SignedDataNotFound,
            SubIndication::HashFailure,
        ] {
            assert_eq!(
                serde_json::to_string(&sub).unwrap(),
                format!("\"{}\"", sub.as_str())
            );
        }
    }

    #[test]
    fn usual_indications() {
        assert_eq!(
            SubIndication::HashFailure.usual_indication(),
            Indication::TotalFailed
        );
        assert_eq!(
            SubIndication::SignedDataNotFound.usual_indication(),
            Indication::Indeterminate
        );
    }
}
