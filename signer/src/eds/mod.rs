//! EDS login: an official proves possession of the authentication key on their token (slot
//! 9A of a PIV card, the NCA's authentication certificate) and gets a session bound to the
//! IIN that certificate names.
//!
//! The flow: [`Authenticator::challenge`] issues a challenge whose `to_sign` bytes the client
//! signs (SHA-256, then ECDSA P-256 or RSA PKCS#1 v1.5) with the authentication key;
//! [`Authenticator::login`] takes the challenge out of the store, verifies the signature with
//! the certificate's key, validates the certificate's path for client authentication with
//! revocation (the service's `[verify]` policy), insists that it is an authentication and not
//! a signing certificate, and opens a [`Session`] for its IIN.
//!
//! Security property: a session is opened only for a certificate that validated TOTAL-PASSED
//! at the time of login, whose key signed a challenge issued by this service within
//! [`CHALLENGE_TTL`] and never answered before.

mod challenge;
mod session;

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use verifier::crypto::{DigestAlgorithm, KeyKind, PublicKey, SignatureAlgorithm, SignatureScheme};
use verifier::kz::{self, KzProfile};
use verifier::path::{ParsedCertificate, Purpose};
use verifier::report::Indication;
use verifier::validation::{CertificateValidation, ValidationPolicy, validate_certificate};

pub use self::challenge::{
    CHALLENGE_TTL, Challenge, ChallengeError, ChallengeStore, MAX_OUTSTANDING,
};
pub use self::session::{MAX_SESSIONS, SESSION_PREFIX, Session, SessionError, SessionStore};

/// Default lifetime of a session.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// What a client sends to log in.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// The challenge's id.
    pub challenge: String,
    /// The authentication certificate, DER.
    pub certificate: Vec<u8>,
    /// Further certificates offered for the path (never trusted for being here), DER.
    pub chain: Vec<Vec<u8>>,
    /// The signature over the challenge's `to_sign` bytes: DER ECDSA or PKCS#1 v1.5.
    pub signature: Vec<u8>,
}

/// Why a login was refused. The messages say what was wrong and never carry secrets.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The challenge is unknown, used or expired.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
    /// The certificate cannot be read.
    #[error("the certificate cannot be read: {0}")]
    Certificate(String),
    /// The certificate's key is not one a login can be signed with.
    #[error("the certificate's key cannot sign a login: {0}")]
    Key(String),
    /// The signature does not verify with the certificate's key.
    #[error("the signature over the challenge does not verify with the certificate's key")]
    Signature,
    /// The certificate is a signing (ЭЦП) certificate, or fits no purpose.
    #[error("not an authentication certificate: {0}")]
    Purpose(String),
    /// The certificate did not validate (path, revocation, purpose).
    #[error("the certificate did not validate ({indication}): {reason}")]
    Untrusted {
        /// The indication.
        indication: Indication,
        /// The deciding problem.
        reason: String,
    },
    /// The certificate names no IIN, so there is no one to open a session for.
    #[error("the certificate names no IIN")]
    NoIin,
    /// No session could be opened.
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// A login that succeeded.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The bearer token of the new session; shown once.
    pub token: String,
    /// The session.
    pub session: Session,
    /// The certificate's validation.
    pub validation: CertificateValidation,
}

/// Challenges, verification and sessions of one service.
#[derive(Debug)]
pub struct Authenticator {
    challenges: ChallengeStore,
    sessions: Arc<SessionStore>,
    policy: Arc<ValidationPolicy>,
    lifetime: Duration,
}

impl Authenticator {
    /// An authenticator for the service called `audience`, validating certificates under
    /// `policy`, opening sessions of `lifetime` in `sessions`.
    #[must_use]
    pub fn new(
        audience: impl Into<String>,
        policy: Arc<ValidationPolicy>,
        sessions: Arc<SessionStore>,
        lifetime: Duration,
    ) -> Self {
        Self {
            challenges: ChallengeStore::new(audience),
            sessions,
            policy,
            lifetime,
        }
    }

    /// The sessions logins open.
    #[must_use]
    pub fn sessions(&self) -> &Arc<SessionStore> {
        &self.sessions
    }

    /// Issues a challenge.
    ///
    /// # Errors
    /// [`ChallengeError`].
    pub fn challenge(&self) -> Result<Challenge, ChallengeError> {
        self.challenges.issue()
    }

    /// Checks a login and opens a session. Path validation may fetch revocation data when
    /// the policy allows network access: call it off async workers.
    ///
    /// # Errors
    /// [`LoginError`] saying which check refused it.
    pub fn login(&self, request: &LoginRequest) -> Result<LoginOutcome, LoginError> {
        // Taken first: a refused attempt uses the challenge up too.
        let to_sign = self.challenges.take(&request.challenge)?;
        let leaf = ParsedCertificate::from_der(&request.certificate)
            .map_err(|e| LoginError::Certificate(e.to_string()))?;
        verify_login_signature(&leaf, &to_sign, &request.signature)?;
        let profile = KzProfile::from_certificate(leaf.certificate());
        kz::check_purpose(&profile, kz::Purpose::Authentication)
            .map_err(|e| LoginError::Purpose(e.to_string()))?;
        let extra = request
            .chain
            .iter()
            .map(|der| ParsedCertificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LoginError::Certificate(format!("chain: {e}")))?;
        let validation = validate_certificate(&leaf, &extra, Purpose::ClientAuth, &self.policy);
        if validation.indication != Indication::TotalPassed {
            return Err(LoginError::Untrusted {
                indication: validation.indication,
                reason: validation.reason.clone().unwrap_or_default(),
            });
        }
        let iin = profile.iin().ok_or(LoginError::NoIin)?.as_str().to_owned();
        let session = Session::new(
            iin,
            leaf.subject_text().to_owned(),
            hex::encode(Sha256::digest(&request.certificate)),
            self.lifetime,
        );
        let token = self.sessions.open(session.clone())?;
        tracing::info!(iin = %session.iin, subject = %session.subject, "EDS login");
        Ok(LoginOutcome {
            token,
            session,
            validation,
        })
    }
}

/// Verifies the login signature with the certificate's key: ECDSA with SHA-256 (DER) for an
/// EC key, RSASSA-PKCS1-v1_5 with SHA-256 for an RSA key.
fn verify_login_signature(
    leaf: &ParsedCertificate,
    message: &[u8],
    signature: &[u8],
) -> Result<(), LoginError> {
    let spki = &leaf
        .certificate()
        .tbs_certificate()
        .subject_public_key_info();
    let key = PublicKey::from_spki(spki).map_err(|e| LoginError::Key(e.to_string()))?;
    let scheme = match key.kind() {
        KeyKind::Ec(_) => SignatureScheme::Ecdsa,
        KeyKind::Rsa { .. } => SignatureScheme::RsaPkcs1v15,
        other => return Err(LoginError::Key(format!("{other:?}"))),
    };
    let algorithm = SignatureAlgorithm::new(scheme, DigestAlgorithm::Sha256)
        .map_err(|e| LoginError::Key(e.to_string()))?;
    key.verify(&algorithm, message, signature)
        .map_err(|_| LoginError::Signature)
}
