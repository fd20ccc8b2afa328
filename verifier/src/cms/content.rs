//! What the signatures of a `SignedData` are over: the encapsulated content, content the
//! caller supplies (detached signatures), or only the caller's digests of it.

use std::cell::RefCell;

use serde::Serialize;

use super::check::Failure;
use crate::crypto::DigestAlgorithm;
use crate::report::SubIndication;

/// The content of a detached signature (RFC 5652 §5.2: `eContent` absent), supplied by the
/// caller.
#[derive(Clone, Copy, Debug)]
pub enum DetachedContent<'a> {
    /// The content itself.
    Bytes(&'a [u8]),
    /// The content as consecutive parts, hashed in order without being copied together
    /// (the two byte ranges of a PDF signature, ISO 32000-1 §12.8.1).
    Parts(&'a [&'a [u8]]),
    /// Digests of the content the caller computed (for files too large to hold in memory),
    /// one per algorithm the signers use. A signer whose digest algorithm is not among them
    /// comes out `INDETERMINATE` / `SIGNED_DATA_NOT_FOUND`.
    Digests(&'a [ContentDigest]),
    /// The content as [`DetachedContent::Parts`], with digests of it the caller computed
    /// already (while reading it, say). Algorithms not among them are computed over the parts.
    /// The caller vouches that `known` are digests of exactly these parts.
    HashedParts {
        /// The content.
        parts: &'a [&'a [u8]],
        /// Digests of the parts, put together, under some algorithms.
        known: &'a [ContentDigest],
    },
}

/// A digest of detached content, computed by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentDigest {
    /// The algorithm.
    pub algorithm: DigestAlgorithm,
    /// The digest.
    pub value: Vec<u8>,
}

/// Where the content a report's signatures were checked against came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContentSource {
    /// `eContent` was present.
    Encapsulated {
        /// Its length in bytes.
        length: usize,
        /// Whether the caller also supplied detached content, which was then ignored.
        detached_content_ignored: bool,
    },
    /// The caller supplied the content.
    DetachedBytes {
        /// Its length in bytes.
        length: usize,
    },
    /// The caller supplied digests of the content.
    DetachedDigests {
        /// Their algorithms.
        algorithms: Vec<String>,
    },
    /// Neither: no message digest can be checked.
    Missing,
}

/// The signed content as a signer's checks see it, with digests computed once per algorithm.
#[derive(Debug)]
pub(crate) enum SignedContent<'a> {
    Bytes {
        parts: Vec<&'a [u8]>,
        cache: RefCell<Vec<(DigestAlgorithm, Vec<u8>)>>,
    },
    Digests(&'a [ContentDigest]),
    Missing,
}

impl<'a> SignedContent<'a> {
    pub(crate) fn bytes(bytes: &'a [u8]) -> Self {
        Self::parts(vec![bytes])
    }

    pub(crate) fn parts(parts: Vec<&'a [u8]>) -> Self {
        Self::Bytes {
            parts,
            cache: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn from_detached(detached: Option<DetachedContent<'a>>) -> Self {
        match detached {
            Some(DetachedContent::Bytes(bytes)) => Self::bytes(bytes),
            Some(DetachedContent::Parts(parts)) => Self::parts(parts.to_vec()),
            Some(DetachedContent::HashedParts { parts, known }) => Self::Bytes {
                parts: parts.to_vec(),
                cache: RefCell::new(
                    known
                        .iter()
                        .map(|d| (d.algorithm, d.value.clone()))
                        .collect(),
                ),
            },
            Some(DetachedContent::Digests(digests)) => Self::Digests(digests),
            None => Self::Missing,
        }
    }

    /// The digest of the content under `algorithm`.
    ///
    /// # Errors
    /// `INDETERMINATE` / `SIGNED_DATA_NOT_FOUND` when the content is absent, or given only as
    /// digests under other algorithms.
    pub(crate) fn digest(&self, algorithm: DigestAlgorithm) -> Result<Vec<u8>, Failure> {
        match self {
            Self::Bytes { parts, cache } => {
                if let Some((_, d)) = cache.borrow().iter().find(|(a, _)| *a == algorithm) {
                    return Ok(d.clone());
                }
                let mut hasher = algorithm.hasher();
                for part in parts {
                    hasher.update(part);
                }
                let digest = hasher.finalize();
                cache.borrow_mut().push((algorithm, digest.clone()));
                Ok(digest)
            }
            Self::Digests(digests) => digests
                .iter()
                .find(|d| d.algorithm == algorithm)
                .map(|d| d.value.clone())
                .ok_or_else(|| {
                    Failure::indeterminate(
                        SubIndication::SignedDataNotFound,
                        format!("no {algorithm} digest of the detached content was supplied"),
                    )
                }),
            Self::Missing => Err(Failure::indeterminate(
                SubIndication::SignedDataNotFound,
                "the content is detached and was not supplied",
            )),
        }
    }
}
