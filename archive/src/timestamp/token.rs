//! Assembly of a time-stamp token: a TSTInfo signed as CMS SignedData.

use cms::{
    builder::{SignedDataBuilder, SignerInfoBuilder},
    cert::{CertificateChoices, IssuerAndSerialNumber},
    signed_data::{EncapsulatedContentInfo, SignerIdentifier},
};
use const_oid::{ObjectIdentifier, db::rfc5911::ID_SIGNING_TIME};
use der::{
    Any, DateTime, Encode, EncodeValue, Tag, Tagged,
    asn1::{Int, SetOfVec, Uint},
};
use p256::ecdsa::{DerSignature, SigningKey};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use verifier::tsp::{
    Accuracy, DefaultFalse, EssCertIdV2, GenTime, ID_AA_SIGNING_CERTIFICATE_V2, ID_CT_TST_INFO,
    ID_SHA256, IssuerSerial, MessageImprint, SigningCertificateV2, TspVersion, TstInfo,
};
use x509_cert::{Certificate, attr::Attribute, ext::pkix::name::GeneralName, time::Time};

use super::TimestampError;

/// What goes into one token besides the authority's key and certificate.
pub(crate) struct TokenRequest<'a> {
    pub(crate) digest: &'a [u8; 32],
    pub(crate) nonce: Option<u64>,
    pub(crate) serial: u64,
    pub(crate) policy: ObjectIdentifier,
    /// Whole seconds: the accuracy is one second, so finer digits would claim too much.
    pub(crate) gen_time: DateTime,
    pub(crate) signing_time: bool,
}

/// The signing authority: its key, its certificate, and that certificate's DER encoding.
pub(crate) struct Signer<'a> {
    pub(crate) key: &'a SigningKey,
    pub(crate) certificate: &'a Certificate,
    pub(crate) certificate_der: &'a [u8],
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    // RFC 5754 §2: the parameters of SHA-2 algorithm identifiers are preferably absent.
    AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    }
}

fn integer(value: u64) -> Result<Int, TimestampError> {
    Uint::try_from(value)
        .map(Int::from)
        .map_err(TimestampError::encode("integer"))
}

/// A signed attribute with the single value `value`.
fn attribute<T: EncodeValue + Tagged>(
    oid: ObjectIdentifier,
    value: &T,
) -> Result<Attribute, TimestampError> {
    let any = Any::encode_from(value).map_err(TimestampError::encode("attribute value"))?;
    let mut values = SetOfVec::new();
    values
        .insert(any)
        .map_err(TimestampError::encode("attribute value"))?;
    Ok(Attribute { oid, values })
}

/// The `TSTInfo` of [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2):
/// version 1, the policy, the SHA-256 imprint, the serial number, `genTime`, an accuracy of
/// one second, no ordering, the nonce if one was asked for, and no `tsa` name.
fn tst_info(request: &TokenRequest<'_>) -> Result<TstInfo, TimestampError> {
    Ok(TstInfo {
        version: TspVersion::V1,
        policy: request.policy,
        message_imprint: MessageImprint::sha256(request.digest)
            .map_err(TimestampError::encode("message imprint"))?,
        serial_number: integer(request.serial)?,
        gen_time: GenTime::from(request.gen_time),
        accuracy: Some(Accuracy::seconds(1)),
        ordering: DefaultFalse::from(false),
        nonce: request.nonce.map(integer).transpose()?,
        tsa: None,
        extensions: None,
    })
}

/// The ESS `signingCertificateV2` value naming the TSA certificate by its SHA-256 hash, issuer
/// and serial number ([RFC 5816 §2.2.1](https://www.rfc-editor.org/rfc/rfc5816#section-2.2.1)).
fn signing_certificate(signer: &Signer<'_>) -> Result<SigningCertificateV2, TimestampError> {
    let hash: [u8; 32] = Sha256::digest(signer.certificate_der).into();
    let tbs = signer.certificate.tbs_certificate();
    let mut cert_id =
        EssCertIdV2::sha256(&hash).map_err(TimestampError::encode("certificate hash"))?;
    cert_id.issuer_serial = Some(IssuerSerial {
        issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
        serial_number: tbs.serial_number().clone(),
    });
    Ok(SigningCertificateV2 {
        certs: vec![cert_id],
        policies: None,
    })
}

/// Builds and signs a DER `TimeStampToken`: a CMS `ContentInfo` holding `SignedData`
/// ([RFC 5652 §5](https://www.rfc-editor.org/rfc/rfc5652#section-5)) that encapsulates the
/// DER `TSTInfo` under `id-ct-TSTInfo`, signed with ECDSA P-256/SHA-256 by the signer named by
/// issuer and serial number, over signed attributes holding the content type, the message
/// digest, optionally the signing time, and `signingCertificateV2`. The TSA certificate is
/// included so the token can be checked on its own.
pub(crate) fn build(
    signer: &Signer<'_>,
    request: &TokenRequest<'_>,
) -> Result<Vec<u8>, TimestampError> {
    let tst_der = tst_info(request)?
        .to_der()
        .map_err(TimestampError::encode("TSTInfo"))?;
    // eContent is an OCTET STRING whose octets are the DER TSTInfo (RFC 5652 §5.2); the
    // builder digests exactly those octets for the message-digest attribute (§5.4).
    let econtent =
        Any::new(Tag::OctetString, tst_der).map_err(TimestampError::encode("eContent"))?;
    let encap = EncapsulatedContentInfo {
        econtent_type: ID_CT_TST_INFO,
        econtent: Some(econtent),
    };

    let tbs = signer.certificate.tbs_certificate();
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    });
    // The builder adds content-type and message-digest itself.
    let mut signer_info = SignerInfoBuilder::new(sid, sha256_algorithm(), &encap, None)
        .map_err(TimestampError::Sign)?;
    if request.signing_time {
        // RFC 5652 §11.3: UTCTime through 2049, GeneralizedTime after; `Time::from` chooses.
        let time = Time::from(request.gen_time);
        signer_info
            .add_signed_attribute(attribute(ID_SIGNING_TIME, &time)?)
            .map_err(TimestampError::Sign)?;
    }
    let ess = signing_certificate(signer)?;
    signer_info
        .add_signed_attribute(attribute(ID_AA_SIGNING_CERTIFICATE_V2, &ess)?)
        .map_err(TimestampError::Sign)?;

    let mut signed_data = SignedDataBuilder::new(&encap);
    signed_data
        .add_digest_algorithm(sha256_algorithm())
        .and_then(|b| {
            b.add_certificate(CertificateChoices::Certificate(signer.certificate.clone()))
        })
        .and_then(|b| b.add_signer_info::<SigningKey, DerSignature>(signer_info, signer.key))
        .map_err(TimestampError::Sign)?;
    let content_info = signed_data.build().map_err(TimestampError::Sign)?;
    content_info
        .to_der()
        .map_err(TimestampError::encode("TimeStampToken"))
}
