//! One `SignerInfo` (RFC 5652 §5.3) signed through a [`SignatureKey`]: the piece that CMS
//! signatures and time-stamp tokens share.

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::signed_data::{SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, DateTime, Encode, EncodeValue, Tagged};
use sha2::{Digest as _, Sha256};
use verifier::tsp::{
    EssCertIdV2, ID_AA_SIGNING_CERTIFICATE_V2, IssuerSerial, SigningCertificateV2,
};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::time::Time;

use crate::keys::{KeyError, SignatureKey};

/// Why a `SignerInfo` could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignerInfoError {
    /// The key has no certificate to name as the signer.
    #[error("key {0} has no certificate")]
    NoCertificate(String),
    /// A structure could not be DER-encoded.
    #[error("encoding {what}: {source}")]
    Encode {
        /// The structure.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: der::Error,
    },
    /// The key did not sign.
    #[error(transparent)]
    Key(#[from] KeyError),
}

fn encode(what: &'static str) -> impl FnOnce(der::Error) -> SignerInfoError {
    move |source| SignerInfoError::Encode { what, source }
}

/// A signed attribute with the single value `value`.
///
/// # Errors
/// When `value` cannot be encoded.
pub fn attribute<T: EncodeValue + Tagged>(
    oid: ObjectIdentifier,
    value: &T,
) -> Result<Attribute, der::Error> {
    let mut values = SetOfVec::new();
    values.insert(Any::encode_from(value)?)?;
    Ok(Attribute { oid, values })
}

/// What the signed attributes of one `SignerInfo` hold besides those every one gets.
#[derive(Debug)]
pub struct SignedAttributes<'a> {
    /// `eContentType` of the content signed (RFC 5652 §11.1: the content-type attribute).
    pub content_type: ObjectIdentifier,
    /// SHA-256 of the content (RFC 5652 §11.2: the message-digest attribute).
    pub content_digest: &'a [u8; 32],
    /// The signing-time attribute (RFC 5652 §11.3), if any.
    pub signing_time: Option<DateTime>,
    /// More signed attributes, e.g. a commitment type.
    pub extra: Vec<Attribute>,
}

/// The ESS `signingCertificateV2` value binding the certificate `der` by its SHA-256 hash,
/// issuer and serial number (RFC 5035 §3; ETSI EN 319 122-1 §5.2.2.3).
///
/// # Errors
/// When the certificate does not encode.
pub fn signing_certificate_v2(
    certificate: &x509_cert::Certificate,
) -> Result<SigningCertificateV2, SignerInfoError> {
    let der = certificate.to_der().map_err(encode("certificate"))?;
    let hash: [u8; 32] = Sha256::digest(&der).into();
    let tbs = certificate.tbs_certificate();
    let mut cert_id = EssCertIdV2::sha256(&hash).map_err(encode("ESSCertIDv2"))?;
    cert_id.issuer_serial = Some(IssuerSerial {
        issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
        serial_number: tbs.serial_number().clone(),
    });
    Ok(SigningCertificateV2 {
        certs: vec![cert_id],
        policies: None,
    })
}

/// Makes a version-1 `SignerInfo` naming the key's certificate by issuer and serial number,
/// with signed attributes content-type, message-digest, signing-time (when given),
/// `signingCertificateV2` and `attrs.extra`, signed by `key` over the DER of the SET OF
/// signed attributes (RFC 5652 §5.4).
///
/// # Errors
/// A [`SignerInfoError`] when the key has no certificate, something does not encode, or the
/// key does not sign.
pub fn sign(
    key: &dyn SignatureKey,
    attrs: SignedAttributes<'_>,
) -> Result<SignerInfo, SignerInfoError> {
    let Some(certificate) = key.certificate_chain().first() else {
        return Err(SignerInfoError::NoCertificate(key.name().to_owned()));
    };
    let mut signed = vec![
        attribute(ID_CONTENT_TYPE, &attrs.content_type).map_err(encode("content-type"))?,
        attribute(
            ID_MESSAGE_DIGEST,
            &OctetString::new(attrs.content_digest.as_slice()).map_err(encode("digest"))?,
        )
        .map_err(encode("message-digest"))?,
    ];
    if let Some(time) = attrs.signing_time {
        // RFC 5652 §11.3: UTCTime through 2049, GeneralizedTime after; `Time::from` chooses.
        signed.push(attribute(ID_SIGNING_TIME, &Time::from(time)).map_err(encode("signing-time"))?);
    }
    signed.push(
        attribute(
            ID_AA_SIGNING_CERTIFICATE_V2,
            &signing_certificate_v2(certificate)?,
        )
        .map_err(encode("signingCertificateV2"))?,
    );
    signed.extend(attrs.extra);
    // DER: a SET OF is sorted by its elements' encodings (X.690 §11.6); `SetOfVec` sorts.
    let signed = SetOfVec::try_from(signed).map_err(encode("signed attributes"))?;
    let signature = key.sign_message(&signed.to_der().map_err(encode("signed attributes"))?)?;
    let algorithm = key.algorithm();
    let tbs = certificate.tbs_certificate();
    Ok(SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: algorithm.digest_algorithm(),
        signed_attrs: Some(signed),
        signature_algorithm: algorithm.signature_algorithm(),
        signature: OctetString::new(signature).map_err(encode("signature"))?,
        unsigned_attrs: None,
    })
}
