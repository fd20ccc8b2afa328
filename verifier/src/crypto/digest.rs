//! Digest algorithms: identification by OID and computation, one-shot or streamed.

use std::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use sha2::Digest as _;
use spki::AlgorithmIdentifierOwned;

use super::AlgorithmError;
use super::oid::{ID_SHA1, ID_SHA256, ID_SHA384, ID_SHA512, unsupported_name};

/// A digest algorithm the verifier can compute.
///
/// SHA-1 is recognised so that it can be named, reported as too weak for signatures and
/// computed where a caller explicitly allows it (an old time-stamp imprint, say); the plain
/// constructors ([`from_oid`](Self::from_oid), [`from_identifier`](Self::from_identifier))
/// refuse it with [`AlgorithmError::WeakDigest`], and a [`SignatureAlgorithm`] can never use
/// it.
///
/// [`SignatureAlgorithm`]: super::SignatureAlgorithm
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1 (FIPS 180-4), 20 bytes. Too weak for signatures.
    Sha1,
    /// SHA-256 (FIPS 180-4), 32 bytes.
    Sha256,
    /// SHA-384 (FIPS 180-4), 48 bytes.
    Sha384,
    /// SHA-512 (FIPS 180-4), 64 bytes.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm `oid` names, refusing SHA-1.
    ///
    /// # Errors
    /// [`AlgorithmError::WeakDigest`] for SHA-1; [`AlgorithmError::Unsupported`] for any other
    /// OID (GOST hashes included).
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, AlgorithmError> {
        let algorithm = Self::from_oid_allowing_sha1(oid)?;
        algorithm.refuse_weak()
    }

    /// The algorithm `oid` names, SHA-1 included.
    ///
    /// # Errors
    /// [`AlgorithmError::Unsupported`] for an OID other than those of SHA-1/256/384/512.
    pub fn from_oid_allowing_sha1(oid: &ObjectIdentifier) -> Result<Self, AlgorithmError> {
        match *oid {
            ID_SHA1 => Ok(Self::Sha1),
            ID_SHA256 => Ok(Self::Sha256),
            ID_SHA384 => Ok(Self::Sha384),
            ID_SHA512 => Ok(Self::Sha512),
            _ => Err(AlgorithmError::Unsupported {
                oid: *oid,
                name: unsupported_name(oid),
            }),
        }
    }

    /// The algorithm an `AlgorithmIdentifier` names, refusing SHA-1.
    ///
    /// The parameters may be absent or NULL: "Implementations MUST accept SHA2
    /// AlgorithmIdentifiers with absent parameters. Implementations MUST accept SHA2
    /// AlgorithmIdentifiers with NULL parameters" (RFC 5754 §2); anything else is refused.
    ///
    /// # Errors
    /// As [`from_oid`](Self::from_oid), and [`AlgorithmError::InvalidParameters`] for
    /// parameters other than absent or NULL.
    pub fn from_identifier(identifier: &AlgorithmIdentifierOwned) -> Result<Self, AlgorithmError> {
        Self::from_identifier_allowing_sha1(identifier)?.refuse_weak()
    }

    /// The algorithm an `AlgorithmIdentifier` names, SHA-1 included (its parameters, too, may
    /// be absent or NULL: RFC 3370 §2.1).
    ///
    /// # Errors
    /// As [`from_oid_allowing_sha1`](Self::from_oid_allowing_sha1), and
    /// [`AlgorithmError::InvalidParameters`] for parameters other than absent or NULL.
    pub fn from_identifier_allowing_sha1(
        identifier: &AlgorithmIdentifierOwned,
    ) -> Result<Self, AlgorithmError> {
        let parameters = identifier.parameters.as_ref().map(der::asn1::Any::to_ref);
        Self::from_parts(&identifier.oid, parameters)
    }

    /// As [`from_identifier_allowing_sha1`](Self::from_identifier_allowing_sha1), on the
    /// parts of a borrowed identifier.
    pub(crate) fn from_parts(
        oid: &ObjectIdentifier,
        parameters: Option<AnyRef<'_>>,
    ) -> Result<Self, AlgorithmError> {
        let algorithm = Self::from_oid_allowing_sha1(oid)?;
        match parameters {
            None => Ok(algorithm),
            Some(any) if any.is_null() => Ok(algorithm),
            Some(_) => Err(AlgorithmError::InvalidParameters {
                oid: *oid,
                name: algorithm.name(),
                reason: "parameters must be absent or NULL (RFC 5754 §2)".to_owned(),
            }),
        }
    }

    /// `Err(WeakDigest)` for SHA-1, `Ok(self)` otherwise.
    pub(crate) fn refuse_weak(self) -> Result<Self, AlgorithmError> {
        if self.is_weak() {
            Err(AlgorithmError::WeakDigest {
                oid: self.oid(),
                name: self.name(),
            })
        } else {
            Ok(self)
        }
    }

    /// The algorithm's OID (`id-sha1`, `id-sha256`, …).
    #[must_use]
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => ID_SHA1,
            Self::Sha256 => ID_SHA256,
            Self::Sha384 => ID_SHA384,
            Self::Sha512 => ID_SHA512,
        }
    }

    /// The algorithm's name: `"SHA-1"`, `"SHA-256"`, `"SHA-384"` or `"SHA-512"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// The digest length in bytes.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Whether the algorithm is too weak for signatures (SHA-1: collisions are practical,
    /// see the SHAttered and "SHA-1 is a Shambles" attacks).
    #[must_use]
    pub const fn is_weak(self) -> bool {
        matches!(self, Self::Sha1)
    }

    /// The digest of `data`.
    #[must_use]
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut hasher = self.hasher();
        hasher.update(data);
        hasher.finalize()
    }

    /// A hasher to feed data piece by piece.
    #[must_use]
    pub fn hasher(self) -> Hasher {
        let state = match self {
            Self::Sha1 => HasherState::Sha1(sha1::Sha1::new()),
            Self::Sha256 => HasherState::Sha256(sha2::Sha256::new()),
            Self::Sha384 => HasherState::Sha384(sha2::Sha384::new()),
            Self::Sha512 => HasherState::Sha512(sha2::Sha512::new()),
        };
        Hasher { state }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A digest computation in progress, from [`DigestAlgorithm::hasher`].
///
/// Also an [`std::io::Write`], so a reader can be hashed with [`std::io::copy`].
#[derive(Clone)]
pub struct Hasher {
    state: HasherState,
}

#[derive(Clone)]
enum HasherState {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// The algorithm being computed.
    #[must_use]
    pub fn algorithm(&self) -> DigestAlgorithm {
        match self.state {
            HasherState::Sha1(_) => DigestAlgorithm::Sha1,
            HasherState::Sha256(_) => DigestAlgorithm::Sha256,
            HasherState::Sha384(_) => DigestAlgorithm::Sha384,
            HasherState::Sha512(_) => DigestAlgorithm::Sha512,
        }
    }

    /// Feeds `data` to the digest.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            HasherState::Sha1(h) => h.update(data),
            HasherState::Sha256(h) => h.update(data),
            HasherState::Sha384(h) => h.update(data),
            HasherState::Sha512(h) => h.update(data),
        }
    }

    /// The digest of everything fed so far.
    #[must_use]
    pub fn finalize(self) -> Vec<u8> {
        match self.state {
            HasherState::Sha1(h) => h.finalize().to_vec(),
            HasherState::Sha256(h) => h.finalize().to_vec(),
            HasherState::Sha384(h) => h.finalize().to_vec(),
            HasherState::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::Any;

    fn identifier(oid: ObjectIdentifier, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid, parameters }
    }

    #[test]
    fn known_answers() {
        // FIPS 180-4 examples for "abc".
        let abc = b"abc";
        assert_eq!(
            hex::encode(DigestAlgorithm::Sha1.digest(abc)),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex::encode(DigestAlgorithm::Sha256.digest(abc)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(
            hex::encode(DigestAlgorithm::Sha384.digest(abc)).starts_with("cb00753f45a35e8bb5a03d")
        );
        assert!(
            hex::encode(DigestAlgorithm::Sha512.digest(abc))
                .starts_with("ddaf35a193617abacc417349")
        );
    }

    #[test]
    fn streaming_matches_one_shot() {
        for algorithm in [
            DigestAlgorithm::Sha1,
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
            let mut hasher = algorithm.hasher();
            for chunk in data.chunks(777) {
                hasher.update(chunk);
            }
            assert_eq!(hasher.algorithm(), algorithm);
            let streamed = hasher.finalize();
            assert_eq!(streamed, algorithm.digest(&data));
            assert_eq!(streamed.len(), algorithm.output_len());
        }
    }

    #[test]
    fn hasher_is_io_write() {
        let mut hasher = DigestAlgorithm::Sha256.hasher();
        let copied = std::io::copy(&mut &b"abc"[..], &mut hasher).ok();
        assert_eq!(copied, Some(3));
        assert_eq!(hasher.finalize(), DigestAlgorithm::Sha256.digest(b"abc"));
    }

    #[test]
    fn parameters_absent_or_null() {
        for parameters in [None, Some(Any::null())] {
            let id = identifier(ID_SHA384, parameters);
            assert_eq!(
                DigestAlgorithm::from_identifier(&id),
                Ok(DigestAlgorithm::Sha384)
            );
        }
        let bad = identifier(
            ID_SHA256,
            Some(Any::new(der::Tag::OctetString, []).unwrap()),
        );
        assert!(matches!(
            DigestAlgorithm::from_identifier(&bad),
            Err(AlgorithmError::InvalidParameters { .. })
        ));
    }

    #[test]
    fn sha1_only_when_allowed() {
        let id = identifier(ID_SHA1, Some(Any::null()));
        assert!(matches!(
            DigestAlgorithm::from_identifier(&id),
            Err(AlgorithmError::WeakDigest { .. })
        ));
        assert_eq!(
            DigestAlgorithm::from_identifier_allowing_sha1(&id),
            Ok(DigestAlgorithm::Sha1)
        );
    }

    #[test]
    fn gost_hash_is_unsupported() {
        let streebog = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.2");
        let err = DigestAlgorithm::from_oid(&streebog);
        assert!(matches!(err, Err(AlgorithmError::Unsupported { oid, .. }) if oid == streebog));
    }
}
