//! What the profile noticed about a certificate without refusing to read it.

use core::fmt;

use const_oid::ObjectIdentifier;
use serde::Serialize;

use super::{IdKind, NumberDefect, ser};

/// A remark about a certificate's Kazakh profile. Findings never stop the profile from being
/// read: a certificate with a malformed IIN still has a name, roles and a purpose, and the
/// report shows both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// A `SERIALNUMBER` or `OU` value that should hold an IIN or BIN but does not.
    MalformedNumber {
        /// The number expected there.
        number: IdKind,
        /// The attribute (`SERIALNUMBER` or `OU`).
        attribute: &'static str,
        /// The attribute's text.
        value: String,
        /// What is wrong with it.
        defect: NumberDefect,
    },
    /// A well-formed IIN or BIN whose last digit is not its check digit.
    CheckDigitInvalid {
        /// IIN or BIN.
        number: IdKind,
        /// The twelve digits.
        value: String,
        /// The check digit the first eleven digits call for; `None` when none exists.
        expected: Option<u8>,
        /// The last digit as written.
        actual: u8,
    },
    /// Two `OU` values carry different BINs. The first is the profile's BIN.
    ConflictingNumbers {
        /// IIN or BIN.
        number: IdKind,
        /// The number kept.
        kept: String,
        /// The number ignored.
        other: String,
    },
    /// A name attribute whose value is not readable text.
    UndecodableAttribute {
        /// The attribute's short name.
        attribute: &'static str,
        /// Why it could not be read.
        reason: String,
    },
    /// A name attribute that should appear once appears again. The first value is kept.
    RepeatedAttribute {
        /// The attribute's short name.
        attribute: &'static str,
        /// The value ignored.
        value: String,
    },
    /// An extended key usage identifier under Kazakhstan's arc `1.2.398` that is not a known
    /// NCA role.
    UnknownNcaRole {
        /// The identifier.
        #[serde(serialize_with = "ser::oid")]
        oid: ObjectIdentifier,
    },
    /// A certificate policy under Kazakhstan's arc `1.2.398` that is not a known NCA policy.
    UnknownNcaPolicy {
        /// The identifier.
        #[serde(serialize_with = "ser::oid")]
        oid: ObjectIdentifier,
    },
    /// An extension the profile reads could not be decoded; the profile goes on without it.
    MalformedExtension {
        /// The extension's name.
        extension: &'static str,
        /// The decoder's account of the defect.
        reason: String,
    },
    /// An extension the profile reads appears more than once, which
    /// [RFC 5280 §4.2](https://www.rfc-editor.org/rfc/rfc5280#section-4.2) forbids
    /// ("A certificate MUST NOT include more than one instance of a particular extension").
    /// Only the first is read.
    RepeatedExtension {
        /// The extension's name.
        extension: &'static str,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedNumber {
                number,
                attribute,
                value,
                defect,
            } => write!(
                f,
                "{attribute} {value:?} is not {}: it {defect}",
                number.with_article()
            ),
            Self::CheckDigitInvalid {
                number,
                value,
                expected: Some(expected),
                actual,
            } => write!(
                f,
                "{number} {value} fails the check-digit rule: it ends in {actual}, \
                 the rule gives {expected}"
            ),
            Self::CheckDigitInvalid {
                number,
                value,
                expected: None,
                ..
            } => write!(
                f,
                "{number} {value} fails the check-digit rule: no check digit exists for its \
                 first eleven digits"
            ),
            Self::ConflictingNumbers {
                number,
                kept,
                other,
            } => write!(
                f,
                "the subject carries two different {number}s, {kept} and {other}; \
                 {kept} is used"
            ),
            Self::UndecodableAttribute { attribute, reason } => {
                write!(f, "the subject's {attribute} cannot be read: {reason}")
            }
            Self::RepeatedAttribute { attribute, value } => write!(
                f,
                "the subject has more than one {attribute}; {value:?} is ignored"
            ),
            Self::UnknownNcaRole { oid } => write!(f, "unknown NCA role OID {oid}"),
            Self::UnknownNcaPolicy { oid } => write!(f, "unknown NCA policy OID {oid}"),
            Self::MalformedExtension { extension, reason } => {
                write!(f, "the {extension} extension cannot be decoded: {reason}")
            }
            Self::RepeatedExtension { extension } => write!(
                f,
                "the {extension} extension appears more than once; only the first is read"
            ),
        }
    }
}
