//! One signer at a CAdES baseline level: the signer info (B-B), its signature time-stamp
//! (B-T), and the certificates and revocation values to embed (B-LT).

use cms::signed_data::SignerInfo;
use const_oid::ObjectIdentifier;
use der::asn1::SetOfVec;
use der::{Any, DateTime, Decode as _};
use sha2::{Digest as _, Sha256};
use verifier::cms::oid::ID_AA_SIGNATURE_TIME_STAMP_TOKEN;
use verifier::cms::timestamp::{Imprint, TimestampExpectations, verify_token};
use verifier::cms::{CheckName, TimestampReport};
use verifier::report::Indication;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use super::CadesError;
use super::request::{Level, LevelServices};
use super::revocation::RevocationValue;
use super::signed_data::SignedDataBuilder;
use super::signer_info::{self, SignedAttributes};
use crate::keys::SignatureKey;

/// A signer info and what must be embedded in the `SignedData` with it.
pub(crate) struct Signed {
    signer_info: SignerInfo,
    digest_algorithm: spki::AlgorithmIdentifierOwned,
    certificates: Vec<Certificate>,
    revocation: Vec<RevocationValue>,
}

impl Signed {
    /// Adds the signer info, its digest algorithm, certificates and revocation values.
    pub(crate) fn add_to(self, builder: &mut SignedDataBuilder) -> Result<(), CadesError> {
        builder.add_digest_algorithm(self.digest_algorithm)?;
        builder.add_certificates(&self.certificates)?;
        for value in &self.revocation {
            builder.add_revocation_choice(value.to_choice()?)?;
        }
        builder.add_signer_info(&self.signer_info)
    }
}

/// Signs content of type `content_type` whose SHA-256 is `digest` at `level`.
///
/// The services a level needs are checked before anything is signed or time-stamped, so a
/// misconfiguration costs no key operation and no time-stamp serial number.
pub(crate) fn sign(
    key: &dyn SignatureKey,
    content_type: ObjectIdentifier,
    digest: &[u8; 32],
    signing_time: Option<DateTime>,
    level: Level,
    services: &LevelServices<'_>,
) -> Result<Signed, CadesError> {
    let timestamper = match level {
        Level::BB => None,
        Level::BT | Level::BLT => Some(
            services
                .timestamper
                .ok_or(CadesError::NoTimestamper(level))?,
        ),
    };
    let revocation_source = match level {
        Level::BLT => Some(services.revocation.ok_or(CadesError::NoRevocationSource)?),
        Level::BB | Level::BT => None,
    };

    let mut signer_info = signer_info::sign(
        key,
        SignedAttributes {
            content_type,
            content_digest: digest,
            // ETSI EN 319 122-1 §5.2.1: CAdES B-B signatures carry signing-time; PAdES ones
            // must not (EN 319 142-1 §5.4: the claimed time is the dictionary's /M).
            signing_time,
            extra: Vec::new(),
        },
    )?;
    // ETSI EN 319 122-1 §6.3: SignedData.certificates holds the signing certificate at
    // every level; the rest of the chain lets a validator build the path without fetching.
    let mut certificates = key.certificate_chain().to_vec();
    let mut revocation = Vec::new();

    if let Some(timestamper) = timestamper {
        let signature = signer_info.signature.as_bytes();
        // RFC 3161 Appendix A, ETSI EN 319 122-1 §5.3: the imprint is over the value of the
        // SignerInfo's signature field.
        let imprint: [u8; 32] = Sha256::digest(signature).into();
        let token = timestamper.timestamp(&imprint)?;
        let report = check_token(&token, signature, services.extra_certificates)?;
        let value = Any::from_der(&token)
            .map_err(|e| CadesError::TimestampRejected(format!("not one DER element: {e}")))?;
        let attribute = Attribute {
            oid: ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
            values: SetOfVec::try_from(vec![value])
                .map_err(CadesError::encode("signature-time-stamp"))?,
        };
        signer_info.unsigned_attrs = Some(
            SetOfVec::try_from(vec![attribute])
                .map_err(CadesError::encode("unsigned attributes"))?,
        );

        if let Some(source) = revocation_source {
            if report.tsa_certificate().is_none() {
                return Err(CadesError::TimestampRejected(
                    "the TSA certificate is neither in the token nor among the configured \
                     certificates, so B-LT cannot embed it"
                        .to_owned(),
                ));
            }
            let tsa_certificates = report.certificates.iter().map(|c| c.certificate().clone());
            for cert in tsa_certificates.chain(services.extra_certificates.iter().cloned()) {
                if !certificates.contains(&cert) {
                    certificates.push(cert);
                }
            }
            revocation = source.values_for(&certificates)?;
        }
    }

    Ok(Signed {
        signer_info,
        digest_algorithm: key.algorithm().digest_algorithm(),
        certificates,
        revocation,
    })
}

/// Checks that `token` time-stamps `signature`: its imprint matches, and nothing in it is
/// proven invalid (its TSA certificate may be unknown here: the validator's business).
fn check_token(
    token: &[u8],
    signature: &[u8],
    extra_certificates: &[Certificate],
) -> Result<TimestampReport, CadesError> {
    let report = verify_token(
        token,
        &TimestampExpectations {
            imprint: Some(Imprint::Data(signature)),
            nonce: None,
            policy: None,
            extra_certificates,
        },
    )
    .map_err(|e| CadesError::TimestampRejected(e.to_string()))?;
    let imprint_matches = report
        .check(CheckName::MessageImprint)
        .is_some_and(verifier::cms::Check::is_passed);
    if !imprint_matches {
        return Err(CadesError::TimestampRejected(
            "its message imprint is not the digest of our signature value".to_owned(),
        ));
    }
    if report.conclusion.indication == Indication::TotalFailed {
        return Err(CadesError::TimestampRejected(
            report
                .conclusion
                .reason
                .clone()
                .unwrap_or_else(|| "it does not verify".to_owned()),
        ));
    }
    Ok(report)
}
