//! CMS / CAdES signing (RFC 5652, ETSI EN 319 122-1 baseline).
//!
//! [`sign_cms`] makes a `SignedData` over content or over its SHA-256 digest, attached or
//! detached, at level B-B, B-T or B-LT ([`Level`]); [`add_signer`] adds one more signer to an
//! existing `SignedData`. Keys are any [`SignatureKey`](crate::keys::SignatureKey): ECDSA
//! P-256 or RSA PKCS#1 v1.5, both with SHA-256.
//!
//! Every signer info carries the signed attributes content-type, message-digest,
//! signing-time and ESS signing-certificate-v2 ([`signer_info`]), and the `SignedData`
//! carries the key's certificate chain. B-T adds a signature time-stamp from the configured
//! [`Timestamper`](crate::tsa::Timestamper); B-LT also embeds the TSA's certificates and the
//! revocation values of every certificate of both paths ([`RevocationValues`]): CRLs as
//! `crl` and OCSP responses as `other` with `id-ri-ocsp-response` (RFC 5940 §3) in
//! `SignedData.crls`.
//!
//! Security properties:
//!
//! * a time-stamp token is embedded only if its imprint is the digest of our signature value
//!   and nothing in it is proven invalid;
//! * B-LT embeds only revocation values the verifier finds current, signed by the issuer and
//!   "good"; a revoked certificate is an error, never a signature;
//! * [`add_signer`] never signs content other than what the existing signers' message-digest
//!   attributes cover, and never re-encodes their signer infos;
//! * the services a level needs are checked before the key signs anything.
//!
//! The public interface is:

mod error;
mod fetch;
mod levels;
mod request;
mod revocation;
mod sign;
mod signed_data;
pub mod signer_info;

pub use self::error::CadesError;
pub use self::fetch::FetchingRevocation;
pub use self::request::{CmsRequest, Content, Level, LevelServices, UnknownLevel};
pub use self::revocation::{RevocationValue, RevocationValues, SuppliedRevocation};
pub use self::sign::{add_signer, sign_cms, sign_pades_cms};
