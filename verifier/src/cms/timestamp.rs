//! Verification of RFC 3161 time-stamp tokens (as updated by RFC 5816): a bare token, one in a
//! `TimeStampResp`, or one in a CAdES `signature-time-stamp` attribute.
//!
//! A token is CMS `SignedData` over a DER `TSTInfo` (RFC 3161 §2.4.2) with exactly one signer,
//! the TSA, whose signed attributes must bind its certificate through ESS `ESSCertID` or
//! `ESSCertIDv2` (RFC 3161 §2.4.1, RFC 5816 §2.2.1). Its message imprint must equal our own
//! digest of the time-stamped data; the nonce and policy must equal what the caller asked
//! for. The TSA certificate is returned for the caller's path validation, which also checks
//! its critical `id-kp-timeStamping` extended key usage (RFC 3161 §2.3).

use ::cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::Decode as _;
use der::asn1::Int;
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;

use super::certs::CertificateInfo;
use super::check::{Check, CheckName, Conclusion, Failure};
use super::content::SignedContent;
use super::error::CmsError;
use super::message::{SignedMessage, caller_certificates, pem_or_der};
use super::ser;
use super::signer::{self, AlgorithmName, SignerContext, SignerReport};
use crate::crypto::DigestAlgorithm;
use crate::path::name_text;
use crate::report::SubIndication;
use crate::tsp::{GenTime, ID_CT_TST_INFO, PkiStatus, TimeStampResp, TstInfo};

/// The time-stamped data, as the caller knows it.
#[derive(Clone, Copy, Debug)]
pub enum Imprint<'a> {
    /// The data itself; it is hashed with the imprint's algorithm (SHA-1 included, which is
    /// then reported as weak).
    Data(&'a [u8]),
    /// The caller's digest of the data. An imprint under another algorithm cannot be compared
    /// and comes out `INDETERMINATE` / `SIGNED_DATA_NOT_FOUND`.
    Digest {
        /// The algorithm.
        algorithm: DigestAlgorithm,
        /// The digest.
        value: &'a [u8],
    },
}

/// What a token must match.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimestampExpectations<'a> {
    /// The time-stamped data. Without it the imprint cannot be checked and the token is at
    /// best `INDETERMINATE` / `SIGNED_DATA_NOT_FOUND`.
    pub imprint: Option<Imprint<'a>>,
    /// The request's nonce, which the token must echo (RFC 3161 §2.4.2).
    pub nonce: Option<&'a Int>,
    /// The policy the token must have been issued under.
    pub policy: Option<ObjectIdentifier>,
    /// Certificates to look for the TSA among, after the token's own.
    pub extra_certificates: &'a [Certificate],
}

/// The facts a token states (its `TSTInfo`, RFC 3161 §2.4.2).
#[derive(Clone, Debug, Serialize)]
pub struct TokenSummary {
    /// `policy`.
    #[serde(serialize_with = "ser::oid")]
    pub policy: ObjectIdentifier,
    /// `serialNumber`.
    #[serde(serialize_with = "ser::hex")]
    pub serial_number: Vec<u8>,
    /// `genTime`.
    #[serde(serialize_with = "ser::display")]
    pub gen_time: GenTime,
    /// `accuracy`, in microseconds, if given.
    pub accuracy_micros: Option<u128>,
    /// `ordering`.
    pub ordering: bool,
    /// `nonce`, if present.
    #[serde(serialize_with = "ser::hex_opt")]
    pub nonce: Option<Vec<u8>>,
    /// `tsa`, if present and a directory name (RFC 4514 string) or other name (its debug form).
    pub tsa: Option<String>,
    /// `messageImprint.hashAlgorithm`.
    pub imprint_algorithm: AlgorithmName,
    /// `messageImprint.hashedMessage`.
    #[serde(serialize_with = "ser::hex")]
    pub imprint: Vec<u8>,
    /// Whether the imprint's algorithm is too weak (SHA-1).
    pub imprint_weak: bool,
}

/// Everything verified about one time-stamp token.
#[derive(Clone, Debug, Serialize)]
pub struct TimestampReport {
    /// The response status, when the token came in a `TimeStampResp`.
    #[serde(serialize_with = "ser::display_opt")]
    pub status: Option<PkiStatusName>,
    /// What the token states, when its `TSTInfo` could be read.
    pub token: Option<TokenSummary>,
    /// The verification of the TSA's signer info; its `signer_certificate` is the TSA
    /// certificate.
    pub signer: Option<SignerReport>,
    /// The certificates the token embeds.
    pub certificates: Vec<CertificateInfo>,
    /// The token-level checks: status and structure first, then imprint, nonce, policy.
    pub checks: Vec<Check>,
    /// The structure checks decide first, then the signer's conclusion, then the content
    /// checks.
    pub conclusion: Conclusion,
}

impl TimestampReport {
    /// The TSA certificate the signer info identified, for path validation.
    #[must_use]
    pub fn tsa_certificate(&self) -> Option<&CertificateInfo> {
        self.signer.as_ref()?.signer_certificate.as_ref()
    }

    /// `genTime`, when the token could be read.
    #[must_use]
    pub fn gen_time(&self) -> Option<GenTime> {
        self.token.as_ref().map(|t| t.gen_time)
    }

    /// The token-level check named `name`, if it was made.
    #[must_use]
    pub fn check(&self, name: CheckName) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// A [`PkiStatus`] under its RFC 3161 name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PkiStatusName(pub PkiStatus);

impl core::fmt::Display for PkiStatusName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self.0 {
            PkiStatus::Granted => "granted",
            PkiStatus::GrantedWithMods => "grantedWithMods",
            PkiStatus::Rejection => "rejection",
            PkiStatus::Waiting => "waiting",
            PkiStatus::RevocationWarning => "revocationWarning",
            PkiStatus::RevocationNotification => "revocationNotification",
        })
    }
}

/// Verifies the token in a DER `TimeStampResp` (RFC 3161 §2.4.2).
///
/// # Errors
/// [`CmsError::Tsp`] when the response cannot be read or does not grant a token (status other
/// than `granted` or `grantedWithMods`).
pub fn verify_response(
    der: &[u8],
    expected: &TimestampExpectations<'_>,
) -> Result<TimestampReport, CmsError> {
    let response = TimeStampResp::parse(der)?;
    let token = response.granted_token()?;
    let extra = caller_certificates(expected.extra_certificates);
    let ctx = TokenContext::new(expected, &extra);
    Ok(verify_decoded(
        Ok(token.clone()),
        &ctx,
        Some(response.status.status),
    ))
}

/// Verifies a bare `TimeStampToken` (a DER `ContentInfo`, or PEM labelled `CMS` or `PKCS7`).
///
/// # Errors
/// [`CmsError`] when the input is not a `ContentInfo` at all; anything wrong inside it is a
/// failed check in the report.
pub fn verify_token(
    input: &[u8],
    expected: &TimestampExpectations<'_>,
) -> Result<TimestampReport, CmsError> {
    let der = pem_or_der(input)?;
    let token = ContentInfo::from_der(&der).map_err(CmsError::malformed("TimeStampToken"))?;
    let extra = caller_certificates(expected.extra_certificates);
    let ctx = TokenContext::new(expected, &extra);
    Ok(verify_decoded(Ok(token), &ctx, None))
}

/// [`TimestampExpectations`] with the caller's certificates read, and the nesting depth.
pub(crate) struct TokenContext<'a> {
    pub(crate) imprint: Option<Imprint<'a>>,
    pub(crate) nonce: Option<&'a Int>,
    pub(crate) policy: Option<ObjectIdentifier>,
    pub(crate) extra: &'a [CertificateInfo],
    pub(crate) depth: usize,
}

impl<'a> TokenContext<'a> {
    fn new(expected: &TimestampExpectations<'a>, extra: &'a [CertificateInfo]) -> Self {
        Self {
            imprint: expected.imprint,
            nonce: expected.nonce,
            policy: expected.policy,
            extra,
            depth: 0,
        }
    }
}

/// Verifies a token that was (or could not be) decoded as a `ContentInfo`.
pub(crate) fn verify_decoded(
    token: der::Result<ContentInfo>,
    ctx: &TokenContext<'_>,
    status: Option<PkiStatus>,
) -> TimestampReport {
    let mut report = TimestampReport {
        status: status.map(PkiStatusName),
        token: None,
        signer: None,
        certificates: Vec::new(),
        checks: Vec::new(),
        conclusion: Conclusion::passed(),
    };
    if let Some(status) = status {
        // `verify_response` only gets here with a granted status (RFC 3161 §2.4.2).
        report.checks.push(Check::passed(
            CheckName::ResponseStatus,
            PkiStatusName(status).to_string(),
        ));
    }
    let structure = token
        .map_err(|e| Failure::format(format!("TimeStampToken: {e}")))
        .and_then(|t| read_structure(&t));
    let (message, info) = match structure {
        Ok(parts) => parts,
        Err(failure) => {
            report
                .checks
                .push(Check::failed(CheckName::TokenStructure, failure));
            report.conclusion = Conclusion::of(&report.checks);
            return report;
        }
    };
    report.checks.push(Check::passed(
        CheckName::TokenStructure,
        "SignedData with one signer over a DER TSTInfo",
    ));
    let structure_checks = report.checks.len();

    let pool = message.pool(ctx.extra);
    let econtent = message.encapsulated_content().unwrap_or_default();
    let content = SignedContent::bytes(econtent);
    let signer_ctx = SignerContext {
        pool: &pool,
        content: &content,
        content_type: Some(ID_CT_TST_INFO),
        require_signing_certificate: true,
        depth: ctx.depth,
    };
    let signer = message
        .syntax()
        .signer_infos
        .iter()
        .next()
        .map(|raw| signer::verify_raw(raw, &signer_ctx));

    let imprint_algorithm =
        DigestAlgorithm::from_identifier_allowing_sha1(&info.message_imprint.hash_algorithm);
    report
        .checks
        .push(check_imprint(&info, ctx.imprint, &imprint_algorithm));
    report.checks.push(Check::from_result(
        CheckName::ImprintAlgorithm,
        match &imprint_algorithm {
            // RFC 3161 §2.4.1 lets the requester choose; SHA-1 is no longer adequate for it.
            Ok(DigestAlgorithm::Sha1) => Err(Failure::indeterminate(
                SubIndication::CryptoConstraintsFailure,
                "the imprint uses SHA-1, which is too weak",
            )),
            Ok(algorithm) => Ok(algorithm.name().to_owned()),
            Err(e) => Err(Failure::from_algorithm("imprint hashAlgorithm", e)),
        },
    ));
    report.checks.push(check_nonce(&info, ctx.nonce));
    report.checks.push(check_policy(&info, ctx.policy));

    report.conclusion = Conclusion::first_failure(&report.checks[..structure_checks])
        .or_else(|| {
            signer
                .as_ref()
                .map(|s| &s.conclusion)
                .filter(|c| !c.is_passed())
                .cloned()
        })
        .or_else(|| Conclusion::first_failure(&report.checks[structure_checks..]))
        .unwrap_or_else(Conclusion::passed);
    report.token = Some(summary(
        &info,
        imprint_algorithm.is_ok_and(|a| a == DigestAlgorithm::Sha1),
    ));
    report.signer = signer;
    report.certificates = message.certificates().to_vec();
    report
}

/// RFC 3161 §2.4.2: "The time-stamp token MUST NOT contain any signatures other than the
/// signature of the TSA", and its `eContentType` is `id-ct-TSTInfo`.
fn read_structure(token: &ContentInfo) -> Result<(SignedMessage, TstInfo), Failure> {
    let message =
        SignedMessage::from_content_info(token).map_err(|e| Failure::format(e.to_string()))?;
    if message.content_type() != ID_CT_TST_INFO {
        return Err(Failure::format(format!(
            "eContentType is {}, not id-ct-TSTInfo",
            message.content_type()
        )));
    }
    if message.signer_count() != 1 {
        return Err(Failure::format(format!(
            "a time-stamp token has exactly one signer, the TSA; this one has {}",
            message.signer_count()
        )));
    }
    let econtent = message
        .encapsulated_content()
        .ok_or_else(|| Failure::format("the TSTInfo is not encapsulated"))?;
    let info = TstInfo::parse(econtent).map_err(|e| Failure::format(e.to_string()))?;
    Ok((message, info))
}

fn check_imprint(
    info: &TstInfo,
    expected: Option<Imprint<'_>>,
    algorithm: &Result<DigestAlgorithm, crate::crypto::AlgorithmError>,
) -> Check {
    let name = CheckName::MessageImprint;
    let result = (|| {
        let expected = expected.ok_or_else(|| {
            Failure::indeterminate(
                SubIndication::SignedDataNotFound,
                "no data or digest was given to compare the imprint with",
            )
        })?;
        let algorithm = algorithm
            .clone()
            .map_err(|e| Failure::from_algorithm("imprint hashAlgorithm", &e))?;
        let ours = match expected {
            Imprint::Data(data) => algorithm.digest(data),
            Imprint::Digest {
                algorithm: given,
                value,
            } if given == algorithm => value.to_vec(),
            Imprint::Digest {
                algorithm: given, ..
            } => {
                return Err(Failure::indeterminate(
                    SubIndication::SignedDataNotFound,
                    format!("the imprint uses {algorithm}, the digest given is {given}"),
                ));
            }
        };
        let imprint = info.message_imprint.hashed_message.as_bytes();
        if ours == imprint {
            Ok(format!("{algorithm} {}", hex::encode(imprint)))
        } else {
            Err(Failure::total(
                SubIndication::HashFailure,
                format!(
                    "token for other data: the imprint {} is not the {algorithm} of the data {}",
                    hex::encode(imprint),
                    hex::encode(&ours)
                ),
            ))
        }
    })();
    Check::from_result(name, result)
}

/// The nonce and policy are the caller's constraints: a mismatch means the token does not
/// answer the caller's request, `INDETERMINATE` / `SIG_CONSTRAINTS_FAILURE`.
fn check_nonce(info: &TstInfo, expected: Option<&Int>) -> Check {
    let name = CheckName::Nonce;
    match (expected, &info.nonce) {
        (None, _) => Check::not_applicable(name, "no nonce expected"),
        (Some(expected), Some(found)) if found == expected => {
            Check::passed(name, hex::encode(found.as_bytes()))
        }
        (Some(expected), found) => Check::failed(
            name,
            Failure::indeterminate(
                SubIndication::SigConstraintsFailure,
                format!(
                    "the token's nonce {} is not the request's {}",
                    found
                        .as_ref()
                        .map_or("(absent)".to_owned(), |n| hex::encode(n.as_bytes())),
                    hex::encode(expected.as_bytes())
                ),
            ),
        ),
    }
}

fn check_policy(info: &TstInfo, expected: Option<ObjectIdentifier>) -> Check {
    let name = CheckName::Policy;
    match expected {
        None => Check::not_applicable(
            name,
            format!("no policy expected; the token's is {}", info.policy),
        ),
        Some(expected) if expected == info.policy => Check::passed(name, expected.to_string()),
        Some(expected) => Check::failed(
            name,
            Failure::indeterminate(
                SubIndication::SigConstraintsFailure,
                format!("the token's policy {} is not {expected}", info.policy),
            ),
        ),
    }
}

fn summary(info: &TstInfo, imprint_weak: bool) -> TokenSummary {
    let imprint = &info.message_imprint;
    TokenSummary {
        policy: info.policy,
        serial_number: info.serial_number.as_bytes().to_vec(),
        gen_time: info.gen_time,
        accuracy_micros: info.accuracy.map(|a| a.to_duration().as_micros()),
        ordering: info.ordering.get(),
        nonce: info.nonce.as_ref().map(|n| n.as_bytes().to_vec()),
        tsa: info.tsa.as_ref().map(|name| match name {
            GeneralName::DirectoryName(dn) => name_text(dn),
            other => format!("{other:?}"),
        }),
        imprint_algorithm: AlgorithmName {
            oid: imprint.hash_algorithm.oid,
            name: DigestAlgorithm::from_oid_allowing_sha1(&imprint.hash_algorithm.oid)
                .ok()
                .map(|a| a.name().to_owned()),
        },
        imprint: imprint.hashed_message.as_bytes().to_vec(),
        imprint_weak,
    }
}
