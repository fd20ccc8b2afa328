//! The service's own RFC 3161 time-stamp authority.
//!
//! Security properties, each enforced here:
//!
//! * **Fit certificate.** [`Authority::open`] refuses a key whose certificate lacks a
//!   critical extended key usage of `id-kp-timeStamping` alone (RFC 3161 §2.3) or the
//!   `digitalSignature` key usage, or is not valid now; no token is issued outside the
//!   certificate's validity period.
//! * **Unique serial numbers**, across restarts and crashes: a serial is handed out only
//!   once a mark above it is durable in the state directory (see `state`), and the state
//!   directory is locked against a second authority. Marks move in blocks of
//!   [`SERIAL_BLOCK`], so there is no fsync per token.
//! * **Monotonic `genTime`.** No token states a time earlier than one issued before, from
//!   this process or (through the durable time mark) an earlier one. When the clock reads
//!   earlier — it was stepped back — the authority refuses with `timeNotAvailable` and
//!   `systemFailure` and says why, rather than issue a time in the past.
//! * **Only strong imprints**: SHA-256, SHA-384 and SHA-512 ([`ImprintAlgorithm`]).
//!
//! Only the allocation of a serial number and a time is serialised; signing runs
//! concurrently on as many threads as call in.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::Encode as _;
use der::asn1::{Int, Uint};
use verifier::tsp::{Accuracy, DefaultFalse, GenTime, SubSecond, TspVersion, TstInfo};
use x509_cert::ext::pkix::name::GeneralName;

use super::certificate::TsaCertificate;
use super::request::{self, Accepted};
use super::state::{Marks, StateDir};
use super::{Clock, ImprintAlgorithm, SystemClock, Timestamper, TsaError, token};
use crate::keys::SignatureKey;

/// How many serial numbers one durable write reserves.
pub const SERIAL_BLOCK: u64 = 4096;

/// How far ahead of the clock one durable write reserves `genTime`. After a crash the
/// authority refuses for at most this long (it cannot know how far it got); after an
/// orderly drop, not at all.
pub const TIME_LEASE: Duration = Duration::from_secs(2);

/// How the authority issues, besides its key.
#[derive(Clone, Debug)]
pub struct AuthoritySettings {
    /// The TSA policy every token is issued under, and the only `reqPolicy` accepted
    /// (RFC 3161 §2.4.1).
    pub policy: ObjectIdentifier,
    /// The accuracy every token states (RFC 3161 §2.4.2): how far `genTime` may be from
    /// UTC, as the operator vouches for the clock. At least a microsecond, at most
    /// `u32::MAX` seconds; finer than a microsecond is rounded up.
    pub accuracy: Duration,
    /// Whether tokens name the TSA (`tsa`, the certificate's subject as a directory name).
    pub include_tsa_name: bool,
}

impl AuthoritySettings {
    /// Settings under `policy` with an accuracy of one second and no `tsa` name.
    #[must_use]
    pub fn new(policy: ObjectIdentifier) -> Self {
        Self {
            policy,
            accuracy: Duration::from_secs(1),
            include_tsa_name: false,
        }
    }
}

/// An RFC 3161 time-stamp authority over one key and one state directory.
#[derive(Debug)]
pub struct Authority {
    key: Arc<dyn SignatureKey>,
    policy: ObjectIdentifier,
    accuracy: Accuracy,
    tsa_name: Option<GeneralName>,
    certificate: TsaCertificate,
    clock: Arc<dyn Clock>,
    state: StateDir,
    issuance: Mutex<Issuance>,
}

/// What the allocation lock guards. Invariants: `next <= reserved` and
/// `last_ms <= time_reserved_ms`, the `reserved` pair being durable.
#[derive(Debug)]
struct Issuance {
    instance: u64,
    /// The next serial counter to hand out.
    next: u64,
    /// The durable serial limit.
    reserved: u64,
    /// The latest `genTime` handed out (or, after a restart, the durable time mark), in
    /// milliseconds since the Unix epoch.
    last_ms: u64,
    /// The durable time limit.
    time_reserved_ms: u64,
}

impl Authority {
    /// Opens an authority that signs with `key` and keeps its serial numbers and time mark
    /// in `state_dir` (created if missing), reading the operating system's clock.
    ///
    /// # Errors
    /// As [`open_with_clock`](Self::open_with_clock).
    pub fn open(
        state_dir: &std::path::Path,
        key: Arc<dyn SignatureKey>,
        settings: AuthoritySettings,
    ) -> Result<Self, TsaError> {
        Self::open_with_clock(state_dir, key, settings, Arc::new(SystemClock))
    }

    /// Opens an authority reading `clock`.
    ///
    /// # Errors
    /// [`TsaError::Certificate`] when the key's certificate is unfit (see the module docs);
    /// [`TsaError::Settings`] for an accuracy out of range; [`TsaError::InUse`] when another
    /// authority holds `state_dir`; [`TsaError::State`] or [`TsaError::StateDamaged`] when
    /// the state cannot be read or written.
    pub fn open_with_clock(
        state_dir: &std::path::Path,
        key: Arc<dyn SignatureKey>,
        settings: AuthoritySettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, TsaError> {
        let certificate = TsaCertificate::check(key.as_ref(), clock.now())?;
        let accuracy = accuracy(settings.accuracy)?;
        let (state, marks) = StateDir::open(state_dir)?;
        let tsa_name = settings
            .include_tsa_name
            .then(|| GeneralName::DirectoryName(certificate.subject.clone()));
        tracing::info!(
            key = key.name(),
            policy = %settings.policy,
            next_serial = marks.serial_limit,
            "time-stamp authority open"
        );
        Ok(Self {
            key,
            policy: settings.policy,
            accuracy,
            tsa_name,
            certificate,
            clock,
            state,
            issuance: Mutex::new(Issuance {
                instance: marks.instance,
                next: marks.serial_limit,
                reserved: marks.serial_limit,
                last_ms: marks.time_limit_ms,
                time_reserved_ms: marks.time_limit_ms,
            }),
        })
    }

    /// The policy tokens are issued under.
    #[must_use]
    pub fn policy(&self) -> ObjectIdentifier {
        self.policy
    }

    /// Answers the DER `TimeStampReq` `request_der` with a DER `TimeStampResp`, always:
    /// `granted` with a token, or `rejection` with the RFC 3161 §2.4.2 failure code —
    /// `badDataFormat` (not a v1 request, or an imprint of the wrong length), `badAlg` (an
    /// imprint algorithm other than SHA-256/384/512), `unacceptedPolicy` (a `reqPolicy`
    /// other than ours), `unacceptedExtension` (any extension), or `systemFailure` (with
    /// `timeNotAvailable` when the clock is behind) with a sentence saying why. Internal
    /// failures are logged.
    ///
    /// The token carries the TSA's certificate chain when the request's `certReq` is true,
    /// and no certificate otherwise (RFC 3161 §2.4.1).
    #[must_use]
    pub fn respond(&self, request_der: &[u8]) -> Vec<u8> {
        let result = request::evaluate(request_der, self.policy)
            .map_err(TsaError::from)
            .and_then(|accepted| self.issue(accepted))
            .and_then(token::granted);
        result.unwrap_or_else(|error| {
            log_refusal(&error);
            token::rejection(&error)
        })
    }

    /// Issues a DER `TimeStampToken` over `digest` (a hash under `algorithm`), echoing
    /// `nonce`, with the TSA's certificate chain embedded so that the token verifies alone.
    ///
    /// # Errors
    /// [`TsaError::Request`] when `digest` is not as long as `algorithm`'s output; the
    /// internal failures of [`respond`](Self::respond).
    pub fn timestamp_digest(
        &self,
        algorithm: ImprintAlgorithm,
        digest: &[u8],
        nonce: Option<&Int>,
    ) -> Result<Vec<u8>, TsaError> {
        let accepted = Accepted {
            imprint: algorithm.imprint(digest)?,
            nonce: nonce.cloned(),
            cert_req: true,
        };
        self.issue(accepted)
            .and_then(|token| token.to_der().map_err(TsaError::encode("TimeStampToken")))
    }

    fn issue(&self, accepted: Accepted) -> Result<ContentInfo, TsaError> {
        let (serial, gen_time) = self.allocate()?;
        let info = TstInfo {
            version: TspVersion::V1,
            policy: self.policy,
            message_imprint: accepted.imprint,
            serial_number: serial,
            gen_time,
            accuracy: Some(self.accuracy),
            ordering: DefaultFalse::from(false),
            nonce: accepted.nonce,
            tsa: self.tsa_name.clone(),
            extensions: None,
        };
        let certificates = accepted.cert_req.then_some(&self.certificate.chain);
        token::sign(self.key.as_ref(), &info, certificates)
    }

    /// Hands out the next serial number and the current time, to the millisecond, raising
    /// the durable marks first when either would pass them.
    fn allocate(&self) -> Result<(Int, GenTime), TsaError> {
        let mut issuance = self
            .issuance
            .lock()
            // Fields change only after the durable write they depend on, so a panic while
            // holding the lock leaves them consistent.
            .unwrap_or_else(PoisonError::into_inner);
        // Read inside the lock: times are then handed out in the order they are read.
        let now = self.clock.now();
        let now_ms = now
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| u64::try_from(d.as_millis()).ok())
            .ok_or(TsaError::ClockOutOfRange)?;
        if now_ms < issuance.last_ms {
            return Err(TsaError::ClockBehind {
                now_ms,
                last_ms: issuance.last_ms,
                behind: Duration::from_millis(issuance.last_ms - now_ms),
            });
        }
        self.certificate
            .valid_at(now)
            .map_err(|problem| TsaError::Certificate {
                key: self.key.name().to_owned(),
                subject: self.certificate.subject.to_string(),
                problem: super::CertificateProblem::NotValidNow(problem),
            })?;
        let gen_time = GenTime::from_unix_duration(Duration::from_millis(now_ms))
            .map_err(|_| TsaError::ClockOutOfRange)?;
        if issuance.next >= issuance.reserved || now_ms > issuance.time_reserved_ms {
            let reserved = if issuance.next >= issuance.reserved {
                issuance
                    .next
                    .checked_add(SERIAL_BLOCK)
                    .ok_or(TsaError::SerialsExhausted)?
            } else {
                issuance.reserved
            };
            let lease = u64::try_from(TIME_LEASE.as_millis()).unwrap_or(u64::MAX);
            let time_reserved = now_ms.saturating_add(lease).max(issuance.time_reserved_ms);
            self.state.persist(&Marks {
                instance: issuance.instance,
                serial_limit: reserved,
                time_limit_ms: time_reserved,
            })?;
            issuance.reserved = reserved;
            issuance.time_reserved_ms = time_reserved;
        }
        let counter = issuance.next;
        issuance.next += 1;
        issuance.last_ms = now_ms;
        let instance = issuance.instance;
        drop(issuance);
        Ok((serial_number(instance, counter)?, gen_time))
    }
}

impl Drop for Authority {
    /// Writes the exact marks, so that the next authority on this directory neither skips a
    /// block of serials nor waits out the time lease.
    fn drop(&mut self) {
        let issuance = self
            .issuance
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        let marks = Marks {
            instance: issuance.instance,
            serial_limit: issuance.next,
            time_limit_ms: issuance.last_ms,
        };
        if let Err(error) = self.state.persist(&marks) {
            // The durable marks are still above everything issued: nothing is lost but a
            // block of serials and up to a lease of time.
            tracing::warn!(%error, "the time-stamp authority could not record its final marks");
        }
    }
}

impl Timestamper for Authority {
    fn timestamp(&self, sha256_digest: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        self.timestamp_digest(ImprintAlgorithm::Sha256, sha256_digest, None)
    }
}

/// The serial number: the directory's instance number, then the counter, as one positive
/// INTEGER of at most 127 bits (RFC 3161 §2.4.2 allows 160).
fn serial_number(instance: u64, counter: u64) -> Result<Int, TsaError> {
    let value = (u128::from(instance) << 64) | u128::from(counter);
    Uint::try_from(value)
        .map(Int::from)
        .map_err(TsaError::encode("serialNumber"))
}

/// The `Accuracy` of `duration`, rounded up to the microsecond (RFC 3161 §2.4.2 counts
/// `seconds`, `millis` and `micros`; an absent field is zero).
fn accuracy(duration: Duration) -> Result<Accuracy, TsaError> {
    let micros = duration.as_nanos().div_ceil(1000);
    if micros == 0 {
        return Err(TsaError::Settings(
            "the accuracy must be at least a microsecond",
        ));
    }
    let seconds = u32::try_from(micros / 1_000_000)
        .map_err(|_| TsaError::Settings("the accuracy must be at most u32::MAX seconds"))?;
    let part = |n: u128| u16::try_from(n % 1000).ok().and_then(SubSecond::new);
    Ok(Accuracy {
        seconds: (seconds > 0).then_some(seconds),
        millis: part(micros / 1000),
        micros: part(micros),
    })
}

fn log_refusal(error: &TsaError) {
    if error.is_request_error() {
        tracing::debug!(%error, "time-stamp request refused");
    } else {
        tracing::error!(%error, "time-stamp authority failed; answered systemFailure");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_is_split_and_rounded_up() {
        let a = accuracy(Duration::from_secs(1)).unwrap();
        assert_eq!(a, Accuracy::seconds(1));
        let a = accuracy(Duration::from_nanos(1_500_002_001)).unwrap();
        assert_eq!(a.seconds, Some(1));
        assert_eq!(a.millis.map(SubSecond::get), Some(500));
        assert_eq!(a.micros.map(SubSecond::get), Some(3));
        assert!(accuracy(Duration::ZERO).is_err());
    }

    #[test]
    fn serial_numbers_are_positive() {
        let serial = serial_number(u64::MAX >> 1, u64::MAX).unwrap();
        assert_eq!(serial.as_bytes().len(), 16);
        assert!(serial.as_bytes()[0] < 0x80);
        let small = serial_number(0, 1).unwrap();
        assert_eq!(small.as_bytes(), [1]);
    }
}
