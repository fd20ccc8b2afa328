//! The verification of one `SignerInfo` (RFC 5652 §5.3–§5.6) with its CAdES attributes.

use ::cms::content_info::CmsVersion;
use ::cms::signed_data::{SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::{Any, Decode as _, Encode as _};
use serde::Serialize;
use spki::AlgorithmIdentifierOwned;

use super::attrs::{self, SigningTime};
use super::binding::EssReferences;
use super::certs::{CertificateInfo, RevocationData, SignerId, candidates};
use super::check::{Check, CheckName, Conclusion, Failure};
use super::content::SignedContent;
use super::oid::{
    ID_CONTENT_TYPE, ID_COUNTERSIGNATURE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNING_TIME,
};
use super::ser;
use super::timestamp::TimestampReport;
use super::unsigned;
use crate::crypto::{DigestAlgorithm, PublicKey, SignatureAlgorithm};
use crate::report::SubIndication;

/// An algorithm identifier as a report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlgorithmName {
    /// The OID.
    #[serde(serialize_with = "ser::oid")]
    pub oid: ObjectIdentifier,
    /// Its name, when known (`"SHA-256"`, `"ecdsa-with-SHA256"`, the OID database's name).
    pub name: Option<String>,
}

impl AlgorithmName {
    fn new(identifier: &AlgorithmIdentifierOwned, known: Option<String>) -> Self {
        let name = known.or_else(|| {
            const_oid::db::DB
                .by_oid(&identifier.oid)
                .map(ToOwned::to_owned)
        });
        Self {
            oid: identifier.oid,
            name,
        }
    }
}

/// Everything verified about one signer.
#[derive(Clone, Debug, Serialize)]
pub struct SignerReport {
    /// The `sid`, when the signer info could be read.
    pub signer_identifier: Option<SignerId>,
    /// The `digestAlgorithm`.
    pub digest_algorithm: Option<AlgorithmName>,
    /// The `signatureAlgorithm`.
    pub signature_algorithm: Option<AlgorithmName>,
    /// The certificate the `sid` (and ESS reference, if any) identified: the one to validate
    /// a path for. Present even when a check failed, so a report can show what was found.
    pub signer_certificate: Option<CertificateInfo>,
    /// The claimed `signing-time`, if present.
    pub signing_time: Option<SigningTime>,
    /// The checks, in the order of ETSI EN 319 102-1 §5.2.
    pub checks: Vec<Check>,
    /// What the checks conclude (the first failure decides).
    pub conclusion: Conclusion,
    /// Countersignatures (RFC 5652 §11.4), each verified over this signer's signature value.
    pub countersignatures: Vec<SignerReport>,
    /// Signature time-stamps (CAdES-T), each verified over this signer's signature value.
    pub signature_timestamps: Vec<TimestampReport>,
    /// Certificates from a CAdES `certificate-values` attribute.
    pub certificate_values: Vec<CertificateInfo>,
    /// Revocation data from a CAdES `revocation-values` attribute.
    pub revocation_values: RevocationData,
    /// How the unsigned attributes were read. These never change [`conclusion`](Self::conclusion):
    /// ETSI EN 319 102-1 disregards unusable validation data rather than holding it against
    /// the signature; countersignatures and time-stamps carry their own conclusions.
    pub unsigned_attributes: Vec<Check>,
}

impl SignerReport {
    fn unreadable(failure: Failure) -> Self {
        let checks = vec![Check::failed(CheckName::SignerInfoFormat, failure)];
        Self {
            signer_identifier: None,
            digest_algorithm: None,
            signature_algorithm: None,
            signer_certificate: None,
            signing_time: None,
            conclusion: Conclusion::of(&checks),
            checks,
            countersignatures: Vec::new(),
            signature_timestamps: Vec::new(),
            certificate_values: Vec::new(),
            revocation_values: RevocationData::default(),
            unsigned_attributes: Vec::new(),
        }
    }

    /// The check named `name`, if it was made.
    #[must_use]
    pub fn check(&self, name: CheckName) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// What a signer info is verified against.
pub(crate) struct SignerContext<'a> {
    /// Certificates to identify the signer among: embedded first, then the caller's.
    pub(crate) pool: &'a [CertificateInfo],
    /// What is signed.
    pub(crate) content: &'a SignedContent<'a>,
    /// `eContentType` for a signer of content; `None` for a countersignature, whose signed
    /// attributes must not contain a content-type (RFC 5652 §11.4).
    pub(crate) content_type: Option<ObjectIdentifier>,
    /// Whether an ESS signing-certificate attribute is required (a TSA's: RFC 3161 §2.4.1,
    /// RFC 5816 §2.2.1).
    pub(crate) require_signing_certificate: bool,
    /// How many signer infos and tokens enclose this one.
    pub(crate) depth: usize,
}

/// Verifies the DER `SignerInfo` in `raw`.
pub(crate) fn verify_raw(raw: &Any, ctx: &SignerContext<'_>) -> SignerReport {
    let der = match raw.to_der() {
        Ok(der) => der,
        Err(e) => return SignerReport::unreadable(Failure::format(format!("SignerInfo: {e}"))),
    };
    match SignerInfo::from_der(&der) {
        Ok(info) => verify(&info, signed_attrs_as_received(&der).as_deref(), ctx),
        Err(e) => SignerReport::unreadable(Failure::format(format!("SignerInfo: {e}"))),
    }
}

/// The signed attributes of the DER `SignerInfo` in `signer_info` exactly as the signer
/// wrote them, with the `[0]` tag turned into a SET's (RFC 5652 §5.4: the signature is over
/// "the DER encoding of the SignedAttrs value" with "an EXPLICIT SET OF tag"). Decoding
/// sorts a SET OF, so encoding the decoded attributes again would change the bytes of a
/// signer that did not sort them; the signature covers the bytes it sent. `None` without
/// signed attributes.
fn signed_attrs_as_received(signer_info: &[u8]) -> Option<Vec<u8>> {
    use der::{AnyRef, Reader as _, SliceReader, Tag, TagNumber, Tagged as _};

    let outer = AnyRef::from_der(signer_info).ok()?;
    let mut reader = SliceReader::new(outer.value()).ok()?;
    // version, sid, digestAlgorithm.
    for _ in 0..3 {
        AnyRef::decode(&mut reader).ok()?;
    }
    if reader.is_finished() {
        return None;
    }
    let attrs = AnyRef::decode(&mut reader).ok()?;
    let signed_attrs_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    if attrs.tag() != signed_attrs_tag {
        return None;
    }
    let mut der = attrs.to_der().ok()?;
    *der.first_mut()? = 0x31; // universal, constructed, SET
    Some(der)
}

/// Verifies one signer info; `signed_attrs_der` is its signed attributes as the signer
/// encoded them ([`signed_attrs_as_received`]), preferred to encoding `si`'s again.
fn verify(
    si: &SignerInfo,
    signed_attrs_der: Option<&[u8]>,
    ctx: &SignerContext<'_>,
) -> SignerReport {
    let signed = si.signed_attrs.as_ref();
    let format = check_format(si, ctx);
    let content_type = check_content_type(si, ctx);
    let signing_time = signed
        .map(attrs::signing_time)
        .transpose()
        .map(Option::flatten);
    let signature_algorithm =
        SignatureAlgorithm::from_cms_signer_info(&si.signature_algorithm, &si.digest_alg);
    let digest_algorithm = DigestAlgorithm::from_identifier_allowing_sha1(&si.digest_alg);

    // Identification of the signing certificate (ETSI EN 319 102-1 §5.2.3).
    let found = candidates(&si.sid, ctx.pool);
    let ess = EssReferences::read(signed);
    let (ess_check, ess_choice) = check_ess(&ess, &found, ctx.require_signing_certificate);

    let message_digest = check_message_digest(si, ctx, digest_algorithm.as_ref());

    // With an ESS reference the certificate is fixed; without one, each certificate matching
    // the `sid` is tried, so that an injected look-alike cannot displace the real one.
    let to_try: Vec<&CertificateInfo> = ess_choice.map_or_else(|| found.clone(), |c| vec![c]);
    let (signature, verified_with) =
        check_signature(si, signed_attrs_der, ctx, &signature_algorithm, &to_try);
    let signer_certificate = verified_with
        .or(ess_choice)
        .or_else(|| found.first().copied());

    let identification = match signer_certificate {
        Some(cert) => Ok(format!(
            "{} (serial {}, from {:?}){}",
            cert.subject(),
            hex::encode(cert.serial_number()),
            cert.source(),
            if found.len() > 1 {
                format!("; {} certificates match the signer identifier", found.len())
            } else {
                String::new()
            }
        )),
        None => Err(Failure::indeterminate(
            SubIndication::NoSigningCertificateFound,
            "no embedded or supplied certificate matches the signer identifier",
        )),
    };

    let digest_strength = match &digest_algorithm {
        Ok(DigestAlgorithm::Sha1) => Err(Failure::indeterminate(
            SubIndication::CryptoConstraintsFailure,
            "digestAlgorithm SHA-1 is too weak for signatures",
        )),
        Ok(algorithm) => Ok(algorithm.name().to_owned()),
        Err(e) => Err(Failure::from_algorithm("digestAlgorithm", e)),
    };

    let checks = vec![
        Check::from_result(CheckName::SignerInfoFormat, format),
        content_type,
        match &signing_time {
            Ok(Some(t)) => Check::passed(CheckName::SigningTime, format!("{} (claimed)", t.time)),
            Ok(None) => Check::not_applicable(CheckName::SigningTime, "no signing-time attribute"),
            Err(f) => Check::failed(CheckName::SigningTime, f.clone()),
        },
        Check::from_result(CheckName::SignerCertificate, identification),
        ess_check,
        message_digest,
        signature,
        Check::from_result(CheckName::DigestAlgorithm, digest_strength),
    ];
    let mut report = SignerReport {
        signer_identifier: Some(SignerId::from(&si.sid)),
        digest_algorithm: Some(AlgorithmName::new(
            &si.digest_alg,
            digest_algorithm.ok().map(|d| d.name().to_owned()),
        )),
        signature_algorithm: Some(AlgorithmName::new(
            &si.signature_algorithm,
            signature_algorithm.ok().map(|a| a.to_string()),
        )),
        signer_certificate: signer_certificate.cloned(),
        signing_time: signing_time.ok().flatten(),
        conclusion: Conclusion::of(&checks),
        checks,
        countersignatures: Vec::new(),
        signature_timestamps: Vec::new(),
        certificate_values: Vec::new(),
        revocation_values: RevocationData::default(),
        unsigned_attributes: Vec::new(),
    };
    unsigned::process(si, ctx, &mut report);
    report
}

/// RFC 5652 §5.3 and §11: the structure of the signer info itself.
fn check_format(si: &SignerInfo, ctx: &SignerContext<'_>) -> Result<String, Failure> {
    // §5.3: "If the SignerIdentifier is issuerAndSerialNumber, then the version MUST be 1.
    // If the SignerIdentifier is subjectKeyIdentifier, then the version MUST be 3."
    let expected = match si.sid {
        SignerIdentifier::IssuerAndSerialNumber(_) => CmsVersion::V1,
        SignerIdentifier::SubjectKeyIdentifier(_) => CmsVersion::V3,
    };
    if si.version != expected {
        return Err(Failure::format(format!(
            "SignerInfo version {:?} does not match its signer identifier (RFC 5652 §5.3 \
             requires {expected:?})",
            si.version
        )));
    }
    match &si.signed_attrs {
        // §5.3: "SignedAttributes ::= SET SIZE (1..MAX) OF Attribute".
        Some(signed) if signed.is_empty() => {
            return Err(Failure::format("signedAttrs is present but empty"));
        }
        Some(_) => {}
        // §5.3: signedAttrs "MUST be present if the content type of the
        // EncapsulatedContentInfo value being signed is not id-data".
        None => {
            if let Some(content_type) = ctx.content_type
                && content_type != ID_DATA
            {
                return Err(Failure::format(format!(
                    "signed attributes are absent although the content type is {content_type}, \
                     not id-data (RFC 5652 §5.3)"
                )));
            }
        }
    }
    // §11.4: "The countersignature attribute MUST be an unsigned attribute; it MUST NOT be a
    // signed attribute"; §11.1–§11.3: content-type, message-digest and signing-time "MUST
    // NOT be an unsigned attribute".
    if attrs::all(si.signed_attrs.as_ref(), ID_COUNTERSIGNATURE)
        .next()
        .is_some()
    {
        return Err(Failure::format(
            "a countersignature is a signed attribute (RFC 5652 §11.4 forbids it)",
        ));
    }
    for (oid, name) in [
        (ID_CONTENT_TYPE, "content-type"),
        (ID_MESSAGE_DIGEST, "message-digest"),
        (ID_SIGNING_TIME, "signing-time"),
    ] {
        if attrs::all(si.unsigned_attrs.as_ref(), oid).next().is_some() {
            return Err(Failure::format(format!(
                "{name} is an unsigned attribute (RFC 5652 §11 requires it signed)"
            )));
        }
    }
    Ok(match si.signed_attrs {
        Some(_) => "signed attributes present: the signature covers their DER (RFC 5652 §5.4)",
        None => "no signed attributes: the signature covers the content itself (RFC 5652 §5.4)",
    }
    .to_owned())
}

/// RFC 5652 §11.1 (and §11.4 for countersignatures).
fn check_content_type(si: &SignerInfo, ctx: &SignerContext<'_>) -> Check {
    let name = CheckName::ContentType;
    let Some(signed) = &si.signed_attrs else {
        return Check::not_applicable(name, "no signed attributes");
    };
    let found = match attrs::content_type(signed) {
        Ok(found) => found,
        Err(f) => return Check::failed(name, f),
    };
    match (ctx.content_type, found) {
        (None, None) => Check::passed(
            name,
            "absent, as RFC 5652 §11.4 requires of a countersignature",
        ),
        (None, Some(_)) => Check::failed(
            name,
            Failure::format(
                "a countersignature's signed attributes contain a content-type (RFC 5652 §11.4 \
                 forbids it)",
            ),
        ),
        (Some(expected), None) => Check::failed(
            name,
            Failure::format(format!(
                "signed attributes lack the content-type attribute (RFC 5652 §5.3); \
                 eContentType is {expected}"
            )),
        ),
        (Some(expected), Some(found)) if found == expected => {
            Check::passed(name, format!("{found} equals eContentType"))
        }
        (Some(expected), Some(found)) => Check::failed(
            name,
            Failure::format(format!(
                "content-type attribute {found} differs from eContentType {expected} \
                 (RFC 5652 §11.1)"
            )),
        ),
    }
}

/// RFC 5652 §11.2 and §5.4.
fn check_message_digest(
    si: &SignerInfo,
    ctx: &SignerContext<'_>,
    algorithm: Result<&DigestAlgorithm, &crate::crypto::AlgorithmError>,
) -> Check {
    let name = CheckName::MessageDigest;
    let Some(signed) = &si.signed_attrs else {
        return Check::not_applicable(
            name,
            "no signed attributes: the content digest is checked by the signature itself \
             (RFC 5652 §5.4)",
        );
    };
    let result = (|| {
        let attribute = attrs::message_digest(signed)?.ok_or_else(|| {
            Failure::format("signed attributes lack the message-digest attribute (RFC 5652 §5.3)")
        })?;
        let algorithm = *algorithm.map_err(|e| Failure::from_algorithm("digestAlgorithm", e))?;
        let ours = ctx.content.digest(algorithm)?;
        if ours == attribute {
            Ok(format!("{algorithm} {}", hex::encode(&ours)))
        } else {
            Err(Failure::total(
                SubIndication::HashFailure,
                format!(
                    "message-digest attribute {} differs from the {algorithm} of the content {}",
                    hex::encode(&attribute),
                    hex::encode(&ours)
                ),
            ))
        }
    })();
    Check::from_result(name, result)
}

/// The ESS check, and the certificate it singles out among `found`.
fn check_ess<'p>(
    ess: &Result<EssReferences, Failure>,
    found: &[&'p CertificateInfo],
    required: bool,
) -> (Check, Option<&'p CertificateInfo>) {
    let name = CheckName::SigningCertificateReference;
    let refs = match ess {
        Err(f) => return (Check::failed(name, f.clone()), None),
        Ok(refs) => refs,
    };
    if refs.is_empty() {
        let check = if required {
            Check::failed(
                name,
                Failure::format(
                    "the signer info carries no ESS signing-certificate(-v2) attribute, which \
                     RFC 3161 §2.4.1 and RFC 5816 §2.2.1 require of a time-stamp token",
                ),
            )
        } else {
            Check::not_applicable(
                name,
                "no ESS signing-certificate(-v2) attribute (CAdES baseline signatures carry \
                 one: ETSI EN 319 122-1 §5.2.2.3)",
            )
        };
        return (check, None);
    }
    let mut first_failure = None;
    for cert in found {
        match refs.check(cert) {
            Ok(detail) => return (Check::passed(name, detail), Some(*cert)),
            Err(f) => {
                first_failure.get_or_insert(f);
            }
        }
    }
    let check = match first_failure {
        Some(f) => Check::failed(name, f),
        None => Check::not_applicable(
            name,
            "no certificate matches the signer identifier to compare the reference with",
        ),
    };
    (check, None)
}

/// RFC 5652 §5.4–§5.6: the signature value, tried with each certificate in `certs` until one
/// verifies.
fn check_signature<'p>(
    si: &SignerInfo,
    signed_attrs_der: Option<&[u8]>,
    ctx: &SignerContext<'_>,
    algorithm: &Result<SignatureAlgorithm, crate::crypto::AlgorithmError>,
    certs: &[&'p CertificateInfo],
) -> (Check, Option<&'p CertificateInfo>) {
    let name = CheckName::SignatureValue;
    let algorithm = match algorithm {
        Ok(a) => a,
        Err(e) => {
            return (
                Check::failed(name, Failure::from_algorithm("signatureAlgorithm", e)),
                None,
            );
        }
    };
    if certs.is_empty() {
        return (
            Check::not_applicable(name, "no signer certificate to verify with"),
            None,
        );
    }
    let signature = si.signature.as_bytes();
    let message = match (&si.signed_attrs, signed_attrs_der) {
        (Some(_), Some(as_received)) => Message::Full(as_received.to_vec()),
        // §5.4: "the DER encoding of the SignedAttrs value" with "an EXPLICIT SET OF tag",
        // not the IMPLICIT [0] it has in the SignerInfo: `SetOfVec` encodes as a SET.
        (Some(signed), None) => match signed.to_der() {
            Ok(der) => Message::Full(der),
            Err(e) => {
                return (
                    Check::failed(name, Failure::format(format!("signedAttrs: {e}"))),
                    None,
                );
            }
        },
        // §5.4: without signed attributes, the digest is over the content itself.
        (None, _) => match ctx.content.digest(algorithm.digest()) {
            Ok(digest) => Message::Digest(digest),
            Err(f) => return (Check::failed(name, f), None),
        },
    };
    let mut first_failure = None;
    for cert in certs {
        let result = PublicKey::from_spki(
            cert.certificate()
                .tbs_certificate()
                .subject_public_key_info(),
        )
        .and_then(|key| match &message {
            Message::Full(der) => key.verify(algorithm, der, signature),
            Message::Digest(digest) => key.verify_prehashed(algorithm, digest, signature),
        });
        match result {
            Ok(()) => return (Check::passed(name, format!("{algorithm}")), Some(cert)),
            Err(e) => {
                first_failure.get_or_insert(Failure::from_signature(&e));
            }
        }
    }
    let check = match first_failure {
        Some(f) => Check::failed(name, f),
        None => Check::not_applicable(name, "no signer certificate to verify with"),
    };
    (check, None)
}

enum Message {
    Full(Vec<u8>),
    Digest(Vec<u8>),
}
