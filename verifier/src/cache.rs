//! Signatures already verified, remembered across validations.
//!
//! The certificates of a path and the CRLs and OCSP responses about them come back with
//! every signature a CA's subscribers make; verifying their signatures again each time is
//! most of the cost of validating a document. A [`VerificationCache`] remembers the
//! signatures that verified, keyed by SHA-256 over everything the outcome depends on: the
//! key (its `SubjectPublicKeyInfo` algorithm, parameters and key bits), the signature
//! algorithm (scheme, digest, PSS salt length), the signed bytes and the signature value.
//! Verification is a pure function of those inputs, so a hit gives exactly the answer the
//! check would; nothing else — validity periods, names, extensions, revocation, freshness —
//! is ever taken from the cache, only the cryptographic check itself. Failures are not
//! remembered (they are checked again, and are rare).
//!
//! The cache is bounded: it keeps at most [`capacity`](VerificationCache::capacity)
//! entries, forgetting the least recently used ones (approximately: two generations, the
//! older dropped whole when the newer fills). Clones share one cache, so a
//! [`ValidationPolicy`](crate::validation::ValidationPolicy) cloned per request keeps it.
//!
//! Only path validation (certificate signatures) and revocation checking (CRL and OCSP
//! signatures, delegated responder certificates) use it; the signature of the signed
//! document itself is always verified.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use der::Encode as _;
use sha2::{Digest as _, Sha256};
use spki::SubjectPublicKeyInfoOwned;

use crate::crypto::{DigestAlgorithm, SignatureAlgorithm, SignatureScheme};

/// A fingerprint of one successful verification (SHA-256 over its inputs, [`entry`]).
pub(crate) type Entry = [u8; 32];

/// The entry of verifying `signature` over `message` with `algorithm` and the key in `key`:
/// SHA-256 over the key's algorithm OID, parameters and key bits, the algorithm's scheme,
/// digest and salt length, the message and the signature, each part with its length (or of
/// fixed width), so that no two different verifications share an entry. `None` (nothing to
/// look up or remember) if the key's parameters do not encode again.
///
/// The key is taken as written, before it is read: a hit stands for reading it too, which
/// succeeded the first time and, a pure function of the same bytes, would again.
pub(crate) fn entry(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Option<Entry> {
    let parameters = match &key.algorithm.parameters {
        None => None,
        Some(any) => Some(any.to_der().ok()?),
    };
    let (scheme, salt_len) = match algorithm.scheme() {
        SignatureScheme::Ecdsa => (1u8, 0u32),
        SignatureScheme::EcdsaP1363 => (2, 0),
        SignatureScheme::RsaPkcs1v15 => (3, 0),
        SignatureScheme::RsaPss { salt_len } => (4, salt_len),
    };
    let digest: u8 = match algorithm.digest() {
        DigestAlgorithm::Sha1 => 1,
        DigestAlgorithm::Sha256 => 2,
        DigestAlgorithm::Sha384 => 3,
        DigestAlgorithm::Sha512 => 4,
    };
    let mut hasher = Sha256::new();
    hasher.update(b"dalel-verifier verified signature v1\0");
    let mut part = |bytes: Option<&[u8]>| match bytes {
        None => hasher.update([0]),
        Some(bytes) => {
            hasher.update([1]);
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
    };
    part(Some(key.algorithm.oid.as_bytes()));
    part(parameters.as_deref());
    part(Some(key.subject_public_key.raw_bytes()));
    part(Some(&[
        scheme,
        digest,
        key.subject_public_key.unused_bits(),
    ]));
    part(Some(&salt_len.to_be_bytes()));
    part(Some(message));
    part(Some(signature));
    Some(hasher.finalize().into())
}

/// A bounded, shared memory of signatures that verified. See the [module docs](self).
#[derive(Clone)]
pub struct VerificationCache {
    inner: Arc<Mutex<Bounded<Entry, ()>>>,
}

impl VerificationCache {
    /// The capacity of [`new`](Self::new) and [`Default`]: 4096 verifications (about 300 KiB
    /// at most), enough for the paths and revocation data of many CAs.
    pub const DEFAULT_CAPACITY: usize = 4096;

    /// An empty cache of [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) entries.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// An empty cache that keeps at most `capacity` verifications; with 0 (or 1) nothing is
    /// ever kept, which turns caching off.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Bounded::new(capacity))),
        }
    }

    /// The most verifications kept.
    #[must_use]
    pub fn capacity(&self) -> usize {
        lock(&self.inner).capacity
    }

    /// How many verifications are kept now.
    #[must_use]
    pub fn len(&self) -> usize {
        lock(&self.inner).len()
    }

    /// Whether nothing is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every verification.
    pub fn clear(&self) {
        lock(&self.inner).clear();
    }

    /// Whether the verification `entry` stands for succeeded before.
    pub(crate) fn contains(&self, entry: &Entry) -> bool {
        lock(&self.inner).get(entry).is_some()
    }

    /// Remembers that the verification `entry` stands for succeeded.
    pub(crate) fn insert(&self, entry: Entry) {
        lock(&self.inner).insert(entry, ());
    }
}

/// Locks `mutex`, whatever a panic elsewhere did: every operation of [`Bounded`] leaves it
/// consistent, so a panic while the lock was held cannot have left a half-made entry.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A map of at most `capacity` entries that forgets the least recently used ones,
/// approximately: two generations; entries go into `current`; when it holds half the
/// capacity it becomes `previous` (whose entries are forgotten) and a new `current` starts.
/// A hit in `previous` moves the entry to `current`, so entries in use survive.
pub(crate) struct Bounded<K, V> {
    current: HashMap<K, V>,
    previous: HashMap<K, V>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> Bounded<K, V> {
    /// An empty map; with a capacity of 0 or 1 it keeps nothing.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            current: HashMap::new(),
            previous: HashMap::new(),
            capacity,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    fn clear(&mut self) {
        self.current.clear();
        self.previous.clear();
    }

    /// The value for `key`, if kept (and now counted as recently used).
    pub(crate) fn get<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if let Some(value) = self.current.get(key) {
            return Some(value.clone());
        }
        let (key, value) = self.previous.remove_entry(key)?;
        self.insert(key, value.clone());
        Some(value)
    }

    /// Keeps `value` for `key`.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        let half = self.capacity / 2;
        if half == 0 {
            return;
        }
        self.current.insert(key, value);
        if self.current.len() >= half {
            self.previous = std::mem::take(&mut self.current);
        }
    }
}

impl Default for VerificationCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for VerificationCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bounded = lock(&self.inner);
        f.debug_struct("VerificationCache")
            .field("entries", &bounded.len())
            .field("capacity", &bounded.capacity)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u32) -> Entry {
        let mut e = [0; 32];
        e[..4].copy_from_slice(&n.to_be_bytes());
        e
    }

    #[test]
    fn remembers_and_shares_across_clones() {
        let cache = VerificationCache::new();
        let clone = cache.clone();
        assert!(!cache.contains(&entry(1)));
        clone.insert(entry(1));
        assert!(cache.contains(&entry(1)));
        assert_eq!(cache.len(), 1);
        cache.clear();
        assert!(clone.is_empty());
    }

    #[test]
    fn bounded_and_keeps_what_is_used() {
        let cache = VerificationCache::with_capacity(8);
        cache.insert(entry(0));
        for n in 1..100 {
            cache.insert(entry(n));
            // Entry 0 is used all the time: it moves to the newer generation each time.
            assert!(cache.contains(&entry(0)), "lost at {n}");
            assert!(cache.len() <= 8);
        }
        assert!(
            !cache.contains(&entry(1)),
            "an old unused entry is forgotten"
        );
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        for capacity in [0, 1] {
            let cache = VerificationCache::with_capacity(capacity);
            cache.insert(entry(1));
            assert!(!cache.contains(&entry(1)));
            assert!(cache.is_empty());
        }
    }
}
