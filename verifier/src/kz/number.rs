//! Kazakhstan's 12-digit identification numbers: the IIN of an individual and the BIN of a
//! legal entity, and the check digit that closes both.
//!
//! The Law "On national registers of identification numbers" (No. 223 of 12 January 2007,
//! art. 1) defines the *control digit* as the digit "completing a sequence of digital symbols
//! that make up an individual identification number, designed to control the correctness of
//! its formation"; the algorithm itself comes from Government Decree No. 565 of 11 June 2003
//! (the programme of transition to a single identification number, section 5, with its
//! subsections on generating the IIN and the BIN). See [`IdentificationNumber::expected_check_digit`].

use core::fmt;

use serde::Serialize;

/// Which of the two numbers a value is, with the prefix NCA certificates put before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum IdKind {
    /// Individual identification number (ЖСН / ИИН), of a natural person. NCA certificates
    /// carry it as `SERIALNUMBER=IIN<12 digits>`.
    Iin,
    /// Business identification number (БСН / БИН), of a legal entity, branch or
    /// representative office. NCA certificates carry it as `OU=BIN<12 digits>`.
    Bin,
}

impl IdKind {
    /// The prefix NCA puts before the digits in the subject name: `"IIN"` or `"BIN"`.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Iin => "IIN",
            Self::Bin => "BIN",
        }
    }

    /// "an IIN" or "a BIN", as the abbreviations are read aloud.
    pub(crate) fn with_article(self) -> &'static str {
        match self {
            Self::Iin => "an IIN",
            Self::Bin => "a BIN",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// Why a string is not an IIN or BIN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NumberDefect {
    /// The attribute value does not begin with the prefix NCA uses (`IIN` or `BIN`).
    #[error("does not start with \"{prefix}\"")]
    MissingPrefix {
        /// The expected prefix.
        prefix: &'static str,
    },
    /// A character that is not an ASCII digit.
    #[error("has {character:?} at position {position} where a digit belongs")]
    NotADigit {
        /// Position of the character among the number's characters, counting from 1
        /// (the prefix, if any, not counted).
        position: usize,
        /// The offending character.
        character: char,
    },
    /// All digits, but not twelve of them.
    #[error("has {length} digits instead of 12")]
    WrongLength {
        /// The number of digits found.
        length: usize,
    },
}

/// The number of digits in an IIN or BIN.
const LEN: usize = 12;

/// Weights of the first pass of the check-digit computation, for digits 1 to 11.
const FIRST_WEIGHTS: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/// Weights of the second pass, used when the first pass leaves a remainder of 10.
const SECOND_WEIGHTS: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// A syntactically well-formed IIN or BIN: twelve ASCII digits. Whether its check digit is
/// right is recorded, not enforced: the NCA's own test certificates carry IIN
/// `123456789011`, whose check digit should be 3, and a verifier must be able to say so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentificationNumber {
    kind: IdKind,
    value: String,
    check_digit_valid: bool,
    /// `None` when no check digit exists for the first eleven digits (both passes leave 10).
    expected_check_digit: Option<u8>,
}

impl IdentificationNumber {
    /// Reads `digits` (exactly twelve ASCII digits, no prefix) as a number of `kind`.
    ///
    /// # Errors
    /// [`NumberDefect::NotADigit`] or [`NumberDefect::WrongLength`].
    pub fn parse(kind: IdKind, digits: &str) -> Result<Self, NumberDefect> {
        let mut values = [0u8; LEN];
        let mut length = 0usize;
        for (index, character) in digits.chars().enumerate() {
            if !character.is_ascii_digit() {
                // Only ASCII digits: `char::is_numeric` would let in other scripts' digits.
                return Err(NumberDefect::NotADigit {
                    position: index + 1,
                    character,
                });
            }
            if let Some(slot) = values.get_mut(index) {
                *slot = (character as u8) - b'0';
            }
            length += 1;
        }
        if length != LEN {
            return Err(NumberDefect::WrongLength { length });
        }
        let [first_eleven @ .., last] = values;
        let expected_check_digit = check_digit(&first_eleven);
        Ok(Self {
            kind,
            value: digits.to_owned(),
            check_digit_valid: expected_check_digit == Some(last),
            expected_check_digit,
        })
    }

    /// Reads an attribute value of the form `<prefix><12 digits>`, such as
    /// `IIN123456789011`, the prefix being [`IdKind::prefix`].
    ///
    /// # Errors
    /// [`NumberDefect::MissingPrefix`], or the errors of [`Self::parse`] for the rest.
    pub fn parse_prefixed(kind: IdKind, value: &str) -> Result<Self, NumberDefect> {
        let prefix = kind.prefix();
        let digits = value
            .strip_prefix(prefix)
            .ok_or(NumberDefect::MissingPrefix { prefix })?;
        Self::parse(kind, digits)
    }

    /// IIN or BIN.
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// The twelve digits, without prefix.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Whether the twelfth digit is the check digit of the first eleven.
    pub fn check_digit_valid(&self) -> bool {
        self.check_digit_valid
    }

    /// The check digit the first eleven digits call for, or `None` when no digit can close
    /// them (both passes leave a remainder of 10; such numbers are never issued).
    ///
    /// The rule, the same for IIN and BIN: multiply digits 1 to 11 by the weights 1 to 11,
    /// sum, and take the remainder modulo 11. A remainder of 10 is not a digit, so the sum is
    /// redone with the weights 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2; if that remainder is 10
    /// too, the eleven digits have no check digit. Otherwise the remainder is the 12th digit.
    pub fn expected_check_digit(&self) -> Option<u8> {
        self.expected_check_digit
    }

    /// The twelfth digit as written.
    pub fn actual_check_digit(&self) -> u8 {
        self.value
            .bytes()
            .last()
            .map_or(0, |digit| digit.wrapping_sub(b'0'))
    }
}

impl fmt::Display for IdentificationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// The check digit for the first eleven digits (each 0 to 9), or `None` when both passes of
/// the rule leave a remainder of 10. See [`IdentificationNumber::expected_check_digit`].
fn check_digit(first_eleven: &[u8; 11]) -> Option<u8> {
    [FIRST_WEIGHTS, SECOND_WEIGHTS]
        .into_iter()
        .find_map(|weights| {
            let sum: u32 = first_eleven
                .iter()
                .zip(weights)
                .map(|(&digit, weight)| u32::from(digit) * weight)
                .sum();
            // The remainder is below 11, so it fits a `u8`.
            u8::try_from(sum % 11).ok().filter(|&rest| rest < 10)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> [u8; 11] {
        let mut out = [0u8; 11];
        for (slot, b) in out.iter_mut().zip(s.bytes()) {
            *slot = b - b'0';
        }
        out
    }

    #[test]
    fn first_pass() {
        // 9·1 + 0·2 + 0·3 + 1·4 + 0·5 + 1·6 + 3·7 + 0·8 + 0·9 + 1·10 + 2·11 = 72; 72 mod 11 = 6.
        assert_eq!(check_digit(&digits("90010130012")), Some(6));
        let iin = IdentificationNumber::parse(IdKind::Iin, "900101300126").unwrap();
        assert!(iin.check_digit_valid());
        assert_eq!(iin.expected_check_digit(), Some(6));
        assert_eq!(iin.actual_check_digit(), 6);
        // A BIN (registered 2007-02, resident legal entity, head office): sum 104, rest 5.
        let bin = IdentificationNumber::parse(IdKind::Bin, "070240001235").unwrap();
        assert!(bin.check_digit_valid());
    }

    #[test]
    fn second_pass() {
        // First pass: 8·1 + 5·2 + 0 + 1·4 + 0 + 1·6 + 3·7 + 0 + 0 + 6·10 + 0 = 109, rest 10.
        // Second pass: 8·3 + 5·4 + 0 + 1·6 + 0 + 1·8 + 3·9 + 0 + 0 + 6·1 + 0 = 91, rest 3.
        assert_eq!(check_digit(&digits("85010130060")), Some(3));
        assert!(
            IdentificationNumber::parse(IdKind::Iin, "850101300603")
                .unwrap()
                .check_digit_valid()
        );
        // A BIN through the second pass: 153 → rest 10, then 192 → rest 5.
        assert!(
            IdentificationNumber::parse(IdKind::Bin, "160140039015")
                .unwrap()
                .check_digit_valid()
        );
    }

    #[test]
    fn no_check_digit_exists() {
        // First pass 208 (rest 10), second pass 109 (rest 10): no 12th digit can close it.
        assert_eq!(check_digit(&digits("85010130069")), None);
        for last in 0..=9 {
            let number = format!("85010130069{last}");
            let iin = IdentificationNumber::parse(IdKind::Iin, &number).unwrap();
            assert!(!iin.check_digit_valid(), "{number}");
            assert_eq!(iin.expected_check_digit(), None);
        }
    }

    #[test]
    fn nca_test_numbers_fail_the_rule() {
        // The NCA test IIN: first pass 296 (rest 10), second pass 377 (rest 3); it ends in 1.
        let iin = IdentificationNumber::parse(IdKind::Iin, "123456789011").unwrap();
        assert!(!iin.check_digit_valid());
        assert_eq!(iin.expected_check_digit(), Some(3));
        assert_eq!(iin.actual_check_digit(), 1);
        // The NCA test BIN: first pass 307 (rest 10), second pass 379 (rest 5); it ends in 1.
        let bin = IdentificationNumber::parse(IdKind::Bin, "123456789021").unwrap();
        assert!(!bin.check_digit_valid());
        assert_eq!(bin.expected_check_digit(), Some(5));
    }

    #[test]
    fn every_wrong_last_digit_is_caught() {
        for last in (0..=9u8).filter(|&d| d != 6) {
            let number = format!("90010130012{last}");
            let iin = IdentificationNumber::parse(IdKind::Iin, &number).unwrap();
            assert!(!iin.check_digit_valid(), "{number}");
        }
    }

    #[test]
    fn malformed() {
        use NumberDefect::*;
        let parse = |s| IdentificationNumber::parse(IdKind::Iin, s);
        assert_eq!(parse(""), Err(WrongLength { length: 0 }));
        assert_eq!(parse("12345678901"), Err(WrongLength { length: 11 }));
        assert_eq!(parse("1234567890112"), Err(WrongLength { length: 13 }));
        assert_eq!(
            parse("12345678901a"),
            Err(NotADigit {
                position: 12,
                character: 'a'
            })
        );
        assert_eq!(
            parse(" 123456789011"),
            Err(NotADigit {
                position: 1,
                character: ' '
            })
        );
        // Non-ASCII decimal digits (here Arabic-Indic) are not accepted.
        assert_eq!(
            parse("١٢٣٤٥٦٧٨٩٠١١"),
            Err(NotADigit {
                position: 1,
                character: '١'
            })
        );
        assert_eq!(
            IdentificationNumber::parse_prefixed(IdKind::Iin, "123456789011"),
            Err(MissingPrefix { prefix: "IIN" })
        );
        assert_eq!(
            IdentificationNumber::parse_prefixed(IdKind::Bin, "IIN123456789011"),
            Err(MissingPrefix { prefix: "BIN" })
        );
        assert_eq!(
            IdentificationNumber::parse_prefixed(IdKind::Iin, "iin123456789011"),
            Err(MissingPrefix { prefix: "IIN" })
        );
        assert_eq!(
            IdentificationNumber::parse_prefixed(IdKind::Iin, "IIN 123456789011"),
            Err(NotADigit {
                position: 1,
                character: ' '
            })
        );
    }

    #[test]
    fn defect_messages() {
        assert_eq!(
            NumberDefect::WrongLength { length: 5 }.to_string(),
            "has 5 digits instead of 12"
        );
        assert_eq!(
            NumberDefect::NotADigit {
                position: 3,
                character: 'ә'
            }
            .to_string(),
            "has 'ә' at position 3 where a digit belongs"
        );
    }
}
