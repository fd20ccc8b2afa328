//! Revocation checking of one certificate, given its issuer, at a validation time:
//! CRLs ([RFC 5280 §5](https://www.rfc-editor.org/rfc/rfc5280#section-5) and §6.3) and
//! OCSP ([RFC 6960](https://www.rfc-editor.org/rfc/rfc6960)).
//!
//! [`check`] takes the certificate, its (already path-validated) issuer certificate, the
//! validation time, the [`RevocationSources`] at hand (CRLs and OCSP responses supplied by
//! the caller or embedded in the evidence, DER or PEM) and [`RevocationOptions`], and
//! returns a [`RevocationStatus`]: [`Good`](RevocationStatus::Good),
//! [`Revoked`](RevocationStatus::Revoked) or
//! [`Indeterminate`](RevocationStatus::Indeterminate), with the [`Evidence`] that decided
//! and every source set aside ([`RejectedSource`]) with its [`SourceProblem`]. Everything
//! in it is [`serde::Serialize`] for the validation report.
//!
//! The network is used only if [`RevocationOptions::network`] is set, and then only for
//! `http:` locations named in the certificate: OCSP by POST (RFC 6960 Appendix A.1) with a
//! 32-byte nonce (RFC 8954), then CRLs by GET. Signatures are checked by
//! [`crate::crypto`] only; an algorithm it does not support (GOST) makes a source unusable
//! as [`SourceProblem::UnsupportedAlgorithm`], which is INDETERMINATE, never "revoked" or
//! "invalid".
//!
//! # CRLs (RFC 5280 §6.3, simplified for direct CRLs)
//!
//! A CRL is used when: its issuer name equals the certificate's issuer name (binary
//! comparison of the decoded names, not the full RFC 4518 string preparation); the issuer
//! certificate's key usage, if present, includes `cRLSign`; its signature verifies with the
//! issuer's key; it has no unprocessed critical extension, on the CRL or on any entry;
//! its issuing distribution point, if any, covers the certificate (`onlyContainsUserCerts`,
//! `onlyContainsCACerts`, the distribution point name; `indirectCRL`,
//! `onlyContainsAttributeCerts` and `onlySomeReasons` make it unusable); `thisUpdate` is not
//! after the validation time (plus skew) and `nextUpdate` not before it. A delta CRL is used
//! on top of a complete CRL with the same scope numbered at least its `BaseCRLNumber` and
//! below its own number; a delta entry `removeFromCRL` lifts a hold.
//!
//! # OCSP (RFC 6960)
//!
//! A response is used when it is `successful` and `id-pkix-ocsp-basic`; its signer is
//! authorised (§4.2.2.2: the issuer, by name or key hash, or a delegated responder whose
//! certificate is in the response, issued and signed by the issuer, with
//! `id-kp-OCSPSigning`, valid at `producedAt`); the signature verifies; a single response's
//! `CertID` matches the certificate (hash of the issuer name and key under the `CertID`'s
//! own hash, SHA-1 included, and the serial number); a nonce we sent, if echoed, matches;
//! `thisUpdate` is not after the validation time (plus skew) and `nextUpdate`, or
//! `thisUpdate` plus a maximum age when there is none, not before it.
//!
//! # Holds, later revocations, and the ETSI mapping
//!
//! `certificateHold` is reported as [`RevocationStatus::Revoked`] with `on_hold: true`: the
//! certificate must not be relied on at that time. A revocation dated after the validation
//! time leaves the certificate good at that time, and is reported in
//! [`RevocationStatus::Good`]'s `revoked_after_time`. When no source decides,
//! [`RevocationStatus::etsi_sub_indication`] maps the result to ETSI EN 319 102-1:
//! `TRY_LATER` when information is missing, stale, unreachable or `unknown`;
//! `REVOCATION_OUT_OF_BOUNDS_NO_POE` when the only information was issued after the
//! validation time or after the certificate expired; `CRYPTO_CONSTRAINTS_FAILURE` for weak
//! algorithms; and INDETERMINATE "unsupported algorithm" (no sub-indication) for GOST.
//!
//! # Not done here
//!
//! Indirect and partitioned CRLs; `nameRelativeToCRLIssuer`; fetching delta CRLs from
//! the freshest CRL extension; LDAP and HTTPS locations; the revocation status of a
//! delegated OCSP responder's own certificate (RFC 6960 §4.2.2.2.1, reported as its
//! `nocheck` flag); caching fetched CRLs between checks; signed OCSP requests.

mod cert;
mod check;
pub mod crl;
mod error;
mod ext;
mod fetch;
pub mod ocsp;
mod options;
mod problem;
mod ser;
mod signed;
mod sources;
mod status;
mod view;

pub use self::check::{check, check_ocsp_response, check_with_cache};
pub use self::crl::{Crl, CrlEntry};
pub use self::error::DecodeError;
pub use self::fetch::{FetchError, fetch_crl, fetch_ocsp};
pub use self::ocsp::{OcspResponseStatus, ParsedOcspResponse};
pub use self::options::{NetworkOptions, RevocationOptions};
pub use self::problem::{ProblemClass, RejectedSource, SourceProblem};
pub use self::sources::{RevocationSources, SourceKind, SourceOrigin};
pub use self::status::{
    CrlEvidence, EtsiSubIndication, Evidence, IndeterminateReason, LaterRevocation, NonceCheck,
    NotConsulted, NotConsultedReason, OcspEvidence, ResponderKind, RevocationReason,
    RevocationStatus,
};
