//! Login challenges: random nonces a client signs with its token's authentication key.
//!
//! Security properties: a challenge is 256 random bits, lives for [`CHALLENGE_TTL`], and is
//! taken out of the store by the first login attempt that names it, whether that attempt
//! succeeds or not, so a signature can never be replayed. The store is bounded, so a flood
//! of challenge requests cannot exhaust memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;

/// How long a challenge may be answered.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(120);
/// Most challenges outstanding at once.
pub const MAX_OUTSTANDING: usize = 10_000;

/// A challenge as handed to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Names the challenge in the login request.
    pub id: String,
    /// The exact bytes the client signs (SHA-256, then the key's algorithm).
    pub to_sign: Vec<u8>,
    /// When it stops being accepted.
    pub expires_in: Duration,
}

/// Why no challenge could be issued or taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// Too many challenges are outstanding.
    #[error("too many login challenges are outstanding; try again in a minute")]
    Busy,
    /// The operating system's random source failed.
    #[error("cannot draw random bytes for a challenge")]
    Random,
    /// No such challenge (never issued, already used, or forgotten after a restart).
    #[error("unknown or already used challenge; ask for a new one")]
    Unknown,
    /// The challenge was answered too late.
    #[error("the challenge expired; ask for a new one")]
    Expired,
}

#[derive(Debug)]
struct Issued {
    to_sign: Vec<u8>,
    expires: Instant,
}

/// The outstanding challenges of one service.
#[derive(Debug)]
pub struct ChallengeStore {
    /// Bound into every challenge, so a signature made for another service is not accepted
    /// here.
    audience: String,
    issued: Mutex<HashMap<String, Issued>>,
}

impl ChallengeStore {
    /// A store whose challenges name `audience` (the station's identity).
    #[must_use]
    pub fn new(audience: impl Into<String>) -> Self {
        Self {
            audience: audience.into(),
            issued: Mutex::new(HashMap::new()),
        }
    }

    /// Issues a new challenge.
    ///
    /// # Errors
    /// [`ChallengeError::Busy`] when [`MAX_OUTSTANDING`] are live, [`ChallengeError::Random`]
    /// when no randomness is available.
    pub fn issue(&self) -> Result<Challenge, ChallengeError> {
        let mut id = [0u8; 16];
        let mut nonce = [0u8; 32];
        getrandom::fill(&mut id).map_err(|_| ChallengeError::Random)?;
        getrandom::fill(&mut nonce).map_err(|_| ChallengeError::Random)?;
        let id = B64URL.encode(id);
        let to_sign = login_message(&self.audience, &id, &nonce);
        let now = Instant::now();
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if issued.len() >= MAX_OUTSTANDING {
            issued.retain(|_, c| c.expires > now);
            if issued.len() >= MAX_OUTSTANDING {
                return Err(ChallengeError::Busy);
            }
        }
        issued.insert(
            id.clone(),
            Issued {
                to_sign: to_sign.clone(),
                expires: now + CHALLENGE_TTL,
            },
        );
        Ok(Challenge {
            id,
            to_sign,
            expires_in: CHALLENGE_TTL,
        })
    }

    /// Takes the challenge `id` out of the store and returns the bytes that were to be
    /// signed.
    ///
    /// # Errors
    /// [`ChallengeError::Unknown`] or [`ChallengeError::Expired`].
    pub fn take(&self, id: &str) -> Result<Vec<u8>, ChallengeError> {
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let challenge = issued.remove(id).ok_or(ChallengeError::Unknown)?;
        if challenge.expires <= Instant::now() {
            return Err(ChallengeError::Expired);
        }
        Ok(challenge.to_sign)
    }
}

/// The text a client signs to log in: a fixed label (so the signature cannot be mistaken for
/// a document signature or another protocol's), the service it logs in to, the challenge's
/// id and its nonce.
fn login_message(audience: &str, id: &str, nonce: &[u8; 32]) -> Vec<u8> {
    format!(
        "dalel-eds-login/1\naudience: {audience}\nchallenge: {id}\nnonce: {}\n",
        B64URL.encode(nonce)
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_challenge_is_taken_once() {
        let store = ChallengeStore::new("station-1");
        let c = store.issue().unwrap();
        assert!(
            String::from_utf8(c.to_sign.clone())
                .unwrap()
                .contains("audience: station-1")
        );
        assert_eq!(store.take(&c.id).unwrap(), c.to_sign);
        assert_eq!(store.take(&c.id), Err(ChallengeError::Unknown));
        assert_eq!(store.take("nonsense"), Err(ChallengeError::Unknown));
        let other = store.issue().unwrap();
        assert_ne!(other.id, c.id);
        assert_ne!(other.to_sign, c.to_sign);
    }

    #[test]
    fn the_store_is_bounded() {
        let store = ChallengeStore::new("s");
        for _ in 0..MAX_OUTSTANDING {
            store.issue().unwrap();
        }
        assert_eq!(store.issue(), Err(ChallengeError::Busy));
    }
}
