//! What the revocation checks need to know about a certificate.

use std::cell::OnceCell;
use std::time::Duration;

use const_oid::db::rfc5280::ID_AD_OCSP;
use der::{Decode, Encode as _};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage,
};

use super::SourceProblem;
use crate::cache::{self, VerificationCache};
use crate::crypto::{DigestAlgorithm, PublicKey, SignatureAlgorithm};

/// A time as the duration since the Unix epoch, the form every comparison here uses.
pub(crate) type Instant = Duration;

/// The certificate's validity period.
pub(crate) fn validity(cert: &Certificate) -> (Instant, Instant) {
    let validity = cert.tbs_certificate().validity();
    (
        validity.not_before.to_unix_duration(),
        validity.not_after.to_unix_duration(),
    )
}

/// Decodes the one extension of type `T`, if present.
pub(crate) fn extension<'a, T>(cert: &'a Certificate) -> Result<Option<T>, SourceProblem>
where
    T: Decode<'a, Error = der::Error> + const_oid::AssociatedOid,
{
    cert.tbs_certificate()
        .get_extension::<T>()
        .map(|found| found.map(|(_critical, value)| value))
        .map_err(|e| SourceProblem::Malformed {
            detail: format!("certificate extension {}: {e}", T::OID),
        })
}

/// Whether a key usage extension, if present, allows `cRLSign` (RFC 5280 §4.2.1.3).
pub(crate) fn may_sign_crls(issuer: &Certificate) -> Result<bool, SourceProblem> {
    Ok(extension::<KeyUsage>(issuer)?.is_none_or(|ku| ku.crl_sign()))
}

/// Whether the certificate is a CA certificate (basic constraints `cA` TRUE).
pub(crate) fn is_ca(cert: &Certificate) -> Result<bool, SourceProblem> {
    Ok(extension::<BasicConstraints>(cert)?.is_some_and(|bc| bc.ca))
}

/// Whether the extended key usage extension lists `purpose`.
pub(crate) fn has_purpose(
    cert: &Certificate,
    purpose: const_oid::ObjectIdentifier,
) -> Result<bool, SourceProblem> {
    Ok(extension::<ExtendedKeyUsage>(cert)?.is_some_and(|eku| eku.0.contains(&purpose)))
}

/// Whether an extension with `oid` is present, whatever its value.
pub(crate) fn has_extension(cert: &Certificate, oid: const_oid::ObjectIdentifier) -> bool {
    cert.tbs_certificate()
        .extensions()
        .is_some_and(|exts| exts.iter().any(|e| e.extn_id == oid))
}

/// The SHA-1 of the certificate's `subjectPublicKey` value: the OCSP `KeyHash`
/// (RFC 6960 §4.2.1).
pub(crate) fn key_hash(cert: &Certificate) -> Option<Vec<u8>> {
    let key = cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .as_bytes()?;
    Some(DigestAlgorithm::Sha1.digest(key))
}

/// A certificate's public key as the revocation checks use it: read when first needed, and
/// not at all when `cache` knows the verification asked of it (see [`crate::cache`]).
pub(crate) struct SignerKey<'a> {
    spki: &'a SubjectPublicKeyInfoOwned,
    key: OnceCell<Result<PublicKey, SourceProblem>>,
    cache: Option<&'a VerificationCache>,
}

impl<'a> SignerKey<'a> {
    /// The key of `cert`, remembering verifications in `cache` if given.
    pub(crate) fn of(cert: &'a Certificate, cache: Option<&'a VerificationCache>) -> Self {
        Self {
            spki: cert.tbs_certificate().subject_public_key_info(),
            key: OnceCell::new(),
            cache,
        }
    }

    /// The key read, or why it cannot be used.
    fn key(&self) -> Result<&PublicKey, SourceProblem> {
        self.key
            .get_or_init(|| PublicKey::from_spki(self.spki).map_err(Into::into))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Verifies `signature` over `tbs` with `key` and the algorithm in `algorithm`.
pub(crate) fn verify(
    key: &SignerKey<'_>,
    algorithm: &spki::AlgorithmIdentifierOwned,
    tbs: &[u8],
    signature: Option<&[u8]>,
) -> Result<SignatureAlgorithm, SourceProblem> {
    // The algorithm first: a GOST signature is unsupported whatever the key.
    let algorithm = SignatureAlgorithm::from_identifier(algorithm)?;
    // A success the cache remembers stands for reading the key and verifying.
    let entry = match (key.cache, signature) {
        (Some(_), Some(signature)) => cache::entry(key.spki, &algorithm, tbs, signature),
        _ => None,
    };
    if let (Some(cache), Some(entry)) = (key.cache, &entry)
        && cache.contains(entry)
    {
        return Ok(algorithm);
    }
    let public_key = key.key()?;
    let signature = signature.ok_or_else(|| SourceProblem::Malformed {
        detail: "signature BIT STRING has unused bits".to_owned(),
    })?;
    public_key.verify(&algorithm, tbs, signature)?;
    if let (Some(cache), Some(entry)) = (key.cache, entry) {
        cache.insert(entry);
    }
    Ok(algorithm)
}

/// Verifies that `issuer_key` signed `cert`.
pub(crate) fn verify_issued_by(
    cert: &Certificate,
    issuer_key: &SignerKey<'_>,
) -> Result<(), SourceProblem> {
    let tbs = cert
        .tbs_certificate()
        .to_der()
        .map_err(|e| SourceProblem::Malformed {
            detail: format!("certificate: {e}"),
        })?;
    verify(
        issuer_key,
        cert.signature_algorithm(),
        &tbs,
        cert.signature().as_bytes(),
    )
    .map(|_| ())
}

/// The `http:` URIs among `names`, and the others.
fn split_uris<'a>(names: impl Iterator<Item = &'a GeneralName>) -> (Vec<String>, Vec<String>) {
    names
        .filter_map(|name| match name {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .partition(|uri| is_http(uri))
}

/// Whether `uri` has the `http` scheme (RFC 3986 §3.1: schemes are case-insensitive).
pub(crate) fn is_http(uri: &str) -> bool {
    uri.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

/// The OCSP locations in the authority information access extension (RFC 5280 §4.2.2.1),
/// as (`http:` URIs, other URIs). A malformed extension yields none.
pub(crate) fn ocsp_uris(cert: &Certificate) -> (Vec<String>, Vec<String>) {
    let aia = extension::<AuthorityInfoAccessSyntax>(cert)
        .ok()
        .flatten()
        .unwrap_or_default();
    split_uris(
        aia.0
            .iter()
            .filter(|ad| ad.access_method == ID_AD_OCSP)
            .map(|ad| &ad.access_location),
    )
}

/// The full names of the certificate's CRL distribution points that this verifier can use:
/// those without `reasons` (partitioned by reason) or `cRLIssuer` (indirect), RFC 5280
/// §4.2.1.13.
pub(crate) fn distribution_point_names(cert: &Certificate) -> Vec<GeneralName> {
    let dps = extension::<CrlDistributionPoints>(cert)
        .ok()
        .flatten()
        .unwrap_or_default();
    dps.0
        .into_iter()
        .filter(|dp| dp.reasons.is_none() && dp.crl_issuer.is_none())
        .filter_map(|dp| match dp.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The CRL locations of the certificate, as (`http:` URIs, other URIs).
pub(crate) fn crl_uris(cert: &Certificate) -> (Vec<String>, Vec<String>) {
    split_uris(distribution_point_names(cert).iter())
}
