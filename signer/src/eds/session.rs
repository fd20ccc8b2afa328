//! Sessions opened by an EDS login: bearer tokens bound to the holder's IIN and certificate.
//!
//! Security properties: a session token is 256 random bits shown once, when the session is
//! opened; only its SHA-256 is kept, in memory (a restart ends every session); it expires
//! after the configured lifetime and can be ended early.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// Every session token starts with this, so it is told from an API token at a glance.
pub const SESSION_PREFIX: &str = "dalel_eds_";
/// Most sessions open at once.
pub const MAX_SESSIONS: usize = 100_000;

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// The holder's IIN, from the authentication certificate.
    pub iin: String,
    /// The certificate's subject, as text.
    pub subject: String,
    /// SHA-256 of the certificate, hex.
    pub certificate_sha256: String,
    /// When the session was opened, RFC 3339.
    pub opened: String,
    /// Seconds it had to live when opened.
    pub lifetime_seconds: u64,
    #[serde(skip)]
    expires: Option<Instant>,
}

impl Session {
    /// A session for `iin` that lives `lifetime` from now.
    #[must_use]
    pub fn new(
        iin: String,
        subject: String,
        certificate_sha256: String,
        lifetime: Duration,
    ) -> Self {
        Self {
            iin,
            subject,
            certificate_sha256,
            opened: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            lifetime_seconds: lifetime.as_secs(),
            expires: Instant::now().checked_add(lifetime),
        }
    }

    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|e| e > now)
    }
}

/// Why a session could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Too many sessions are open.
    #[error("too many sessions are open")]
    Full,
    /// The operating system's random source failed.
    #[error("cannot draw random bytes for a session token")]
    Random,
}

/// The open sessions of one service.
#[derive(Debug, Default)]
pub struct SessionStore {
    sessions: Mutex<HashMap<[u8; 32], Session>>,
}

impl SessionStore {
    /// Opens `session`; returns its bearer token, which is not kept.
    ///
    /// # Errors
    /// [`SessionError`].
    pub fn open(&self, session: Session) -> Result<String, SessionError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|_| SessionError::Random)?;
        let token = format!("{SESSION_PREFIX}{}", B64URL.encode(secret));
        let now = Instant::now();
        let mut sessions = self.lock();
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, s| s.live(now));
            if sessions.len() >= MAX_SESSIONS {
                return Err(SessionError::Full);
            }
        }
        sessions.insert(Sha256::digest(token.as_bytes()).into(), session);
        Ok(token)
    }

    /// The live session `token` opened, if any.
    #[must_use]
    pub fn find(&self, token: &str) -> Option<Session> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut sessions = self.lock();
        match sessions.get(&key) {
            Some(s) if s.live(Instant::now()) => Some(s.clone()),
            Some(_) => {
                sessions.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Ends the session `token` opened; whether there was one.
    pub fn close(&self, token: &str) -> bool {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.lock().remove(&key).is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sessions_open_find_expire_and_close() {
        let store = SessionStore::default();
        let s = Session::new(
            "900101300123".into(),
            "CN=X".into(),
            "ab".into(),
            Duration::from_secs(60),
        );
        let token = store.open(s.clone()).unwrap();
        assert!(token.starts_with(SESSION_PREFIX));
        assert_eq!(store.find(&token).unwrap().iin, "900101300123");
        assert!(store.find("dalel_eds_other").is_none());
        assert!(store.close(&token));
        assert!(store.find(&token).is_none());
        let expired = Session::new("1".into(), "CN=Y".into(), "cd".into(), Duration::ZERO);
        let token = store.open(expired).unwrap();
        assert!(store.find(&token).is_none());
    }
}
