//! Looking up extensions in a list (RFC 5280 §4.1 and §5.1 `Extensions`, reused by RFC 6960).

use const_oid::ObjectIdentifier;
use der::Decode;
use x509_cert::ext::Extension;

use super::DecodeError;

/// The one extension with `oid` among `extensions`.
///
/// # Errors
/// [`DecodeError::DuplicateExtension`] if there are several.
pub(crate) fn find_extension(
    extensions: Option<&[Extension]>,
    oid: ObjectIdentifier,
) -> Result<Option<&Extension>, DecodeError> {
    let mut found = extensions
        .unwrap_or_default()
        .iter()
        .filter(|e| e.extn_id == oid);
    let first = found.next();
    if found.next().is_some() {
        return Err(DecodeError::DuplicateExtension { oid });
    }
    Ok(first)
}

/// Whether `extensions` repeat an OID.
pub(crate) fn first_duplicate(extensions: Option<&[Extension]>) -> Option<ObjectIdentifier> {
    let extensions = extensions.unwrap_or_default();
    extensions.iter().enumerate().find_map(|(i, e)| {
        extensions[..i]
            .iter()
            .any(|earlier| earlier.extn_id == e.extn_id)
            .then_some(e.extn_id)
    })
}

/// Decodes the extension with `oid` among `extensions`, if present.
///
/// # Errors
/// [`DecodeError::Extension`] if its value does not decode as `T`.
pub(crate) fn decode_extension<T: for<'a> Decode<'a, Error = der::Error>>(
    extensions: Option<&[Extension]>,
    oid: ObjectIdentifier,
) -> Result<Option<T>, DecodeError> {
    extensions
        .unwrap_or_default()
        .iter()
        .find(|e| e.extn_id == oid)
        .map(|e| {
            T::from_der(e.extn_value.as_bytes())
                .map_err(|source| DecodeError::Extension { oid, source })
        })
        .transpose()
}
