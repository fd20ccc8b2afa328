//! Serialisation helpers for the report types: identifiers as dotted strings, hashes and
//! serial numbers as lowercase hex, whole DER objects as base64, times as RFC 3339.

use core::fmt::Display;

use base64::Engine as _;
use const_oid::ObjectIdentifier;
use serde::Serializer;

/// `1.2.840.113549.1.7.1` rather than the encoding's bytes.
pub(crate) fn oid<S: Serializer>(oid: &ObjectIdentifier, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(oid)
}

/// Bytes as lowercase hex.
pub(crate) fn hex<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&::hex::encode(bytes))
}

/// Optional bytes as lowercase hex.
pub(crate) fn hex_opt<S: Serializer>(
    bytes: &Option<Vec<u8>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(bytes) => hex(bytes, serializer),
        None => serializer.serialize_none(),
    }
}

/// Bytes as standard base64 with padding.
pub(crate) fn base64<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Anything through its `Display` form.
pub(crate) fn display<T: Display, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// An optional value through its `Display` form.
pub(crate) fn display_opt<T: Display, S: Serializer>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.collect_str(value),
        None => serializer.serialize_none(),
    }
}
