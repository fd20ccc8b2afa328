//! [`PivCard`]: a PIV card application reached through a [`Transport`], and the commands that
//! belong to no narrower topic (SELECT, transactions, the Yubico GET VERSION / GET SERIAL).

use std::fmt;

use crate::apdu::{Command, StatusWord};
use crate::piv::error::{PivError, sw_error};
use crate::piv::wire::{AID_PREFIX, ins};
use crate::transport::{Transport, TransportError};

/// A PIV card application (NIST SP 800-73-4) behind a [`Transport`].
///
/// Construction does no I/O; call [`PivCard::select`] (or use [`PivCard::open`]) before the
/// other commands. All card answers are treated as untrusted input: they are length-checked,
/// parsed strictly and capped at [`MAX_RESPONSE_LEN`](crate::piv::MAX_RESPONSE_LEN) bytes, and
/// no answer can make the driver panic.
///
/// Long commands are sent with command chaining (ISO/IEC 7816-4 §5.4.1), which every PIV card
/// supports; [`PivCard::set_extended_length`] switches to extended-length APDUs (§5.1) for
/// readers and cards that handle them.
pub struct PivCard<T: Transport> {
    pub(crate) transport: T,
    pub(crate) extended_length: bool,
}

impl<T: Transport> fmt::Debug for PivCard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PivCard")
            .field("extended_length", &self.extended_length)
            .finish_non_exhaustive()
    }
}

/// A firmware version as the Yubico GET VERSION extension reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
    /// Patch level.
    pub patch: u8,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl<T: Transport> PivCard<T> {
    /// Wraps `transport`; sends nothing.
    pub fn new(transport: T) -> PivCard<T> {
        PivCard {
            transport,
            extended_length: false,
        }
    }

    /// Wraps `transport` and selects the PIV application.
    pub fn open(transport: T) -> Result<PivCard<T>, PivError> {
        let mut card = PivCard::new(transport);
        card.select()?;
        Ok(card)
    }

    /// Sends commands longer than 255 data bytes as one extended-length APDU (and asks for up
    /// to 65 536 response bytes at once) instead of chaining short APDUs. Off by default:
    /// chaining works with every card and reader.
    pub fn set_extended_length(&mut self, on: bool) {
        self.extended_length = on;
    }

    /// Whether extended-length APDUs are used.
    pub fn extended_length(&self) -> bool {
        self.extended_length
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (e.g. to ask a PC/SC transport for its ATR).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// SELECT the PIV card application by its right-truncated AID (SP 800-73-4 Part 2
    /// §3.1.1). Selecting resets the application's security status: PIN and management key
    /// must be verified again afterwards.
    ///
    /// Fails with [`PivError::NotPiv`] when the card has no PIV application.
    pub fn select(&mut self) -> Result<(), PivError> {
        let cmd = Command::new(0x00, ins::SELECT, 0x04, 0x00)
            .with_data(AID_PREFIX)
            .with_le(256);
        let r = self.exchange("SELECT", cmd)?;
        match r.sw {
            StatusWord::SUCCESS => Ok(()),
            // 6A 82: application not found; 6A 81 / 6D 00: the card has no such function.
            sw @ (StatusWord::NOT_FOUND
            | StatusWord::FUNCTION_NOT_SUPPORTED
            | StatusWord::INS_NOT_SUPPORTED) => Err(PivError::NotPiv { sw }),
            sw => Err(sw_error("SELECT", sw)),
        }
    }

    /// After [`PivError::CardReset`]: reconnects the transport and selects the application
    /// again. The PIN and management key must be verified again.
    pub fn reconnect(&mut self) -> Result<(), PivError> {
        self.transport.reconnect()?;
        self.select()
    }

    /// Runs `body` with the card held exclusively ([`Transport::transaction`]).
    ///
    /// Security property: no other application's APDU can come between the commands `body`
    /// sends, so a PIN verified inside `body` authorises only what `body` does next. If `body`
    /// fails its error is returned; if it succeeds but the transaction cannot be ended (card
    /// pulled at the last moment), the transport error is returned and the result dropped
    /// (fail closed).
    pub fn transaction<R>(
        &mut self,
        body: impl FnOnce(&mut PivCard<&mut dyn Transport>) -> Result<R, PivError>,
    ) -> Result<R, PivError> {
        let extended_length = self.extended_length;
        let mut body = Some(body);
        let mut out = None;
        let ended = self.transport.transaction(&mut |t: &mut dyn Transport| {
            if let Some(body) = body.take() {
                let mut card = PivCard {
                    transport: t,
                    extended_length,
                };
                out = Some(body(&mut card));
            }
        });
        match (out, ended) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(r)), Ok(())) => Ok(r),
            (_, Err(e)) => Err(e.into()),
            (None, Ok(())) => Err(PivError::Transport(TransportError::Other(
                "transport skipped the transaction body".into(),
            ))),
        }
    }

    /// The firmware version (Yubico extension, INS `FD`), or `None` when the card does not
    /// implement it (`6D 00`, `6A 81`, `6E 00`).
    pub fn version(&mut self) -> Result<Option<Version>, PivError> {
        const CMD: &str = "GET VERSION";
        let Some(data) = self.optional_extension(CMD, ins::GET_VERSION)? else {
            return Ok(None);
        };
        match data[..] {
            [major, minor, patch] => Ok(Some(Version {
                major,
                minor,
                patch,
            })),
            _ => Err(PivError::MalformedResponse {
                command: CMD,
                what: "version is not 3 bytes",
            }),
        }
    }

    /// The serial number (Yubico extension, INS `F8`), or `None` when the card does not
    /// implement it.
    pub fn serial(&mut self) -> Result<Option<u32>, PivError> {
        const CMD: &str = "GET SERIAL";
        let Some(data) = self.optional_extension(CMD, ins::GET_SERIAL)? else {
            return Ok(None);
        };
        match <[u8; 4]>::try_from(&data[..]) {
            Ok(b) => Ok(Some(u32::from_be_bytes(b))),
            Err(_) => Err(PivError::MalformedResponse {
                command: CMD,
                what: "serial is not 4 bytes",
            }),
        }
    }

    fn optional_extension(
        &mut self,
        command: &'static str,
        ins: u8,
    ) -> Result<Option<Vec<u8>>, PivError> {
        let r = self.exchange(command, Command::new(0x00, ins, 0x00, 0x00).with_le(256))?;
        match r.sw {
            StatusWord::SUCCESS => Ok(Some(r.data)),
            StatusWord::INS_NOT_SUPPORTED
            | StatusWord::FUNCTION_NOT_SUPPORTED
            | StatusWord::CLA_NOT_SUPPORTED => Ok(None),
            sw => Err(sw_error(command, sw)),
        }
    }
}
