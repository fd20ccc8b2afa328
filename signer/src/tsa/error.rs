//! Why a time-stamp was not issued or not obtained, and which RFC 3161 failure code says so.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use const_oid::ObjectIdentifier;
use verifier::tsp::{PkiFailureInfo, PkiStatus};

use crate::cades::signer_info::SignerInfoError;
use crate::keys::KeyError;

/// Why no time-stamp token was issued or obtained.
///
/// No variant carries key material. [`TsaError::failure_info`] maps each to the
/// `PKIFailureInfo` bit a `TimeStampResp` carries (RFC 3161 §2.4.2), and
/// [`TsaError::client_text`] to the sentence a requester is told.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TsaError {
    /// The request is not one this authority grants.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The key's certificate is not fit for a time-stamp authority (RFC 3161 §2.3).
    #[error("the certificate of TSA key {key} ({subject}) is unfit: {problem}")]
    Certificate {
        /// The key's name.
        key: String,
        /// The certificate's subject (RFC 4514), or "(none)".
        subject: String,
        /// What is wrong with it.
        problem: CertificateProblem,
    },
    /// The settings cannot be honoured.
    #[error("invalid TSA settings: {0}")]
    Settings(&'static str),
    /// Another authority (this process or another) holds the state directory.
    #[error("the TSA state directory {} is in use by another authority", .path.display())]
    InUse {
        /// The lock file.
        path: PathBuf,
    },
    /// The state directory could not be read or written.
    #[error("TSA state {op} {}: {source}", .path.display())]
    State {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The state file holds something this authority did not write.
    #[error("the TSA state file {} is damaged: {reason}", .path.display())]
    StateDamaged {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The serial number space of this state directory is used up.
    #[error("the TSA serial numbers are exhausted")]
    SerialsExhausted,
    /// The clock reads earlier than a time already issued: issuing now would put a token
    /// before one issued earlier, so the authority refuses until the clock catches up.
    #[error(
        "the clock is behind the last issued time by {behind:?}: refusing to issue a time in \
         the past (the clock reads {now_ms} ms after the Unix epoch, the last time issued or \
         reserved is {last_ms} ms)"
    )]
    ClockBehind {
        /// The clock's reading, in milliseconds since the Unix epoch.
        now_ms: u64,
        /// The latest time issued (or reserved before a restart), likewise.
        last_ms: u64,
        /// How far behind the clock is.
        behind: Duration,
    },
    /// The clock reads a time a `GeneralizedTime` cannot hold (before 1970, after 9999).
    #[error("the clock reads a time outside 1970–9999")]
    ClockOutOfRange,
    /// The key did not sign, or the signer info could not be made.
    #[error("signing the token: {0}")]
    Sign(#[from] SignerInfoError),
    /// A structure could not be DER-encoded.
    #[error("encoding {what}: {source}")]
    Encode {
        /// The structure.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: der::Error,
    },
    /// No randomness for a nonce or an instance number.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
    /// An upstream authority gave no usable token.
    #[error("{url}: {error}")]
    Upstream {
        /// The authority's URL.
        url: String,
        /// What went wrong.
        error: UpstreamError,
    },
    /// The client has no source configured.
    #[error("no time-stamp source is configured")]
    NoSources,
    /// Every source of a client failed; each failure in the order tried.
    #[error("no time-stamp source gave a token: {}", SourceList(.0))]
    AllSourcesFailed(Vec<SourceFailure>),
}

impl TsaError {
    pub(crate) fn encode(what: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| Self::Encode { what, source }
    }

    /// The `PKIFailureInfo` of a rejection for this error (RFC 3161 §2.4.2): the request's
    /// fault by its own code, `timeNotAvailable` with `systemFailure` for clock refusals,
    /// `systemFailure` for everything else.
    #[must_use]
    pub fn failure_info(&self) -> PkiFailureInfo {
        match self {
            Self::Request(e) => e.failure_info(),
            Self::ClockBehind { .. } | Self::ClockOutOfRange => {
                PkiFailureInfo::TIME_NOT_AVAILABLE | PkiFailureInfo::SYSTEM_FAILURE
            }
            _ => PkiFailureInfo::SYSTEM_FAILURE,
        }
    }

    /// The sentence a requester is told in the rejection's `statusString`: the whole account
    /// for the request's faults and the clock, a summary for internal failures (whose detail
    /// — paths, key names — goes to the log only).
    #[must_use]
    pub fn client_text(&self) -> String {
        match self {
            Self::Request(_)
            | Self::ClockBehind { .. }
            | Self::ClockOutOfRange
            | Self::SerialsExhausted => self.to_string(),
            Self::Certificate { .. } => "the authority's certificate is not valid now".to_owned(),
            Self::State { .. } | Self::StateDamaged { .. } | Self::InUse { .. } => {
                "the authority cannot record its serial numbers durably".to_owned()
            }
            Self::Sign(_) => "the authority's key did not sign".to_owned(),
            _ => "the authority failed internally".to_owned(),
        }
    }

    /// Whether the requester is at fault (as opposed to the authority).
    #[must_use]
    pub const fn is_request_error(&self) -> bool {
        matches!(self, Self::Request(_))
    }
}

impl From<KeyError> for TsaError {
    fn from(error: KeyError) -> Self {
        Self::Sign(SignerInfoError::Key(error))
    }
}

/// Why a request is refused (RFC 3161 §2.4.1), each with its `PKIFailureInfo` bit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The bytes are not a DER `TimeStampReq` v1: `badDataFormat`.
    #[error("the request is not a DER TimeStampReq: {0}")]
    Malformed(der::Error),
    /// The imprint's hash algorithm is not SHA-256, SHA-384 or SHA-512: `badAlg`.
    #[error("the imprint algorithm {0} is not accepted (SHA-256, SHA-384 and SHA-512 are)")]
    Algorithm(ObjectIdentifier),
    /// The imprint's algorithm identifier has parameters other than absent or NULL: `badAlg`.
    #[error("the imprint algorithm {0} has parameters; SHA-2 takes none (RFC 5754 §2)")]
    AlgorithmParameters(ObjectIdentifier),
    /// The imprint is not as long as its algorithm's output: `badDataFormat`.
    #[error("the imprint is {actual} bytes long; {algorithm} gives {expected}")]
    ImprintLength {
        /// The algorithm's name.
        algorithm: &'static str,
        /// Its output length.
        expected: usize,
        /// The imprint's length.
        actual: usize,
    },
    /// The requested policy is not this authority's: `unacceptedPolicy`.
    #[error("policy {requested} is not accepted; this authority issues under {ours}")]
    Policy {
        /// The `reqPolicy` asked for.
        requested: ObjectIdentifier,
        /// This authority's policy.
        ours: ObjectIdentifier,
    },
    /// The request has extensions, none of which this authority supports:
    /// `unacceptedExtension`.
    #[error("request extensions are not supported: {}", OidList(.0))]
    Extensions(Vec<ObjectIdentifier>),
}

impl RequestError {
    /// The `PKIFailureInfo` bit for this refusal (RFC 3161 §2.4.2).
    #[must_use]
    pub fn failure_info(&self) -> PkiFailureInfo {
        match self {
            Self::Malformed(_) | Self::ImprintLength { .. } => PkiFailureInfo::BAD_DATA_FORMAT,
            Self::Algorithm(_) | Self::AlgorithmParameters(_) => PkiFailureInfo::BAD_ALG,
            Self::Policy { .. } => PkiFailureInfo::UNACCEPTED_POLICY,
            Self::Extensions(_) => PkiFailureInfo::UNACCEPTED_EXTENSION,
        }
    }
}

/// What makes a certificate unfit for a time-stamp authority.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// The key has no certificate.
    #[error("the key has no certificate")]
    Missing,
    /// No extended key usage extension.
    #[error("no extended key usage extension (RFC 3161 §2.3 requires id-kp-timeStamping)")]
    NoExtendedKeyUsage,
    /// The extended key usage extension is not marked critical.
    #[error("the extended key usage extension is not critical (RFC 3161 §2.3 requires it)")]
    ExtendedKeyUsageNotCritical,
    /// The extended key usage lists other purposes than time-stamping, or not it.
    #[error(
        "the extended key usage is [{}], not id-kp-timeStamping alone (RFC 3161 §2.3)",
        OidList(.0)
    )]
    ExtendedKeyUsageNotTimeStamping(Vec<ObjectIdentifier>),
    /// No key usage extension.
    #[error("no key usage extension (digitalSignature is required)")]
    NoKeyUsage,
    /// The key usage does not allow digitalSignature.
    #[error("the key usage does not include digitalSignature")]
    NoDigitalSignature,
    /// An extension appears twice (RFC 5280 §4.2).
    #[error("extension {0} appears more than once")]
    DuplicateExtension(ObjectIdentifier),
    /// An extension could not be decoded.
    #[error("extension {oid} is malformed: {reason}")]
    Malformed {
        /// The extension.
        oid: ObjectIdentifier,
        /// The decoder's account.
        reason: String,
    },
    /// The certificate is not valid at the clock's time.
    #[error("{0}")]
    NotValidNow(String),
}

/// Why an upstream authority's answer was not used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpstreamError {
    /// The HTTP exchange failed (connection refused, reset, malformed HTTP).
    #[error("HTTP exchange failed: {0}")]
    Transport(#[source] Box<ureq::Error>),
    /// The exchange took longer than the configured timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The server answered with an HTTP status other than 200.
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    /// The body is not a `TimeStampResp` (RFC 3161 §2.4.2).
    #[error("the answer is not a TimeStampResp: {0}")]
    Malformed(#[source] verifier::tsp::TspError),
    /// The authority refused.
    #[error("not granted: status {status:?}, failure {}, text {text:?}", FailureBits(*.fail_info))]
    NotGranted {
        /// The status.
        status: PkiStatus,
        /// The failure bits, if given.
        fail_info: Option<PkiFailureInfo>,
        /// The authority's explanation, if given.
        text: Vec<String>,
    },
    /// The token does not verify, or does not answer our request (other imprint, other
    /// nonce, untrusted authority).
    #[error("token refused: {0}")]
    Rejected(String),
}

/// One source's failure in [`TsaError::AllSourcesFailed`].
#[derive(Debug)]
pub struct SourceFailure {
    /// The source: an upstream URL or `local authority`.
    pub source: String,
    /// Why it gave no token.
    pub error: TsaError,
}

impl fmt::Display for SourceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            // The upstream variant already names its URL.
            TsaError::Upstream { .. } => write!(f, "{}", self.error),
            error => write!(f, "{}: {error}", self.source),
        }
    }
}

struct SourceList<'a>(&'a [SourceFailure]);

impl fmt::Display for SourceList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, failure) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{failure}")?;
        }
        Ok(())
    }
}

struct OidList<'a>(&'a [ObjectIdentifier]);

impl fmt::Display for OidList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, oid) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{oid}")?;
        }
        Ok(())
    }
}

/// The RFC 3161 names of the set bits, e.g. `badAlg`.
struct FailureBits(Option<PkiFailureInfo>);

impl fmt::Display for FailureBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(bits) = self.0 else {
            return f.write_str("(none)");
        };
        for (i, n) in bits.bit_numbers().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            match n {
                0 => f.write_str("badAlg")?,
                2 => f.write_str("badRequest")?,
                5 => f.write_str("badDataFormat")?,
                14 => f.write_str("timeNotAvailable")?,
                15 => f.write_str("unacceptedPolicy")?,
                16 => f.write_str("unacceptedExtension")?,
                17 => f.write_str("addInfoNotAvailable")?,
                25 => f.write_str("systemFailure")?,
                other => write!(f, "bit{other}")?,
            }
        }
        Ok(())
    }
}
