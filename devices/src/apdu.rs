//! ISO/IEC 7816-4 command and response APDUs (§5.1), short and extended length.
//!
//! These are wire types: the driver encodes commands and decodes responses with them, and the
//! virtual card in `hw-sim` does the reverse, so both sides share one definition of the format.

use std::fmt;

/// Largest Nc/Ne of a short APDU (§5.1: one length byte, `00` in Le meaning 256).
pub const SHORT_MAX_DATA: usize = 255;
/// Largest Ne of a short APDU.
pub const SHORT_MAX_LE: usize = 256;
/// Largest Nc of an extended APDU.
pub const EXTENDED_MAX_DATA: usize = 65_535;
/// Largest Ne of an extended APDU (`0000` in Le means 65 536).
pub const EXTENDED_MAX_LE: usize = 65_536;

/// CLA bit 5: command chaining, "not the last command of a chain" (§5.4.1).
pub const CLA_CHAINING: u8 = 0x10;

/// A malformed APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    /// Fewer than the four header bytes of a command, or fewer than the two status bytes of a
    /// response.
    #[error("APDU too short: {0} bytes")]
    TooShort(usize),
    /// The body does not match any of the cases of ISO/IEC 7816-4 §5.1 (Lc disagrees with the
    /// length, a zero Lc, trailing bytes).
    #[error("APDU body of {len} bytes does not match its length fields")]
    BadLength {
        /// Length of the body after the header.
        len: usize,
    },
    /// More data or a larger Le than even an extended APDU can carry.
    #[error("APDU field too long: {0}")]
    TooLong(usize),
}

/// A command APDU: header, command data (Nc bytes) and the expected response length Ne.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data field (may hold a PIN: never printed by `Debug`).
    pub data: Vec<u8>,
    /// Ne, the maximum number of response bytes expected; `None` when no data is expected.
    pub le: Option<usize>,
}

impl fmt::Debug for Command {
    // The data field of VERIFY is a PIN, of GENERAL AUTHENTICATE a management-key response: show
    // only its length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Command {{ {:02X} {:02X} {:02X} {:02X}, Nc={}, Ne={:?} }}",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl Command {
    /// A command with no data and no expected response (case 1).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    /// The same command carrying `data`.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// The same command expecting up to `le` response bytes.
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// Whether CLA marks this command as one of a chain with more to follow.
    pub fn is_chained(&self) -> bool {
        self.cla & CLA_CHAINING != 0
    }

    /// Whether this command needs the extended-length encoding.
    pub fn is_extended(&self) -> bool {
        self.data.len() > SHORT_MAX_DATA || self.le.is_some_and(|le| le > SHORT_MAX_LE)
    }

    /// Encodes the command (§5.1), choosing short or extended form as the lengths require.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > EXTENDED_MAX_DATA {
            return Err(ApduError::TooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && (le == 0 || le > EXTENDED_MAX_LE)
        {
            return Err(ApduError::TooLong(le));
        }
        let mut out = Vec::with_capacity(9 + self.data.len());
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                // 65 536 wraps to 0000 (§5.1).
                out.extend_from_slice(&((le % EXTENDED_MAX_LE) as u16).to_be_bytes());
            } else {
                out.push((le % SHORT_MAX_LE) as u8);
            }
        }
        Ok(out)
    }

    /// Decodes a command APDU in any of the seven cases of §5.1.
    pub fn parse(bytes: &[u8]) -> Result<Command, ApduError> {
        let (header, body) = bytes
            .split_at_checked(4)
            .ok_or(ApduError::TooShort(bytes.len()))?;
        let mut cmd = Command::new(header[0], header[1], header[2], header[3]);
        let bad = || ApduError::BadLength { len: body.len() };
        match body {
            [] => {}
            // Case 2S.
            [le] => cmd.le = Some(short_le(*le)),
            // Extended cases start with a zero byte followed by two length bytes.
            [0, hi, lo, rest @ ..] if !rest.is_empty() || body.len() == 3 => {
                let n = usize::from(u16::from_be_bytes([*hi, *lo]));
                if rest.is_empty() {
                    // Case 2E.
                    cmd.le = Some(extended_le(n));
                } else {
                    if n == 0 {
                        return Err(bad());
                    }
                    match rest.len().checked_sub(n) {
                        // Case 3E.
                        Some(0) => cmd.data = rest.to_vec(),
                        // Case 4E.
                        Some(2) => {
                            cmd.data = rest[..n].to_vec();
                            cmd.le = Some(extended_le(usize::from(u16::from_be_bytes([
                                rest[n],
                                rest[n + 1],
                            ]))));
                        }
                        _ => return Err(bad()),
                    }
                }
            }
            [lc, rest @ ..] => {
                let n = usize::from(*lc);
                if n == 0 {
                    return Err(bad());
                }
                match rest.len().checked_sub(n) {
                    // Case 3S.
                    Some(0) => cmd.data = rest.to_vec(),
                    // Case 4S.
                    Some(1) => {
                        cmd.data = rest[..n].to_vec();
                        cmd.le = Some(short_le(rest[n]));
                    }
                    _ => return Err(bad()),
                }
            }
        }
        Ok(cmd)
    }
}

fn short_le(b: u8) -> usize {
    if b == 0 { SHORT_MAX_LE } else { usize::from(b) }
}

fn extended_le(n: usize) -> usize {
    if n == 0 { EXTENDED_MAX_LE } else { n }
}

/// The two status bytes SW1-SW2 that end every response (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `90 00`: normal processing.
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    /// `62 82`: end of file reached before Ne bytes.
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    /// `65 81`: memory failure.
    pub const MEMORY_FAILURE: StatusWord = StatusWord(0x6581);
    /// `67 00`: wrong length.
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    /// `68 84`: command chaining not supported.
    pub const CHAINING_NOT_SUPPORTED: StatusWord = StatusWord(0x6884);
    /// `69 82`: security status not satisfied (PIN or management key not verified).
    pub const SECURITY_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// `69 83`: authentication method blocked (PIN or PUK retries exhausted).
    pub const AUTH_BLOCKED: StatusWord = StatusWord(0x6983);
    /// `69 84`: reference data not usable.
    pub const DATA_INVALID: StatusWord = StatusWord(0x6984);
    /// `69 85`: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    /// `6A 80`: incorrect parameters in the command data field.
    pub const INCORRECT_DATA: StatusWord = StatusWord(0x6A80);
    /// `6A 81`: function not supported.
    pub const FUNCTION_NOT_SUPPORTED: StatusWord = StatusWord(0x6A81);
    /// `6A 82`: file or application not found (also: data object absent, SP 800-73-4).
    pub const NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// `6A 84`: not enough memory in the file.
    pub const NOT_ENOUGH_MEMORY: StatusWord = StatusWord(0x6A84);
    /// `6A 86`: incorrect parameters P1-P2.
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    /// `6A 88`: referenced data (key reference) not found.
    pub const REFERENCE_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    /// `6D 00`: instruction not supported.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    /// `6E 00`: class not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    /// `6F 00`: no precise diagnosis.
    pub const UNKNOWN: StatusWord = StatusWord(0x6F00);

    /// SW1.
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// SW2.
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// `61 xx`: more response bytes available with GET RESPONSE; `xx` of them, 0 meaning 256
    /// or more.
    pub fn bytes_remaining(self) -> Option<usize> {
        (self.sw1() == 0x61).then(|| short_le(self.sw2()))
    }

    /// `61 xx` for `n` bytes still waiting.
    pub fn more_data(n: usize) -> StatusWord {
        StatusWord(0x6100 | (n.min(SHORT_MAX_LE) % SHORT_MAX_LE) as u16)
    }

    /// `63 Cx`: verification failed, `x` tries left.
    pub fn tries_left(self) -> Option<u8> {
        (self.0 & 0xFFF0 == 0x63C0).then_some(self.sw2() & 0x0F)
    }

    /// `63 Cx` for `n` tries left (clamped to 15).
    pub fn verify_failed(n: u8) -> StatusWord {
        StatusWord(0x63C0 | u16::from(n.min(15)))
    }

    /// `6C xx`: wrong Le; the exact length is `xx`.
    pub fn exact_length(self) -> Option<usize> {
        (self.sw1() == 0x6C).then(|| short_le(self.sw2()))
    }

    /// Whether this is `90 00`.
    pub fn is_success(self) -> bool {
        self == StatusWord::SUCCESS
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X} {:02X}", self.sw1(), self.sw2())
    }
}

/// A response APDU: data field and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data (may hold a private value such as a signature being formed: `Debug` shows
    /// only its length).
    pub data: Vec<u8>,
    /// SW1-SW2.
    pub sw: StatusWord,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Response {{ {} data bytes, SW {} }}",
            self.data.len(),
            self.sw
        )
    }
}

impl Response {
    /// A response carrying only a status word.
    pub fn status(sw: StatusWord) -> Self {
        Response {
            data: Vec::new(),
            sw,
        }
    }

    /// A `90 00` response carrying `data`.
    pub fn ok(data: impl Into<Vec<u8>>) -> Self {
        Response {
            data: data.into(),
            sw: StatusWord::SUCCESS,
        }
    }

    /// Decodes a response: data followed by SW1 SW2.
    pub fn parse(bytes: &[u8]) -> Result<Response, ApduError> {
        let split = bytes
            .len()
            .checked_sub(2)
            .ok_or(ApduError::TooShort(bytes.len()))?;
        let (data, sw) = bytes.split_at(split);
        Ok(Response {
            data: data.to_vec(),
            sw: StatusWord(u16::from_be_bytes([sw[0], sw[1]])),
        })
    }

    /// Encodes the response.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.0.to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn round_trip(cmd: Command) {
        let bytes = cmd.to_bytes().unwrap();
        assert_eq!(Command::parse(&bytes).unwrap(), cmd, "{bytes:02X?}");
    }

    #[test]
    fn all_seven_cases_round_trip() {
        round_trip(Command::new(0, 0xA4, 4, 0));
        round_trip(Command::new(0, 0xCB, 0x3F, 0xFF).with_le(256));
        round_trip(Command::new(0, 0x20, 0, 0x80).with_data(vec![0x31; 8]));
        round_trip(
            Command::new(0, 0xA4, 4, 0)
                .with_data(vec![0xA0; 5])
                .with_le(256),
        );
        round_trip(Command::new(0, 0xCB, 0x3F, 0xFF).with_le(65_536));
        round_trip(Command::new(0, 0xDB, 0x3F, 0xFF).with_data(vec![7; 3000]));
        round_trip(
            Command::new(0, 0x87, 0x07, 0x9C)
                .with_data(vec![7; 300])
                .with_le(65_536),
        );
        round_trip(
            Command::new(0, 0x87, 0x07, 0x9C)
                .with_data(vec![7; 10])
                .with_le(1000),
        );
    }

    #[test]
    fn known_encodings() {
        let select = Command::new(0, 0xA4, 4, 0)
            .with_data(vec![0xA0, 0, 0, 3, 8])
            .with_le(256);
        assert_eq!(
            select.to_bytes().unwrap(),
            [0, 0xA4, 4, 0, 5, 0xA0, 0, 0, 3, 8, 0]
        );
        let get = Command::new(0, 0xCB, 0x3F, 0xFF).with_le(65_536);
        assert_eq!(get.to_bytes().unwrap(), [0, 0xCB, 0x3F, 0xFF, 0, 0, 0]);
    }

    #[test]
    fn malformed_commands_are_rejected() {
        assert_eq!(Command::parse(&[0, 0xA4, 4]), Err(ApduError::TooShort(3)));
        assert!(Command::parse(&[0, 0xA4, 4, 0, 5, 1, 2]).is_err());
        assert!(Command::parse(&[0, 0xA4, 4, 0, 0, 0, 5, 1]).is_err());
        assert!(Command::parse(&[0, 0xA4, 4, 0, 1, 1, 2, 3]).is_err());
    }

    #[test]
    fn status_words() {
        assert_eq!(StatusWord(0x63C2).tries_left(), Some(2));
        assert_eq!(StatusWord::verify_failed(0), StatusWord(0x63C0));
        assert_eq!(StatusWord(0x6110).bytes_remaining(), Some(16));
        assert_eq!(StatusWord(0x6100).bytes_remaining(), Some(256));
        assert_eq!(StatusWord::more_data(300), StatusWord(0x6100));
        assert_eq!(StatusWord(0x9000).tries_left(), None);
        let r = Response::parse(&[1, 2, 0x90, 0]).unwrap();
        assert_eq!(r, Response::ok(vec![1, 2]));
        assert_eq!(r.to_bytes(), [1, 2, 0x90, 0]);
        assert!(Response::parse(&[0x90]).is_err());
    }
}
