//! PAdES validation (ETSI EN 319 142-1; ISO 32000-2 §12.8) with modification detection.
//!
//! [`validate_pdf`] reads a PDF with [`crate::pdf`] (no object body until needed) and, for
//! every signature field with a value in any revision, and every document time-stamp:
//!
//! 1. locates the signature dictionary and its `/Contents` in the file, and checks that
//!    `/ByteRange` is `[0 a b c]` covering exactly one whole revision (up to its `%%EOF`)
//!    but that `/Contents` (`coverage`): universal signature forgery (no value, no
//!    range) and signature wrapping (signed bytes elsewhere) fail here;
//! 2. validates the CMS signature (`ETSI.CAdES.detached`, `adbe.pkcs7.detached`) or RFC 3161
//!    document time-stamp (`ETSI.RFC3161`) over those ranges with
//!    [`crate::validation`], hashing the ranges in place, with the DSS's certificates as
//!    path candidates and its CRLs and OCSP responses as revocation data;
//! 3. compares every later revision with the signed one (`diff`) and fails the signature
//!    if a change goes beyond what it permits: its certification's DocMDP `/P`, or, without
//!    one, signatures, validation data and form filling (pyHanko's default);
//! 4. fails it too for structural anomalies after its revision (`structure`): bytes after
//!    the last `%%EOF`, cross-reference entries redefining objects without a body or
//!    pointing into other objects, duplicate objects, a `/Prev` chain out of file order.
//!
//! The report names the PAdES baseline level the structure shows (B-B to B-LTA).
//!
//! Not done: decryption (an encrypted PDF's signatures are INDETERMINATE); validation
//! at a past time proven by document time-stamps (time-stamps are validated, and the
//! signature at the time its own signature time-stamp proves, or the caller's time).

mod coverage;
pub(crate) mod diff;
mod dss;
mod fields;
mod mdp;
mod prefix;
mod report;
mod rev;
mod signature;
mod structure;
mod text;

use std::collections::HashMap;

use sha2::{Digest as _, Sha256};

pub use self::prefix::HashedPdf;
pub use self::report::{
    Anomaly, AnomalyKind, ChangeKind, Coverage, ModificationLevel, Modifications, ObjectChange,
    PDF_SCHEMA, PadesLevel, PdfInputSummary, PdfSignature, PdfValidationReport, RevisionChanges,
    RevisionSummary, Severity, SignatureKind,
};
pub use self::text::render_pdf_text;

use self::diff::usage::UsageIndex;
use self::diff::{DiffPolicy, listing};
use self::rev::Rev;
use crate::path::ParsedCertificate;
use crate::pdf::{Dictionary, Limits, Object, PdfError, PdfFile, id_text};
use crate::report::{Indication, SubIndication};
use crate::revocation::SourceOrigin;
use crate::validation::{CheckRecord, ValidationPolicy, Verdict, trust, worst};

/// Why a PDF could not be validated at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfValidationError {
    /// The file is not a PDF, or its structure cannot be read.
    #[error("the PDF cannot be read: {0}")]
    Malformed(#[from] PdfError),
}

/// Whether `bytes` are a PDF: they begin with the `%PDF-` header (ISO 32000-1 §7.5.2),
/// after white space at most. (A CMS signature that encapsulates a PDF begins otherwise,
/// so it is not taken for one.)
#[must_use]
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(b"%PDF-")
}

/// Validates every signature and document time-stamp of a PDF, with [`Limits::default`].
///
/// # Errors
/// [`PdfValidationError::Malformed`] when the file's structure cannot be read; everything
/// wrong with a signature is a finding of the report instead.
pub fn validate_pdf(
    bytes: &[u8],
    policy: &ValidationPolicy,
) -> Result<PdfValidationReport, PdfValidationError> {
    validate_pdf_with_limits(bytes, policy, Limits::default())
}

/// As [`validate_pdf`], within `limits`.
///
/// # Errors
/// As [`validate_pdf`].
pub fn validate_pdf_with_limits(
    bytes: &[u8],
    policy: &ValidationPolicy,
    limits: Limits,
) -> Result<PdfValidationReport, PdfValidationError> {
    // The whole file's SHA-256, for the report, is computed on another core while the
    // signatures are checked: it is a full pass over the file, as long as their digests.
    std::thread::scope(|scope| {
        let digest = scope.spawn(|| hex::encode(Sha256::digest(bytes)));
        let report = validate_checked(bytes, None, policy, limits);
        let sha256 = digest.join().unwrap_or_default();
        report.map(|mut report| {
            report.input.sha256 = sha256;
            report
        })
    })
}

/// As [`validate_pdf`], for a file read with [`HashedPdf::read`]: its signatures' digests,
/// and the report's digest of the file, come from that one pass instead of new ones.
///
/// # Errors
/// As [`validate_pdf`].
pub fn validate_hashed_pdf(
    pdf: &HashedPdf,
    policy: &ValidationPolicy,
    limits: Limits,
) -> Result<PdfValidationReport, PdfValidationError> {
    let mut report = validate_checked(pdf.bytes(), Some(pdf), policy, limits)?;
    report.input.sha256 = hex::encode(pdf.sha256());
    Ok(report)
}

/// Validates `bytes`, which `hashed` holds if given.
fn validate_checked(
    bytes: &[u8],
    hashed: Option<&HashedPdf>,
    policy: &ValidationPolicy,
    limits: Limits,
) -> Result<PdfValidationReport, PdfValidationError> {
    let file = PdfFile::open(bytes, limits)?;
    let latest = file.revisions().len() - 1;
    let anomalies = structure::check(&file);
    let encrypted = file.trailer().contains_key(b"Encrypt");
    let policy = with_dss(policy, &dss::read(Rev::new(&file, latest)));

    let mut signatures: Vec<(PdfSignature, Verdict, Dictionary)> = Vec::new();
    let mut anomalies = anomalies;
    for found in fields::signatures(&file) {
        if found.last_seen < latest {
            anomalies.push(Anomaly {
                severity: Severity::Warning,
                kind: AnomalyKind::RemovedSignature,
                revision: Some(found.last_seen + 1),
                offset: None,
                message: format!(
                    "the signature field {:?} is gone from revision {}",
                    found.field.name,
                    found.last_seen + 2
                ),
            });
        }
        signatures.push(examine(&file, hashed, &found.field, encrypted, &policy));
    }
    // File order: by where the signed bytes end.
    signatures.sort_by_key(|(s, ..)| {
        let end = s.byte_range.as_deref().and_then(|br| {
            br.chunks(2)
                .filter_map(|p| Some(p.first()?.saturating_add(*p.get(1)?)))
                .max()
        });
        (
            s.revision.unwrap_or(usize::MAX),
            end.unwrap_or(i64::MAX),
            s.object.clone(),
        )
    });

    let certifications: Vec<(usize, u8)> = signatures
        .iter()
        .filter_map(|(s, ..)| Some((s.revision?, s.certification?)))
        .collect();
    let doc_timestamps: Vec<usize> = signatures
        .iter()
        .filter(|(s, ..)| s.kind == SignatureKind::DocumentTimeStamp)
        .filter_map(|(s, ..)| s.revision)
        .collect();
    let dss_updates: Vec<usize> = (1..=latest)
        .filter(|&k| dss::updated_in(Rev::new(&file, k)))
        .collect();
    let mut usages: HashMap<usize, UsageIndex> = HashMap::new();
    let no_usages = UsageIndex::default();
    let mut out = Vec::new();
    let first_signed = signatures.iter().filter_map(|(s, ..)| s.revision).min();
    for (index, (mut signature, mut verdict, dict)) in signatures.into_iter().enumerate() {
        signature.index = index;
        if let Some(revision) = signature.revision {
            let doc_mdp = certifications
                .iter()
                .filter(|(r, _)| *r <= revision)
                .map(|(_, p)| *p)
                .next();
            let policy = DiffPolicy {
                doc_mdp,
                // As signed: a later revision cannot loosen what the signature locks.
                locks: mdp::field_locks(Rev::new(&file, revision), &dict),
            };
            // The signed revision's usages, needed only if later revisions change it.
            let index = if revision < latest {
                &*usages
                    .entry(revision)
                    .or_insert_with(|| UsageIndex::build(Rev::new(&file, revision)))
            } else {
                &no_usages
            };
            if signature.certification.is_some() && first_signed.is_some_and(|f| f < revision) {
                // ISO 32000-1 §12.8.2.2.1: only the first signature may certify.
                verdict.record(
                    &mut signature.checks,
                    CheckRecord::failed(
                        "Certification",
                        "a DocMDP (certification) signature after another signature",
                        Some(SubIndication::FormatFailure),
                    ),
                );
            }
            check_perms(Rev::new(&file, revision), &mut signature, &mut verdict);
            signature.modifications = modifications(&file, revision, &policy, index);
            judge_modifications(&mut signature, &mut verdict);
            judge_anomalies(&anomalies, revision, &mut signature, &mut verdict);
            signature.level = level(&signature, &doc_timestamps, &dss_updates);
        }
        let (indication, sub_indication, reason) = verdict.conclude();
        signature.indication = indication;
        signature.sub_indication = sub_indication;
        signature.reason = reason;
        out.push(signature);
    }

    let (indication, sub_indication) = worst(out.iter().map(|s| (s.indication, s.sub_indication)))
        .unwrap_or((Indication::TotalFailed, Some(SubIndication::FormatFailure)));
    let reason = if out.is_empty() {
        Some("the PDF holds no signature".to_owned())
    } else {
        out.iter()
            .find(|s| s.indication == indication && s.reason.is_some())
            .map(|s| format!("{}: {}", s.field, s.reason.clone().unwrap_or_default()))
    };
    Ok(PdfValidationReport {
        schema: PDF_SCHEMA,
        verifier_version: crate::VERSION,
        input: PdfInputSummary {
            kind: "pdf",
            size: bytes.len(),
            // Filled in by the caller, computed in parallel.
            sha256: String::new(),
            pdf_version: file.header_version(),
        },
        trust: trust(&policy),
        indication,
        sub_indication,
        reason,
        revisions: revisions(&file, &out),
        signatures: out,
        anomalies,
    })
}

/// Whether the catalog's `/Perms /DocMDP`, as of the signature's revision, agrees with what
/// the signature itself says: a certification signature is named there, and a signature
/// named there certifies. A disagreement would let a viewer show a document as certified,
/// or not, against the signed facts.
fn check_perms(rev: Rev<'_, '_>, signature: &mut PdfSignature, verdict: &mut Verdict) {
    let named = mdp::perms_doc_mdp(rev).map(id_text);
    let is_named = named.as_deref() == Some(signature.object.as_str());
    let record = match (signature.certification.is_some(), is_named) {
        (true, true) => CheckRecord::passed(
            "Perms",
            "the catalog's /Perms /DocMDP names this certification signature",
        ),
        (true, false) => CheckRecord::failed(
            "Perms",
            match &named {
                Some(other) => format!(
                    "a certification signature, but the catalog's /Perms /DocMDP names {other}"
                ),
                None => "a certification signature the catalog's /Perms /DocMDP does not name \
                         (ISO 32000-1 §12.8.2.2.1)"
                    .to_owned(),
            },
            Some(SubIndication::FormatFailure),
        ),
        (false, true) => CheckRecord::failed(
            "Perms",
            "the catalog's /Perms /DocMDP names this signature, which has no DocMDP transform",
            Some(SubIndication::FormatFailure),
        ),
        (false, false) => return,
    };
    verdict.record(&mut signature.checks, record);
}

/// The caller's policy with the DSS's certificates as path candidates and its CRLs and
/// OCSP responses as revocation data.
fn with_dss(policy: &ValidationPolicy, dss: &dss::Dss) -> ValidationPolicy {
    let mut policy = policy.clone();
    policy.intermediates.extend(
        dss.certificates
            .iter()
            .filter_map(|der| ParsedCertificate::from_der(der).ok()),
    );
    for crl in &dss.crls {
        policy
            .revocation_sources
            .add_crls(crl, SourceOrigin::Embedded);
    }
    for ocsp in &dss.ocsp_responses {
        policy
            .revocation_sources
            .add_ocsp_responses(ocsp, SourceOrigin::Embedded);
    }
    policy
}

/// Everything about one signature that does not depend on the others.
fn examine(
    file: &PdfFile<'_>,
    hashed: Option<&HashedPdf>,
    field: &fields::SignatureField,
    encrypted: bool,
    policy: &ValidationPolicy,
) -> (PdfSignature, Verdict, Dictionary) {
    let mut checks = Vec::new();
    let mut verdict = Verdict::default();
    let id = field.value.as_reference();
    let dict = match id.map(|id| file.object(id)) {
        Some(Ok(Object::Dictionary(d))) => Some(d),
        Some(Ok(other)) => {
            verdict.record(
                &mut checks,
                CheckRecord::failed(
                    "SignatureDictionary",
                    format!(
                        "the field's /V is a {}, not a signature dictionary",
                        other.kind()
                    ),
                    Some(SubIndication::FormatFailure),
                ),
            );
            None
        }
        Some(Err(e)) => {
            verdict.record(
                &mut checks,
                CheckRecord::failed(
                    "SignatureDictionary",
                    e.to_string(),
                    Some(SubIndication::FormatFailure),
                ),
            );
            None
        }
        None => {
            verdict.record(&mut checks, CheckRecord::failed("SignatureDictionary", "the field's /V is not an indirect reference to a signature dictionary (ISO 32000-1 §12.7.4.5)", Some(SubIndication::FormatFailure)));
            field.value.as_dict().cloned()
        }
    };
    let dict = dict.unwrap_or_default();
    let type_name = dict.get_name(b"Type").map(<[u8]>::to_vec);
    let sub_filter = dict.get_name(b"SubFilter").map(<[u8]>::to_vec);
    let kind = if type_name.as_deref() == Some(b"DocTimeStamp")
        || sub_filter.as_deref() == Some(b"ETSI.RFC3161")
    {
        SignatureKind::DocumentTimeStamp
    } else {
        SignatureKind::Signature
    };
    let latest = file.revisions().len() - 1;
    let mut signature = PdfSignature {
        index: 0,
        field: field.name.clone(),
        kind,
        object: id.map_or_else(|| "(direct)".to_owned(), id_text),
        sub_filter: sub_filter
            .as_deref()
            .map(|s| String::from_utf8_lossy(s).into_owned()),
        claimed_signing_time: fields::text_entry(&dict, b"M"),
        stated_reason: fields::text_entry(&dict, b"Reason"),
        stated_location: fields::text_entry(&dict, b"Location"),
        stated_name: fields::text_entry(&dict, b"Name"),
        byte_range: None,
        revision: None,
        coverage: Coverage::Unclear,
        certification: None,
        locked_fields: Vec::new(),
        level: None,
        indication: Indication::TotalFailed,
        sub_indication: None,
        reason: None,
        checks: Vec::new(),
        cms: None,
        timestamp: None,
        modifications: Modifications {
            level: ModificationLevel::None,
            permitted: ModificationLevel::FormFilling,
            revisions: Vec::new(),
        },
    };
    if let Some(id) = id
        && !dict.is_empty()
    {
        let covered = coverage::check(file, id, &dict, &mut checks, &mut verdict);
        signature.byte_range = covered.byte_range;
        signature.coverage = covered.coverage;
        signature.revision = covered.revision;
        // The transforms as signed: a later revision cannot loosen them.
        let signed = Rev::new(file, covered.revision.unwrap_or(latest));
        signature.certification = mdp::doc_mdp(signed, &dict);
        signature.locked_fields = match mdp::field_locks(signed, &dict) {
            diff::FieldLocks::None => Vec::new(),
            diff::FieldLocks::All => vec!["all".into()],
            diff::FieldLocks::Include(names) => names,
            diff::FieldLocks::Exclude(names) => {
                names.iter().map(|n| format!("all but {n}")).collect()
            }
        };
        if encrypted {
            verdict.record(
                &mut checks,
                CheckRecord::indeterminate(
                    "Encryption",
                    "the file is encrypted; this verifier does not decrypt",
                    Some(SubIndication::FormatFailure),
                ),
            );
        } else if let Some(signed) = &covered.signed {
            let outcome = signature::validate(
                kind,
                type_name.as_deref(),
                sub_filter.as_deref(),
                signed,
                file.bytes(),
                hashed,
                policy,
                &mut checks,
                &mut verdict,
            );
            signature.cms = outcome.cms;
            signature.timestamp = outcome.timestamp;
        }
    }
    signature.checks = checks;
    (signature, verdict, dict)
}

/// Each later revision compared with the signed one.
fn modifications(
    file: &PdfFile<'_>,
    revision: usize,
    policy: &DiffPolicy,
    usages: &UsageIndex,
) -> Modifications {
    let revisions: Vec<RevisionChanges> = (revision + 1..file.revisions().len())
        .map(|k| diff::review(file, revision, k, policy, usages))
        .collect();
    Modifications {
        level: revisions
            .iter()
            .map(|r| r.level)
            .max()
            .unwrap_or(ModificationLevel::None),
        permitted: match policy.doc_mdp {
            Some(1) => ModificationLevel::ValidationData,
            Some(3) => ModificationLevel::Annotations,
            _ => ModificationLevel::FormFilling,
        },
        revisions,
    }
}

fn judge_modifications(signature: &mut PdfSignature, verdict: &mut Verdict) {
    let m = &signature.modifications;
    let record = match m.revisions.iter().find(|r| r.level > m.permitted) {
        Some(bad) => CheckRecord::failed(
            "Modifications",
            format!(
                "revision {} changes the signed document beyond what the signature permits ({}): {}",
                bad.revision + 1,
                m.permitted.describe(),
                bad.explanation
            ),
            Some(SubIndication::FormatFailure),
        ),
        None if m.revisions.is_empty() => CheckRecord::passed(
            "Modifications",
            "no later revision: the signature covers the whole file",
        ),
        None => CheckRecord::passed(
            "Modifications",
            format!(
                "{} later revision(s): {} (permitted: {})",
                m.revisions.len(),
                m.level.describe(),
                m.permitted.describe()
            ),
        ),
    };
    verdict.record(&mut signature.checks, record);
}

fn judge_anomalies(
    anomalies: &[Anomaly],
    revision: usize,
    signature: &mut PdfSignature,
    verdict: &mut Verdict,
) {
    let fatal: Vec<&Anomaly> = anomalies
        .iter()
        .filter(|a| a.severity == Severity::Fatal && a.revision.is_none_or(|r| r > revision))
        .collect();
    let record = match fatal.first() {
        Some(first) => CheckRecord::failed(
            "FileStructure",
            format!(
                "{}{}",
                first.message,
                if fatal.len() > 1 {
                    format!(" (and {} more anomalies)", fatal.len() - 1)
                } else {
                    String::new()
                }
            ),
            Some(SubIndication::FormatFailure),
        ),
        None => CheckRecord::passed(
            "FileStructure",
            "nothing after the signed revision hides or redefines content",
        ),
    };
    verdict.record(&mut signature.checks, record);
}

/// The PAdES baseline level the structure shows (ETSI EN 319 142-1 §6.2–§6.5).
fn level(
    signature: &PdfSignature,
    doc_timestamps: &[usize],
    dss_updates: &[usize],
) -> Option<PadesLevel> {
    if signature.sub_filter.as_deref() != Some("ETSI.CAdES.detached") {
        return None;
    }
    let revision = signature.revision?;
    let timestamped = signature
        .cms
        .as_ref()
        .is_some_and(|c| !c.signature_timestamps.is_empty())
        || doc_timestamps.iter().any(|&t| t > revision);
    if !timestamped {
        return Some(PadesLevel::BB);
    }
    let Some(&dss) = dss_updates.iter().find(|&&d| d > revision) else {
        return Some(PadesLevel::BT);
    };
    if doc_timestamps.iter().any(|&t| t >= dss) {
        Some(PadesLevel::BLta)
    } else {
        Some(PadesLevel::BLt)
    }
}

fn revisions(file: &PdfFile<'_>, signatures: &[PdfSignature]) -> Vec<RevisionSummary> {
    file.revisions()
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let changes = listing(file, k);
            let count = |kind| changes.iter().filter(|(_, c)| *c == kind).count();
            RevisionSummary {
                index: k,
                start: if k == 0 {
                    0
                } else {
                    file.revisions()[k - 1].end
                },
                end: r.end,
                xref_kind: r.xref_kind,
                added: count(ChangeKind::Added),
                replaced: count(ChangeKind::Replaced),
                freed: count(ChangeKind::Freed),
                signed_by: signatures
                    .iter()
                    .filter(|s| s.revision == Some(k))
                    .map(|s| s.field.clone())
                    .collect(),
            }
        })
        .collect()
}
