//! `genTime`: a `GeneralizedTime` that may carry fractions of a second.

use core::fmt;
use std::time::{Duration, SystemTime};

use der::{
    DateTime, DecodeValue, EncodeValue, ErrorKind, FixedTag, Header, Length, Reader, Tag, Writer,
};

/// The `genTime` of a `TSTInfo`: a UTC `GeneralizedTime` with optional fractional seconds.
///
/// ```text
/// genTime                      GeneralizedTime,
///
/// The syntax is: YYYYMMDDhhmmss[.s...]Z
/// ```
///
/// [RFC 3161 §2.4.2](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2) lifts the RFC 5280
/// ban on fractions, so [`der::asn1::GeneralizedTime`] (which enforces that ban) cannot read
/// tokens from authorities that use them. This type follows the RFC 3161 rules instead:
/// the value ends in `Z`; a fraction uses `.`; its trailing zeros are omitted, and a zero
/// fraction is omitted together with the point. Fractions finer than a nanosecond are
/// rejected rather than silently rounded, so every accepted value re-encodes to the same bytes.
#[derive(Clone, Copy, Debug, Eq, PartialEq, PartialOrd, Ord)]
pub struct GenTime {
    date_time: DateTime,
    nanos: u32,
}

/// Length of `YYYYMMDDhhmmss`.
const WHOLE_LEN: usize = 14;
/// Most fraction digits accepted: nanosecond resolution.
const MAX_FRACTION_DIGITS: usize = 9;
const NANOS_PER_SECOND: u32 = 1_000_000_000;

impl GenTime {
    /// A time with the given whole-second part and `nanos` nanoseconds past it.
    ///
    /// # Errors
    /// [`ErrorKind::DateTime`] if `nanos` is a whole second or more.
    pub fn new(date_time: DateTime, nanos: u32) -> der::Result<Self> {
        if nanos >= NANOS_PER_SECOND {
            return Err(ErrorKind::DateTime.into());
        }
        Ok(Self { date_time, nanos })
    }

    /// The time `since_epoch` after the Unix epoch, keeping its sub-second part.
    ///
    /// # Errors
    /// [`ErrorKind::DateTime`] outside the years 1970–9999.
    pub fn from_unix_duration(since_epoch: Duration) -> der::Result<Self> {
        let whole = Duration::from_secs(since_epoch.as_secs());
        Self::new(
            DateTime::from_unix_duration(whole)?,
            since_epoch.subsec_nanos(),
        )
    }

    /// The given system time, keeping its sub-second part.
    ///
    /// # Errors
    /// [`ErrorKind::DateTime`] before 1970 or after 9999.
    pub fn from_system_time(time: SystemTime) -> der::Result<Self> {
        let since_epoch = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| der::Error::from(ErrorKind::DateTime))?;
        Self::from_unix_duration(since_epoch)
    }

    /// The same time with its fraction dropped: RFC 3161 asks for one-second precision when
    /// nothing finer is needed.
    pub const fn truncated_to_seconds(self) -> Self {
        Self {
            date_time: self.date_time,
            nanos: 0,
        }
    }

    /// The whole-second part.
    pub const fn date_time(&self) -> DateTime {
        self.date_time
    }

    /// Nanoseconds past [`Self::date_time`].
    pub const fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// The time since the Unix epoch.
    pub fn unix_duration(&self) -> Duration {
        self.date_time.unix_duration() + Duration::from_nanos(u64::from(self.nanos))
    }

    /// The time as a [`SystemTime`].
    pub fn to_system_time(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + self.unix_duration()
    }

    /// The fraction digits without trailing zeros (empty for a whole second).
    fn fraction_digits(&self) -> ([u8; MAX_FRACTION_DIGITS], usize) {
        let mut digits = [b'0'; MAX_FRACTION_DIGITS];
        let mut rest = self.nanos;
        for digit in digits.iter_mut().rev() {
            // `rest % 10` is a single decimal digit, so the cast cannot truncate.
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let len = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
        (digits, len)
    }
}

impl From<DateTime> for GenTime {
    fn from(date_time: DateTime) -> Self {
        Self {
            date_time,
            nanos: 0,
        }
    }
}

impl fmt::Display for GenTime {
    /// RFC 3339 form, e.g. `2026-05-01T12:00:00.25Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.date_time;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minutes(),
            d.seconds()
        )?;
        let (digits, len) = self.fraction_digits();
        if len > 0 {
            // The digits are ASCII by construction.
            let digits = core::str::from_utf8(&digits[..len]).map_err(|_| fmt::Error)?;
            write!(f, ".{digits}")?;
        }
        f.write_str("Z")
    }
}

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

fn two_digits(pair: &[u8]) -> Option<u8> {
    match *pair {
        [hi @ b'0'..=b'9', lo @ b'0'..=b'9'] => Some((hi - b'0') * 10 + (lo - b'0')),
        _ => None,
    }
}

/// Parses `YYYYMMDDhhmmss[.f{1,9}]Z`, enforcing the RFC 3161 §2.4.2 rules.
fn parse(bytes: &[u8]) -> Option<GenTime> {
    // `body` is exactly `WHOLE_LEN` bytes, so the fixed slices below are in bounds.
    let (body, rest) = bytes.split_at_checked(WHOLE_LEN)?;
    let year = u16::from(two_digits(&body[0..2])?) * 100 + u16::from(two_digits(&body[2..4])?);
    let date_time = DateTime::new(
        year,
        two_digits(&body[4..6])?,
        two_digits(&body[6..8])?,
        two_digits(&body[8..10])?,
        two_digits(&body[10..12])?,
        two_digits(&body[12..14])?,
    )
    .ok()?;

    let nanos = match rest {
        [b'Z'] => 0,
        [b'.', fraction @ .., b'Z'] => {
            // No empty fraction, no trailing zero (hence no all-zero fraction either).
            if fraction.is_empty()
                || fraction.len() > MAX_FRACTION_DIGITS
                || fraction.last() == Some(&b'0')
            {
                return None;
            }
            let mut nanos: u32 = 0;
            for &c in fraction {
                if !c.is_ascii_digit() {
                    return None;
                }
                nanos = nanos * 10 + u32::from(c - b'0');
            }
            // Scale to nanoseconds; at most 9 digits, so this stays below 10^9.
            let missing = MAX_FRACTION_DIGITS - fraction.len();
            nanos * 10u32.pow(u32::try_from(missing).ok()?)
        }
        _ => return None,
    };
    Some(GenTime { date_time, nanos })
}

impl<'a> DecodeValue<'a> for GenTime {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let len = usize::try_from(header.length())?;
        // Bound the length before reading into the fixed buffer: `Z` form, or point plus 1..=9
        // digits.
        if len != WHOLE_LEN + 1
            && !(WHOLE_LEN + 3..=WHOLE_LEN + 2 + MAX_FRACTION_DIGITS).contains(&len)
        {
            return Err(reader.error(Self::TAG.length_error()));
        }
        let mut buf = [0u8; WHOLE_LEN + 2 + MAX_FRACTION_DIGITS];
        let bytes = reader.read_into(&mut buf[..len])?;
        parse(bytes).ok_or_else(|| reader.error(Self::TAG.value_error()))
    }
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        let (_, fraction) = self.fraction_digits();
        let point = usize::from(fraction > 0);
        Length::try_from(WHOLE_LEN + point + fraction + 1)
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        let d = &self.date_time;
        let year = d.year();
        // `DateTime` guarantees a four-digit year, so each part below is 0..=99.
        for part in [
            (year / 100) as u8,
            (year % 100) as u8,
            d.month(),
            d.day(),
            d.hour(),
            d.minutes(),
            d.seconds(),
        ] {
            writer.write(&[b'0' + part / 10, b'0' + part % 10])?;
        }
        let (digits, len) = self.fraction_digits();
        if len > 0 {
            writer.write_byte(b'.')?;
            writer.write(&digits[..len])?;
        }
        writer.write_byte(b'Z')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    fn tlv(value: &str) -> Vec<u8> {
        let mut out = vec![0x18, u8::try_from(value.len()).unwrap()];
        out.extend_from_slice(value.as_bytes());
        out
    }

    #[test]
    fn whole_seconds_round_trip() {
        let der = tlv("20260501120000Z");
        let t = GenTime::from_der(&der).unwrap();
        assert_eq!(t.subsec_nanos(), 0);
        assert_eq!(t.date_time(), DateTime::new(2026, 5, 1, 12, 0, 0).unwrap());
        assert_eq!(t.to_der().unwrap(), der);
        assert_eq!(t.to_string(), "2026-05-01T12:00:00Z");
    }

    #[test]
    fn fractions_round_trip() {
        for (text, nanos) in [
            ("19920521000000.5Z", 500_000_000),
            ("19920521000000.123Z", 123_000_000),
            ("19920521000000.000000001Z", 1),
            ("19920521000000.999999999Z", 999_999_999),
        ] {
            let der = tlv(text);
            let t = GenTime::from_der(&der).unwrap();
            assert_eq!(t.subsec_nanos(), nanos, "{text}");
            assert_eq!(t.to_der().unwrap(), der, "{text}");
        }
    }

    #[test]
    fn rejects_what_rfc_3161_forbids() {
        for bad in [
            "19920521000000.50Z",         // trailing zero
            "19920521000000.0Z",          // zero fraction must be omitted
            "19920521000000.Z",           // empty fraction
            "19920521000000,5Z",          // comma point
            "19920521000000.1234567891Z", // finer than a nanosecond
            "19920521000000",             // no Z
            "199205210000Z",              // no seconds
            "19920521000000+0100",        // not UTC
            "19921321000000Z",            // month 13
            "1992052100000aZ",            // not a digit
        ] {
            let err = GenTime::from_der(&tlv(bad)).unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::Value { .. } | ErrorKind::Length { .. }
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn from_unix_duration_keeps_the_fraction() {
        let t = GenTime::from_unix_duration(Duration::new(1_700_000_000, 250_000_000)).unwrap();
        assert_eq!(t.to_der().unwrap(), tlv("20231114221320.25Z"));
        assert_eq!(t.unix_duration(), Duration::new(1_700_000_000, 250_000_000));
        assert_eq!(
            t.truncated_to_seconds().to_der().unwrap(),
            tlv("20231114221320Z")
        );
    }
}
