//! Matching the IIN or BIN a request names against the certificate that signed it.
//!
//! Before accepting a signed request, a state service checks that the IIN in the request
//! equals the IIN in the certificate, and refuses with a clear message otherwise (see
//! `ARCHITECTURE.md`, "The problem, from the regulations it serves"). The comparison is
//! exact: twelve characters against twelve characters, no trimming, no normalisation, so a
//! stray space in the request is a mismatch the message shows. A failed check digit in the
//! certificate does not stop a match; it is a finding of the profile.

use serde::Serialize;

use super::{IdKind, IdentificationNumber, KzProfile};

/// Why the certificate does not belong to the person or entity the request names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExpectationError {
    /// The certificate carries a different number.
    #[error(
        "{number} mismatch: the request names {number} {expected:?}, but the certificate \
         was issued to {number} {found:?}"
    )]
    Mismatch {
        /// IIN or BIN.
        number: IdKind,
        /// The number in the request.
        expected: String,
        /// The number in the certificate.
        found: String,
    },
    /// The certificate carries no well-formed number of that kind.
    #[error(
        "{number} mismatch: the request names {number} {expected:?}, but the certificate \
         carries no well-formed {number}"
    )]
    Absent {
        /// IIN or BIN.
        number: IdKind,
        /// The number in the request.
        expected: String,
    },
}

/// Accepts the certificate of `profile` only if its IIN is exactly `expected`.
///
/// # Errors
/// [`ExpectationError::Mismatch`], stating both IINs, or [`ExpectationError::Absent`].
pub fn expect_iin(profile: &KzProfile, expected: &str) -> Result<(), ExpectationError> {
    expect(IdKind::Iin, profile.iin(), expected)
}

/// Accepts the certificate of `profile` only if its BIN is exactly `expected`.
///
/// # Errors
/// [`ExpectationError::Mismatch`], stating both BINs, or [`ExpectationError::Absent`].
pub fn expect_bin(profile: &KzProfile, expected: &str) -> Result<(), ExpectationError> {
    expect(IdKind::Bin, profile.bin(), expected)
}

fn expect(
    number: IdKind,
    found: Option<&IdentificationNumber>,
    expected: &str,
) -> Result<(), ExpectationError> {
    match found {
        Some(found) if found.as_str() == expected => Ok(()),
        Some(found) => Err(ExpectationError::Mismatch {
            number,
            expected: expected.to_owned(),
            found: found.as_str().to_owned(),
        }),
        None => Err(ExpectationError::Absent {
            number,
            expected: expected.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_state_both_values() {
        let iin = IdentificationNumber::parse(IdKind::Iin, "123456789011").unwrap();
        let e = expect(IdKind::Iin, Some(&iin), "900101300126").unwrap_err();
        assert_eq!(
            e.to_string(),
            "IIN mismatch: the request names IIN \"900101300126\", but the certificate was \
             issued to IIN \"123456789011\""
        );
        assert_eq!(expect(IdKind::Iin, Some(&iin), "123456789011"), Ok(()));
        // No trimming: the space is shown, not silently removed.
        let e = expect(IdKind::Iin, Some(&iin), "123456789011 ").unwrap_err();
        assert!(e.to_string().contains("\"123456789011 \""), "{e}");
        let e = expect(IdKind::Bin, None, "123456789021").unwrap_err();
        assert_eq!(
            e.to_string(),
            "BIN mismatch: the request names BIN \"123456789021\", but the certificate \
             carries no well-formed BIN"
        );
    }
}
