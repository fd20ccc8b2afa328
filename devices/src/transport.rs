//! The APDU-level transport that smart-card drivers run over.
//!
//! A [`Transport`] moves one command APDU to a card and brings back its response APDU, and can
//! hold the card exclusively for a sequence of commands. [`crate::pcsc_transport`] implements
//! it over PC/SC; `hw-sim` and the tests implement it in memory, so the protocol code above
//! (e.g. [`crate::piv::PivCard`]) is the production code in every setting.

/// Why a transport could not exchange an APDU or reach a card.
///
/// The variants separate what a caller reacts to differently: a removed card (ask the user to
/// re-insert it), a reset card (reconnect; any verified PIN is gone), a missing reader, a busy
/// card, and everything else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The card was removed from the reader (PC/SC `SCARD_W_REMOVED_CARD`).
    #[error("the card was removed")]
    CardRemoved,
    /// The card was reset, by another application or a power glitch, since this transport last
    /// used it (PC/SC `SCARD_W_RESET_CARD`). Its security state (verified PIN, authenticated
    /// management key, selected application) is lost; reconnect before going on.
    #[error("the card was reset by another application")]
    CardReset,
    /// There is no card in the reader (PC/SC `SCARD_E_NO_SMARTCARD`).
    #[error("no card in the reader")]
    NoCard,
    /// The card is in the reader but does not answer (PC/SC `SCARD_W_UNRESPONSIVE_CARD`,
    /// `SCARD_W_UNPOWERED_CARD`): inserted the wrong way round, or broken.
    #[error("the card does not respond")]
    CardUnresponsive,
    /// No reader is called `name`, nor has exactly one reader `name` in its name.
    #[error("no smart-card reader matches {name:?}")]
    ReaderNotFound {
        /// The name or substring asked for.
        name: String,
    },
    /// More than one reader has `pattern` in its name.
    #[error("{pattern:?} matches several readers: {matches:?}")]
    AmbiguousReader {
        /// The substring asked for.
        pattern: String,
        /// The names of all readers that contain it.
        matches: Vec<String>,
    },
    /// The reader went away while in use (unplugged; PC/SC `SCARD_E_READER_UNAVAILABLE`,
    /// `SCARD_E_UNKNOWN_READER`).
    #[error("the reader is no longer available")]
    ReaderGone,
    /// Another application holds the card exclusively (PC/SC `SCARD_E_SHARING_VIOLATION`).
    #[error("the card is in exclusive use by another application")]
    Busy,
    /// The operation did not finish in time (PC/SC `SCARD_E_TIMEOUT`).
    #[error("timed out")]
    Timeout,
    /// The operation was cancelled from another thread (PC/SC `SCARD_E_CANCELLED`).
    #[error("cancelled")]
    Cancelled,
    /// The smart-card service (`pcscd`) is not running or went away (PC/SC
    /// `SCARD_E_NO_SERVICE`, `SCARD_E_SERVICE_STOPPED`).
    #[error("the smart-card service is not available")]
    ServiceUnavailable,
    /// Any other failure of the transport, with its description.
    #[error("transport error: {0}")]
    Other(String),
}

/// Exchanges APDUs with one card.
///
/// Implementations carry bytes and report transport failures; they do not interpret status
/// words (`61 xx`, `6C xx`, chaining are the driver's business). The trait is object safe, so
/// `Box<dyn Transport>` and `&mut dyn Transport` are transports too.
pub trait Transport {
    /// Sends one command APDU (ISO/IEC 7816-4 §5.1 encoding) and returns the whole response
    /// APDU, data followed by SW1 SW2.
    ///
    /// A transport MUST report a card that was pulled mid-exchange as
    /// [`TransportError::CardRemoved`] (never as a short or empty response), so that drivers do
    /// not mistake an unplugged card for a misbehaving one.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Runs `body` while holding the card exclusively (PC/SC `SCardBeginTransaction` …
    /// `SCardEndTransaction`), then releases it.
    ///
    /// Security property: no other application can send an APDU to the card while `body`
    /// runs, so nothing can slip between a PIN VERIFY and the signature it authorises, nor
    /// select another application under it. Implementations MUST run `body` at most once, and
    /// exactly once unless exclusive access could not be obtained (then they return the
    /// error without running it). The transport passed to `body` may be `self` or a view of
    /// it; a nested call runs `body` directly. In-memory transports without other clients can
    /// simply call `body(self)` and return `Ok(())`.
    ///
    /// Returns an error if the transaction could not be begun or ended.
    fn transaction(
        &mut self,
        body: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError>;

    /// Re-establishes the connection after [`TransportError::CardReset`] (PC/SC
    /// `SCardReconnect`, leaving the card as it is). The card's security state is not restored:
    /// the application must be selected and the PIN verified again. The default does nothing.
    fn reconnect(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }

    fn transaction(
        &mut self,
        body: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        (**self).transaction(body)
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        (**self).reconnect()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }

    fn transaction(
        &mut self,
        body: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        (**self).transaction(body)
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        (**self).reconnect()
    }
}
