//! X.509 certification path building and validation (RFC 5280 §6), the foundation for the
//! CMS, time-stamp, revocation and PAdES checks.
//!
//! Give [`PathInputs`] an end-entity certificate, candidate intermediates, the trust anchors,
//! a validation time, a [`Purpose`] and the RFC 5280 §6.1.1 policy inputs
//! ([`PolicyInputs`]); [`PathInputs::validate`] builds paths from the certificate up to an
//! anchor and returns the first that validates as a [`ValidatedPath`] (certificates,
//! anchor, valid policies, end-entity key), or the most informative [`PathError`].
//!
//! ```no_run
//! # fn demo(leaf_der: &[u8], ca_der: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use core::str::FromStr as _;
//! use verifier::path::{ParsedCertificate, PathInputs, TrustAnchor};
//!
//! let leaf = ParsedCertificate::from_der(leaf_der)?;
//! let anchors = [TrustAnchor::from_der(ca_der)?];
//! let at = der::DateTime::from_str("2022-06-01T00:00:00Z")?;
//! let path = PathInputs::new(&leaf, &anchors, at).validate()?;
//! println!("{} certificates up to {}", path.certificates().len(), path.anchor().subject());
//! # Ok(()) }
//! ```
//!
//! # What is checked
//!
//! Everything of RFC 5280 §6.1.3-§6.1.5 except revocation (§6.1.3(a)(3)), which the
//! revocation checks apply to the validated path:
//!
//! * each certificate's signature by its issuer's key, through [`crate::crypto`];
//!   an algorithm or key that module cannot check (GOST) makes the result INDETERMINATE,
//!   never a failure ([`PathError::UnsupportedAlgorithm`]);
//! * each certificate's validity at the validation time, expired and not-yet-valid told
//!   apart;
//! * name chaining under the §7.1 comparison rules ([`names_match`]);
//! * basicConstraints cA, pathLenConstraint and keyCertSign for every intermediate;
//! * name constraints on directoryName, rfc822Name (including the subject's emailAddress),
//!   dNSName, URI and iPAddress;
//! * the full policy processing with policy mappings and the requireExplicitPolicy,
//!   inhibitPolicyMapping and inhibitAnyPolicy counters, producing the
//!   authorities-constrained and user-constrained policy sets ([`ValidPolicies`]), using the
//!   policy graph of RFC 9618 so that no chain can make it exponential;
//! * critical extensions it does not process, in any certificate of the path, are refused;
//! * the end-entity certificate's key usage and extended key usage against the [`Purpose`].
//!
//! The trust anchor's own validity, signature and extensions are not checked: it stands for
//! a name and a key (§6.1.1(d)). A path must end at a configured anchor; a certificate that
//! merely arrives with the evidence, self-signed or not, is never trusted for it.
//!
//! # Outcomes
//!
//! [`PathError`] documents which ETSI EN 319 102-1 indication and sub-indication
//! ([`crate::report`]) each failure maps to ([`PathError::indication`],
//! [`PathError::sub_indication`]).

mod anchor;
mod build;
mod certificate;
mod constraints;
mod error;
mod extensions;
mod inputs;
mod name;
mod name_text;
mod oid;
mod policy;
mod purpose;
mod signature;
mod validate;
mod validated;

pub use self::anchor::TrustAnchor;
pub use self::certificate::{CertificateError, ParsedCertificate, parse_certificates};
pub use self::error::{CertRef, ConstraintViolation, Malformation, NoChainReason, PathError};
pub use self::inputs::{DEFAULT_MAX_PATH_LENGTH, PathInputs, PolicyInputs};
pub use self::name::names_match;
pub(crate) use self::name_text::{NameText, name_text};
pub use self::oid::{
    ADOBE_AUTHENTIC_DOCUMENTS_TRUST, ANY_EXTENDED_KEY_USAGE, ANY_POLICY, ID_KP_CLIENT_AUTH,
    ID_KP_CODE_SIGNING, ID_KP_DOCUMENT_SIGNING, ID_KP_EMAIL_PROTECTION, ID_KP_OCSP_SIGNING,
    ID_KP_SERVER_AUTH, ID_KP_TIME_STAMPING, MS_DOCUMENT_SIGNING,
};
pub use self::purpose::{
    CertificateKind, Purpose, PurposeViolation, SigningKeyUsage, SigningRequirements,
};
pub use self::validated::{ValidPolicies, ValidatedPath};
