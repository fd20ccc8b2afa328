//! The PDF validation report: what `dalel-verify FILE.pdf` prints and `POST /v1/verify`
//! answers for a PDF. The JSON form is stable: fields are only ever added; `schema` names
//! its version.

use serde::Serialize;

use crate::pdf::XrefKind;
use crate::report::{Indication, SubIndication};
use crate::validation::{CheckRecord, SignatureValidation, TimestampValidation, TrustSummary};

/// The version of the report's JSON form.
pub const PDF_SCHEMA: &str = "dalel-pdf-validation-report/1";

/// The whole report on one PDF.
#[derive(Debug, Clone, Serialize)]
pub struct PdfValidationReport {
    /// [`PDF_SCHEMA`].
    pub schema: &'static str,
    /// The verifier that wrote it.
    pub verifier_version: &'static str,
    /// What was validated.
    pub input: PdfInputSummary,
    /// What was trusted.
    pub trust: TrustSummary,
    /// The worst indication of all signatures; TOTAL-FAILED when there is none.
    pub indication: Indication,
    /// Its sub-indication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The deciding problem, in a sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every signature and document time-stamp, in the order of the revisions they cover.
    pub signatures: Vec<PdfSignature>,
    /// Every revision of the file, oldest first.
    pub revisions: Vec<RevisionSummary>,
    /// Everything odd about the file's structure, whether or not it decided a verdict.
    pub anomalies: Vec<Anomaly>,
}

/// The PDF as read.
#[derive(Debug, Clone, Serialize)]
pub struct PdfInputSummary {
    /// Always `pdf`.
    pub kind: &'static str,
    /// Its size in bytes.
    pub size: usize,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// The version its header states.
    pub pdf_version: String,
}

/// One signature or document time-stamp of the PDF.
#[derive(Debug, Clone, Serialize)]
pub struct PdfSignature {
    /// Position in [`PdfValidationReport::signatures`], from 0.
    pub index: usize,
    /// The fully qualified name of its signature field.
    pub field: String,
    /// `signature` or `document-time-stamp`.
    pub kind: SignatureKind,
    /// The signature dictionary's object, `n g R`.
    pub object: String,
    /// `/SubFilter` (`ETSI.CAdES.detached`, `adbe.pkcs7.detached`, `ETSI.RFC3161`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_filter: Option<String>,
    /// `/M`, the signing time the signer claims (not proven).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_signing_time: Option<String>,
    /// `/Reason`, as the signer wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_reason: Option<String>,
    /// `/Location`, as the signer wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_location: Option<String>,
    /// `/Name`, as the signer wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_name: Option<String>,
    /// `/ByteRange` as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_range: Option<Vec<i64>>,
    /// The revision the signed bytes end with (index into
    /// [`PdfValidationReport::revisions`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<usize>,
    /// How much of the file the signature covers.
    pub coverage: Coverage,
    /// For a certification signature, the changes its DocMDP transform permits
    /// (ISO 32000-1 §12.8.2.2: 1, 2 or 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certification: Option<u8>,
    /// The fields a FieldMDP transform of this signature locks (ISO 32000-1 §12.8.2.4):
    /// `all`, or the names; empty when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locked_fields: Vec<String>,
    /// The PAdES baseline level the structure shows (ETSI EN 319 142-1 §6), for
    /// `ETSI.CAdES.detached` signatures: a description, not a conformance claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<PadesLevel>,
    /// TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE.
    pub indication: Indication,
    /// The ETSI EN 319 102-1 sub-indication of the deciding problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The deciding problem, in a sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The PDF-level checks, in order (dictionary, byte range, coverage, sub-filter,
    /// CMS, modifications, file structure).
    pub checks: Vec<CheckRecord>,
    /// The CMS signature's validation (signatures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cms: Option<SignatureValidation>,
    /// The time-stamp token's validation (document time-stamps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimestampValidation>,
    /// What changed after the signed revision.
    pub modifications: Modifications,
}

/// Signature or document time-stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureKind {
    /// A signature (`/Type /Sig`, or no `/Type`).
    Signature,
    /// A document time-stamp (`/Type /DocTimeStamp`, ISO 32000-2 §12.8.5).
    DocumentTimeStamp,
}

/// How much of the file a signature's `/ByteRange` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// The whole file but the signature value.
    EntireFile,
    /// A whole revision but the signature value; later revisions follow.
    EntireRevision,
    /// A contiguous block from the start that does not end where a revision ends.
    ContiguousBlockFromStart,
    /// Anything else: malformed, overlapping, or not around the signature value.
    Unclear,
}

/// A PAdES baseline level (ETSI EN 319 142-1 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum PadesLevel {
    /// B-B: a CAdES detached signature.
    #[serde(rename = "B-B")]
    BB,
    /// B-T: and a signature time-stamp, or a document time-stamp over it.
    #[serde(rename = "B-T")]
    BT,
    /// B-LT: and validation data in a DSS added after it.
    #[serde(rename = "B-LT")]
    BLt,
    /// B-LTA: and a document time-stamp over that DSS.
    #[serde(rename = "B-LTA")]
    BLta,
}

/// What later revisions change, from least to most (pyHanko's `ModificationLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModificationLevel {
    /// Nothing: no later revision.
    None,
    /// Validation data (DSS), document time-stamps, document information and metadata
    /// updated; nothing visible on the pages (pyHanko's `LTA_UPDATES`; what DocMDP `/P` 1
    /// still allows, ETSI EN 319 142-1 §5.4).
    ValidationData,
    /// Invisible signatures added (and validation data).
    SignatureAdditions,
    /// Form fields filled in, including visible signature fields and their appearances.
    FormFilling,
    /// Annotations added, changed or deleted.
    Annotations,
    /// Anything else: page content, resources, catalog entries, replaced objects, ...
    Other,
}

impl ModificationLevel {
    /// A phrase for people.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "no changes",
            Self::ValidationData => "validation data and document time-stamps only",
            Self::SignatureAdditions => "signature additions only",
            Self::FormFilling => "form filling and signing",
            Self::Annotations => "annotations",
            Self::Other => "changes that are not permitted",
        }
    }
}

/// The changes after one signature's revision.
#[derive(Debug, Clone, Serialize)]
pub struct Modifications {
    /// The most any later revision changes.
    pub level: ModificationLevel,
    /// The most this signature permits: DocMDP's (1: validation data, 2: form filling and
    /// signing, 3: annotations), or form filling and signing without DocMDP.
    pub permitted: ModificationLevel,
    /// Each later revision, compared with the signed one.
    pub revisions: Vec<RevisionChanges>,
}

/// What one later revision changes, compared with a signed revision.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionChanges {
    /// The later revision.
    pub revision: usize,
    /// How far its changes go.
    pub level: ModificationLevel,
    /// Why, in a sentence or two.
    pub explanation: String,
    /// The objects its cross-reference data lists.
    pub objects: Vec<ObjectChange>,
}

/// One object a revision adds, replaces or frees.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectChange {
    /// `n g R`.
    pub object: String,
    /// `added`, `replaced` or `freed` (compared with the revision before it).
    pub change: ChangeKind,
    /// What the object is.
    pub what: String,
    /// The level at which a rule explained it; absent if none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_as: Option<ModificationLevel>,
}

/// How a revision's cross-reference data treats an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// New in this revision.
    Added,
    /// Defined before, defined anew here.
    Replaced,
    /// Defined before, freed here.
    Freed,
}

/// One revision of the file.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionSummary {
    /// From 0, oldest first.
    pub index: usize,
    /// Where its bytes start (the previous revision's end, or 0).
    pub start: usize,
    /// Where they end (after its `%%EOF` line).
    pub end: usize,
    /// How its cross-reference data is written.
    pub xref_kind: XrefKind,
    /// Objects it adds, replaces and frees.
    pub added: usize,
    /// See [`added`](Self::added).
    pub replaced: usize,
    /// See [`added`](Self::added).
    pub freed: usize,
    /// The signatures whose signed bytes end with it.
    pub signed_by: Vec<String>,
}

/// Something odd about the file's structure.
#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    /// Whether it fails the signatures it concerns.
    pub severity: Severity,
    /// What kind of oddity.
    pub kind: AnomalyKind,
    /// The revision it is in, if it belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<usize>,
    /// Where in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// What exactly.
    pub message: String,
}

/// How much an anomaly weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Fails every signature whose signed revision it follows (or every signature, for
    /// an anomaly of the whole file).
    Fatal,
    /// Reported only.
    Warning,
}

/// The kinds of structural oddity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AnomalyKind {
    /// Bytes after the last `%%EOF` that no revision (and no signature) covers.
    TrailingBytes,
    /// A revision without a `%%EOF` marker.
    MissingEof,
    /// Cross-reference sections out of file order (a `/Prev` pointing forward), outside a
    /// linearized file's first revision.
    SectionOrder,
    /// Revisions whose bytes overlap or are out of order.
    RevisionOrder,
    /// An object listed twice in one revision's cross-reference data with different
    /// entries.
    ConflictingXrefEntries,
    /// A cross-reference entry pointing outside the file, into another object, at another
    /// object, or at a body of an earlier revision.
    XrefEntry,
    /// One object defined twice in one revision's body.
    DuplicateObject,
    /// An object in a revision's body that its cross-reference data does not list.
    UnlistedObject,
    /// A stream whose `/Length` is wrong.
    StreamLength,
    /// A signature dictionary or field that is malformed or ambiguous.
    SignatureDictionary,
    /// A signature field present in an earlier revision and gone later.
    RemovedSignature,
    /// The file is encrypted, which this verifier does not decrypt.
    Encrypted,
}
