//! Time-stamps: the service's own RFC 3161 authority, and a client of upstream ones.
//!
//! Whatever the source, a caller that needs a token (CAdES B-T, the archive's checkpoints)
//! asks a [`Timestamper`].

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

/// Why no time-stamp token was issued or obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TsaError {
    /// Another failure, described.
    #[error("{0}")]
    Other(String),
}
