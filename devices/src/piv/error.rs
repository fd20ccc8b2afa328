//! The one error type of the PIV driver.

use crate::apdu::StatusWord;
use crate::piv::wire::Slot;
use crate::transport::TransportError;

/// Why a PIV operation failed.
///
/// Variants carry what a caller needs to react (tries left, the slot, the command and status
/// word) and never a secret: PINs, PUKs and management keys do not appear in any variant or
/// message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PivError {
    /// The card rejected the PIN (`63 Cx`, SP 800-73-4 Part 2 §3.2.1); `tries_left` more wrong
    /// PINs are allowed before it blocks.
    #[error("wrong PIN ({tries_left} tries left)")]
    PinIncorrect {
        /// Remaining attempts, as the card reports them.
        tries_left: u8,
    },
    /// The PIN is blocked (`69 83`, or `63 C0`): only the PUK can reset it.
    #[error("the PIN is blocked")]
    PinBlocked,
    /// The card rejected the PUK (`63 Cx` to RESET RETRY COUNTER or CHANGE REFERENCE DATA
    /// for the PUK).
    #[error("wrong PUK ({tries_left} tries left)")]
    PukIncorrect {
        /// Remaining attempts.
        tries_left: u8,
    },
    /// The PUK is blocked: the PIN can no longer be unblocked (the card must be reset).
    #[error("the PUK is blocked")]
    PukBlocked,
    /// A PIN or PUK given by the user is not 6-8 bytes (checked before anything is sent).
    #[error("a PIN or PUK must be 6 to 8 characters, not {len}")]
    PinFormat {
        /// The length that was given.
        len: usize,
    },
    /// A management key of the wrong length for its algorithm, or badly written.
    #[error("management key must be {expected} bytes for this algorithm")]
    ManagementKeyFormat {
        /// The length the algorithm needs.
        expected: usize,
    },

    /// The card was removed during the operation.
    #[error("the card was removed")]
    CardRemoved,
    /// The card was reset by someone else: its verified PIN and selected application are gone;
    /// call [`crate::piv::PivCard::reconnect`].
    #[error("the card was reset by another application")]
    CardReset,
    /// There is no card in the reader.
    #[error("no card in the reader")]
    NoCard,
    /// The reader is gone, or none matches the name given.
    #[error("smart-card reader not found")]
    ReaderNotFound,
    /// The transport timed out.
    #[error("timed out talking to the card")]
    Timeout,
    /// Any other transport failure (PC/SC error, busy card, no `pcscd`).
    #[error(transparent)]
    Transport(TransportError),

    /// The card is not a PIV card: SELECT of the PIV application failed (SP 800-73-4 Part 2
    /// §3.1.1).
    #[error("no PIV application on the card (SELECT answered {sw})")]
    NotPiv {
        /// What SELECT answered.
        sw: StatusWord,
    },
    /// The card's answer could not be understood. The driver never guesses with such data.
    #[error("malformed response to {command}: {what}")]
    MalformedResponse {
        /// The command that was answered.
        command: &'static str,
        /// What was wrong with the answer.
        what: &'static str,
    },
    /// The card answered a status word this operation does not expect.
    #[error("{command} failed with status {sw}")]
    UnexpectedStatus {
        /// The command.
        command: &'static str,
        /// Its SW1-SW2.
        sw: StatusWord,
    },
    /// The answer would exceed the driver's limit ([`crate::piv::MAX_RESPONSE_LEN`]): a
    /// hostile or broken card cannot make the host buffer without bound.
    #[error("response to {command} exceeds {limit} bytes")]
    ResponseTooLarge {
        /// The command.
        command: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The command would exceed what an APDU (even extended, chained) can carry.
    #[error("{command} data too large for an APDU")]
    CommandTooLarge {
        /// The command.
        command: &'static str,
    },

    /// Security status not satisfied (`69 82`): the PIN (for signing) or the management key
    /// (for administration) has not been verified in this session.
    #[error("{command} needs the PIN or management key to be verified first")]
    NotAuthenticated {
        /// The command refused.
        command: &'static str,
    },
    /// The card refused our proof of the management key (`69 82` / `6A 80` during mutual
    /// authentication): the key given is not the card's.
    #[error("the card rejected the management key")]
    ManagementKeyRejected,
    /// The card's proof of the management key was wrong: it does not hold the key we do, so it
    /// is not the card we provisioned. Authentication fails closed.
    #[error("the card failed to prove it knows the management key")]
    CardAuthenticationFailed,
    /// The slot holds no key (`6A 88`: referenced data not found).
    #[error("no key in slot {0}")]
    NoKeyInSlot(Slot),
    /// The slot's certificate object is absent (`6A 82` to GET DATA).
    #[error("no certificate in slot {0}")]
    NoCertificate(Slot),
    /// The data object is absent (`6A 82` to GET DATA).
    #[error("data object {0:06X} not found")]
    NotFound(u32),
    /// An argument given to the driver is unusable (e.g. a "certificate" that is not DER);
    /// nothing was sent to the card.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The card or the driver does not support what was asked (a compressed certificate,
    /// an instruction the card answers `6D 00` to, command chaining refused).
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    /// The operating system's random source failed (needed for the management-key
    /// challenge).
    #[error("no randomness from the operating system")]
    Random,
}

impl From<TransportError> for PivError {
    fn from(e: TransportError) -> PivError {
        match e {
            TransportError::CardRemoved => PivError::CardRemoved,
            TransportError::CardReset => PivError::CardReset,
            TransportError::NoCard => PivError::NoCard,
            TransportError::ReaderGone | TransportError::ReaderNotFound { .. } => {
                PivError::ReaderNotFound
            }
            TransportError::Timeout => PivError::Timeout,
            other => PivError::Transport(other),
        }
    }
}

/// The generic reading of a status word that ends a command: success, or the error common to
/// all PIV commands (ISO/IEC 7816-4 §5.6; SP 800-73-4 Part 2 §3).
pub(crate) fn check_sw(command: &'static str, sw: StatusWord) -> Result<(), PivError> {
    if sw.is_success() {
        Ok(())
    } else {
        Err(sw_error(command, sw))
    }
}

/// The error for a status word other than `90 00` that the command has no special meaning
/// for.
pub(crate) fn sw_error(command: &'static str, sw: StatusWord) -> PivError {
    match sw {
        StatusWord::SECURITY_NOT_SATISFIED => PivError::NotAuthenticated { command },
        StatusWord::INS_NOT_SUPPORTED => PivError::Unsupported(command),
        sw => PivError::UnexpectedStatus { command, sw },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_flatten() {
        assert_eq!(
            PivError::from(TransportError::CardRemoved),
            PivError::CardRemoved
        );
        assert_eq!(
            PivError::from(TransportError::CardReset),
            PivError::CardReset
        );
        assert_eq!(PivError::from(TransportError::NoCard), PivError::NoCard);
        assert_eq!(
            PivError::from(TransportError::ReaderGone),
            PivError::ReaderNotFound
        );
        assert_eq!(PivError::from(TransportError::Timeout), PivError::Timeout);
        assert_eq!(
            PivError::from(TransportError::Busy),
            PivError::Transport(TransportError::Busy)
        );
    }

    #[test]
    fn messages_carry_context() {
        let e = PivError::UnexpectedStatus {
            command: "GET DATA",
            sw: StatusWord(0x6A80),
        };
        assert_eq!(e.to_string(), "GET DATA failed with status 6A 80");
        assert_eq!(
            PivError::PinIncorrect { tries_left: 2 }.to_string(),
            "wrong PIN (2 tries left)"
        );
    }
}
