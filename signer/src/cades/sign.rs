//! The two entry points: a new `SignedData`, and one more signer on an existing one.

use cms::signed_data::SignerInfo;
use der::DateTime;
use der::asn1::OctetString;
use sha2::{Digest as _, Sha256};
use verifier::cms::oid::{ID_DATA, ID_MESSAGE_DIGEST};
use verifier::crypto::DigestAlgorithm;

use super::CadesError;
use super::levels;
use super::request::{CmsRequest, Content, Level, LevelServices};
use super::signed_data::SignedDataBuilder;
use crate::keys::SignatureKey;

/// Signs `request.content` with `key` into a new CMS `SignedData` of content type `id-data`
/// at `request.level`, and returns the DER `ContentInfo`.
///
/// The signer is identified by issuer and serial number, so the `SignerInfo` is version 1;
/// the `SignedData` version follows RFC 5652 §5.1 from what it holds (5 when an OCSP
/// response is embedded, 1 otherwise).
///
/// # Errors
/// [`CadesError::AttachedDigest`] for an attached signature over a digest; a missing
/// service for the level ([`CadesError::NoTimestamper`], [`CadesError::NoRevocationSource`]);
/// the key's, the time-stamp authority's or the revocation source's failure.
pub fn sign_cms(
    request: &CmsRequest<'_>,
    key: &dyn SignatureKey,
    services: &LevelServices<'_>,
) -> Result<Vec<u8>, CadesError> {
    let (digest, encapsulated) = match request.content {
        Content::Data(data) => (
            Sha256::digest(data).into(),
            (!request.detached).then_some(data),
        ),
        Content::Sha256(_) if !request.detached => return Err(CadesError::AttachedDigest),
        Content::Sha256(digest) => (digest, None),
    };
    let signed = levels::sign(
        key,
        ID_DATA,
        &digest,
        Some(request.signing_time),
        request.level,
        services,
    )?;
    let mut builder = SignedDataBuilder::new(encapsulated)?;
    signed.add_to(&mut builder)?;
    builder.into_der()
}

/// Signs the SHA-256 `digest` of a PDF's signed byte ranges for a PAdES signature
/// (`/SubFilter /ETSI.CAdES.detached`, ETSI EN 319 142-1 §5): a detached `SignedData` of
/// content type `id-data` whose signer info has content-type, message-digest and ESS
/// signing-certificate-v2 but no signing-time (the claimed time is the signature
/// dictionary's `/M`, §5.4). `level` is B-B or B-T (a signature time-stamp); PAdES B-LT and
/// B-LTA add their data to the PDF instead (DSS, document time-stamp).
///
/// # Errors
/// As [`sign_cms`]; [`CadesError::NoRevocationSource`] is never returned, since B-LT is
/// refused here as [`CadesError::LevelNotInCms`].
pub fn sign_pades_cms(
    digest: &[u8; 32],
    key: &dyn SignatureKey,
    level: Level,
    services: &LevelServices<'_>,
) -> Result<Vec<u8>, CadesError> {
    if level == Level::BLT {
        return Err(CadesError::LevelNotInCms(level));
    }
    let signed = levels::sign(key, ID_DATA, digest, None, level, services)?;
    let mut builder = SignedDataBuilder::new(None)?;
    signed.add_to(&mut builder)?;
    builder.into_der()
}

/// Adds a signer by `key` at `level` to the DER `ContentInfo` `existing_der` holding a
/// `SignedData`, and returns the new DER `ContentInfo`.
///
/// The content is the encapsulated one, or `detached_content` for a detached signature.
/// Before signing, every existing signer's message-digest attribute (for the digest
/// algorithms the verifier computes) is compared with the content, so we never sign other
/// data than they did. The existing signer infos, certificates and revocation entries are
/// kept byte for byte (only the order of SET OF elements follows DER, X.690 §11.6), so their
/// signatures still verify; our certificates, revocation values and digest algorithm are
/// added unless already present, and the version is recomputed (RFC 5652 §5.1).
///
/// # Errors
/// [`CadesError::Malformed`] or [`CadesError::NotSignedData`] for input that is not a DER
/// `SignedData`; [`CadesError::ContentMissing`] for a detached signature without its
/// content; [`CadesError::ContentConflict`] when the content supplied is not the one
/// encapsulated; [`CadesError::ContentMismatch`] when an existing signer signed other
/// content; otherwise as [`sign_cms`].
pub fn add_signer(
    existing_der: &[u8],
    detached_content: Option<&[u8]>,
    key: &dyn SignatureKey,
    level: Level,
    signing_time: DateTime,
    services: &LevelServices<'_>,
) -> Result<Vec<u8>, CadesError> {
    let mut builder = SignedDataBuilder::parse(existing_der)?;
    let encapsulated = builder.encapsulated_content()?;
    let content = match (encapsulated.as_deref(), detached_content) {
        (Some(held), Some(given)) if held != given => return Err(CadesError::ContentConflict),
        (Some(held), _) => held,
        (None, Some(given)) => given,
        (None, None) => return Err(CadesError::ContentMissing),
    };
    for (i, raw) in builder.signer_infos().iter().enumerate() {
        check_message_digest(i, raw, content)?;
    }
    let digest: [u8; 32] = Sha256::digest(content).into();
    let signed = levels::sign(
        key,
        builder.content_type(),
        &digest,
        Some(signing_time),
        level,
        services,
    )?;
    signed.add_to(&mut builder)?;
    builder.into_der()
}

/// Refuses `content` if signer `index` has a message-digest attribute (RFC 5652 §11.2)
/// that differs from its digest. Signers without signed attributes sign the content
/// directly, and an algorithm the verifier does not compute cannot be compared; both are
/// left to the validator.
fn check_message_digest(index: usize, raw: &der::Any, content: &[u8]) -> Result<(), CadesError> {
    let signer_info: SignerInfo = raw
        .decode_as()
        .map_err(CadesError::malformed(format!("signer info #{index}")))?;
    let Some(signed) = &signer_info.signed_attrs else {
        return Ok(());
    };
    let Ok(algorithm) = DigestAlgorithm::from_identifier_allowing_sha1(&signer_info.digest_alg)
    else {
        return Ok(());
    };
    let values = signed
        .iter()
        .filter(|a| a.oid == ID_MESSAGE_DIGEST)
        .flat_map(|a| a.values.iter());
    for value in values {
        let claimed: OctetString = value.decode_as().map_err(CadesError::malformed(format!(
            "message-digest of signer info #{index}"
        )))?;
        if claimed.as_bytes() != algorithm.digest(content).as_slice() {
            return Err(CadesError::ContentMismatch { signer: index });
        }
    }
    Ok(())
}
