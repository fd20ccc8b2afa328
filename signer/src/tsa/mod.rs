//! Time-stamps: the service's own RFC 3161 authority ([`authority`]), and a client of
//! upstream ones that falls back to it ([`client`]).
//!
//! Whatever the source, a caller that needs a token (CAdES B-T, the archive's checkpoints)
//! asks a [`Timestamper`]. The HTTP face of the authority, `POST /v1/tsp`, is
//! [`crate::http::tsp`].

pub mod authority;
mod certificate;
pub mod client;
mod clock;
mod error;
mod request;
mod state;
mod token;

pub use self::authority::{Authority, AuthoritySettings};
pub use self::client::{TsaClient, TsaSource, Upstream};
pub use self::clock::{Clock, SystemClock};
pub use self::error::{CertificateProblem, RequestError, SourceFailure, TsaError, UpstreamError};
pub use self::request::ImprintAlgorithm;

/// The media type of a time-stamp request (RFC 3161 §3.4).
pub const TIMESTAMP_QUERY: &str = "application/timestamp-query";
/// The media type of a time-stamp response (RFC 3161 §3.4).
pub const TIMESTAMP_REPLY: &str = "application/timestamp-reply";

/// A source of RFC 3161 time-stamp tokens over SHA-256 digests.
///
/// Implementations return only tokens they have checked (a client verifies what an upstream
/// authority sends) and that are final (an authority's serial number state is durable first).
pub trait Timestamper: Send + Sync {
    /// A DER `TimeStampToken` (a CMS `ContentInfo`) whose imprint is `sha256_digest`.
    ///
    /// # Errors
    /// A [`TsaError`] saying why no token was obtained.
    fn timestamp(&self, sha256_digest: &[u8; 32]) -> Result<Vec<u8>, TsaError>;
}
