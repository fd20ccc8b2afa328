//! The APDU exchange under every PIV command: command chaining or extended length for long
//! commands, `6C xx` retries, `61 xx` GET RESPONSE assembly, and the response-size cap.

use std::ops::{Deref, DerefMut};

use zeroize::{Zeroize, Zeroizing};

use crate::apdu::{
    CLA_CHAINING, Command, EXTENDED_MAX_DATA, EXTENDED_MAX_LE, Response, SHORT_MAX_DATA,
    SHORT_MAX_LE, StatusWord,
};
use crate::piv::card::PivCard;
use crate::piv::error::{PivError, sw_error};
use crate::piv::wire::ins;
use crate::transport::Transport;

/// The most response data the driver accepts for one command, after GET RESPONSE assembly
/// (64 KiB: four times the largest certificate object a PIV card holds). A card that keeps
/// offering more gets [`PivError::ResponseTooLarge`], not the host's memory.
pub const MAX_RESPONSE_LEN: usize = 65_536;

/// A command whose data field is wiped when it goes out of scope: VERIFY carries the PIN,
/// CHANGE REFERENCE DATA two of them.
struct Wiped(Command);

impl Drop for Wiped {
    fn drop(&mut self) {
        self.0.data.zeroize();
    }
}

impl Deref for Wiped {
    type Target = Command;
    fn deref(&self) -> &Command {
        &self.0
    }
}

impl DerefMut for Wiped {
    fn deref_mut(&mut self) -> &mut Command {
        &mut self.0
    }
}

impl<T: Transport> PivCard<T> {
    /// Sends `cmd` and returns all of its response data with the final status word (never
    /// `61 xx` or a first `6C xx`). The status word is the caller's to interpret.
    ///
    /// `cmd.le` only says whether response data is expected: Ne is set here, 256 (short) or
    /// 65 536 (extended length). `command` names the command in errors.
    pub(crate) fn exchange(
        &mut self,
        command: &'static str,
        cmd: Command,
    ) -> Result<Response, PivError> {
        let mut cmd = Wiped(cmd);
        if cmd.le.is_some() {
            cmd.le = Some(if self.extended_length {
                EXTENDED_MAX_LE
            } else {
                SHORT_MAX_LE
            });
        }
        if cmd.data.len() > EXTENDED_MAX_DATA {
            return Err(PivError::CommandTooLarge { command });
        }
        if self.extended_length || cmd.data.len() <= SHORT_MAX_DATA {
            let r = self.transmit_one(command, &cmd)?;
            return self.complete(command, &cmd, r);
        }
        // Command chaining (ISO/IEC 7816-4 §5.4.1): every part but the last has CLA bit 5
        // (0x10) set and no Le; the card answers 90 00 to each until the last.
        let mut chunks = cmd.data.chunks(SHORT_MAX_DATA).peekable();
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            let mut part = Wiped(Command::new(cmd.cla, cmd.ins, cmd.p1, cmd.p2).with_data(chunk));
            if last {
                part.le = cmd.le;
                let r = self.transmit_one(command, &part)?;
                return self.complete(command, &part, r);
            }
            part.cla |= CLA_CHAINING;
            let r = self.transmit_one(command, &part)?;
            match r.sw {
                StatusWord::SUCCESS if r.data.is_empty() => {}
                StatusWord::SUCCESS => {
                    return Err(PivError::MalformedResponse {
                        command,
                        what: "data in answer to a non-final chained command",
                    });
                }
                StatusWord::CHAINING_NOT_SUPPORTED => {
                    return Err(PivError::Unsupported(
                        "command chaining (try extended length)",
                    ));
                }
                sw => return Err(sw_error(command, sw)),
            }
        }
        // `chunks` of non-empty data yields at least one part, which returns above.
        Err(PivError::CommandTooLarge { command })
    }

    /// Follows `6C xx` (resend with Le = xx, ISO/IEC 7816-4 §5.6) once, then `61 xx` (GET
    /// RESPONSE, §7.6.1) until the card has no more, within [`MAX_RESPONSE_LEN`].
    fn complete(
        &mut self,
        command: &'static str,
        sent: &Command,
        first: Response,
    ) -> Result<Response, PivError> {
        let mut r = first;
        if let Some(exact) = r.sw.exact_length() {
            let mut again = Wiped(sent.clone());
            again.le = Some(exact);
            r = self.transmit_one(command, &again)?;
            if r.sw.exact_length().is_some() {
                return Err(PivError::MalformedResponse {
                    command,
                    what: "6C xx again after resending with the exact length",
                });
            }
        }
        let Response { mut data, mut sw } = r;
        while let Some(n) = sw.bytes_remaining() {
            let get = Command::new(0x00, ins::GET_RESPONSE, 0x00, 0x00).with_le(n);
            let more = self.transmit_one(command, &get)?;
            if more.data.is_empty() && more.sw.bytes_remaining().is_some() {
                // Without progress a card could keep us looping forever.
                return Err(PivError::MalformedResponse {
                    command,
                    what: "GET RESPONSE returned no data but announced more",
                });
            }
            if data.len() + more.data.len() > MAX_RESPONSE_LEN {
                return Err(PivError::ResponseTooLarge {
                    command,
                    limit: MAX_RESPONSE_LEN,
                });
            }
            data.extend_from_slice(&more.data);
            sw = more.sw;
        }
        Ok(Response { data, sw })
    }

    /// One APDU out, one in; the encoded command is wiped after sending.
    fn transmit_one(&mut self, command: &'static str, cmd: &Command) -> Result<Response, PivError> {
        let bytes = Zeroizing::new(
            cmd.to_bytes()
                .map_err(|_| PivError::CommandTooLarge { command })?,
        );
        let raw = self.transport.transmit(&bytes)?;
        if raw.len() > MAX_RESPONSE_LEN + 2 {
            return Err(PivError::ResponseTooLarge {
                command,
                limit: MAX_RESPONSE_LEN,
            });
        }
        let response = Response::parse(&raw).map_err(|_| PivError::MalformedResponse {
            command,
            what: "response shorter than the status word",
        })?;
        // ISO/IEC 7816-4 §5.6: SW1 is 61-6F or 90-9F; anything else is not a card's answer.
        if !matches!(response.sw.sw1(), 0x61..=0x6F | 0x90..=0x9F) {
            return Err(PivError::MalformedResponse {
                command,
                what: "status word outside ISO/IEC 7816-4 ranges",
            });
        }
        Ok(response)
    }
}
