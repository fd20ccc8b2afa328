//! CMS `SignedData` (RFC 5652) with CAdES attributes (ETSI EN 319 122-1 baseline), and
//! RFC 3161 / RFC 5816 time-stamp tokens: their cryptographic and structural verification.
//!
//! What this module decides, per signer and independently of the others:
//!
//! * the signer info is well-formed (RFC 5652 §5.3, §11);
//! * the signer certificate is the one its `SignerIdentifier` names (RFC 5652 §5.3), among the
//!   embedded certificates and those the caller supplies, and, when an ESS
//!   `signing-certificate` (RFC 2634 §5.4) or `signing-certificate-v2` (RFC 5035 §3) attribute
//!   is present, the one whose hash it carries;
//! * `content-type` equals `eContentType` (§11.1) and `message-digest` equals our own digest
//!   of the content (§11.2), attached or detached;
//! * the signature verifies over the DER of the signed attributes, or over the content when
//!   there are none (§5.4), through [`crate::crypto`], the only place signatures are checked;
//! * countersignatures (§11.4) and signature time-stamps (CAdES-T) verify over the signature
//!   value, each with its own report; CAdES-LT certificate and revocation values are
//!   extracted.
//!
//! What it leaves to the caller: certificate path validation and revocation checking (of the
//! signer and TSA certificates it returns, with the certificates, CRLs and OCSP responses it
//! extracts), and the combination of both into a final verdict. A [`Conclusion`] of
//! `TOTAL-PASSED` here means only that nothing this module checks failed.
//!
//! Results are lists of named [`Check`]s whose failures carry ETSI EN 319 102-1
//! [`Indication`](crate::report::Indication)s and
//! [`SubIndication`](crate::report::SubIndication)s. Algorithms the verifier cannot check
//! (GOST among them) are `INDETERMINATE`, never invalid.
//!
//! Input is DER (or PEM armour labelled `CMS` or `PKCS7`); BER with indefinite lengths is
//! refused as malformed.

mod attrs;
mod binding;
pub mod cades;
mod certs;
mod check;
mod content;
mod error;
pub mod ess;
mod message;
pub mod oid;
mod ser;
mod signer;
pub mod syntax;
pub mod timestamp;
mod unsigned;

pub use self::attrs::{SigningTime, TimeEncoding};
pub use self::certs::{
    CertificateInfo, CertificateSource, Der, OtherRevocation, RevocationData, SignerId,
};
pub use self::check::{Check, CheckName, Conclusion, Failure, Outcome};
pub use self::content::{ContentDigest, ContentSource, DetachedContent};
pub use self::error::CmsError;
pub use self::message::{SignedDataReport, SignedMessage, VerifyOptions};
pub use self::signer::{AlgorithmName, SignerReport};
pub use self::timestamp::{
    Imprint, PkiStatusName, TimestampExpectations, TimestampReport, TokenSummary,
};
pub use self::unsigned::MAX_DEPTH;
