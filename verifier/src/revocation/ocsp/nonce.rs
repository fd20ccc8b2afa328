//! The OCSP nonce extension ([RFC 6960 §4.4.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.4.1),
//! length rules of [RFC 8954 §2.1](https://www.rfc-editor.org/rfc/rfc8954#section-2.1)).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE;
use der::{Decode as _, Encode as _, asn1::OctetString};
use x509_cert::ext::Extension;

use crate::revocation::DecodeError;
use crate::revocation::ext::find_extension;

/// A request nonce, binding a response to the request that asked for it.
///
/// ```text
/// id-pkix-ocsp-nonce     OBJECT IDENTIFIER ::= { id-pkix-ocsp 2 }
/// Nonce ::= OCTET STRING(SIZE(1..32))
/// ```
///
/// [RFC 8954 §2.1](https://www.rfc-editor.org/rfc/rfc8954#section-2.1) bounds the length to
/// 1..32 octets and says a client SHOULD use 32; [`OcspNonce::random`] does. The extension's
/// `extnValue` holds the DER of the `Nonce` OCTET STRING.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OcspNonce {
    value: Vec<u8>,
    /// The `extnValue`: the DER of `value` as an OCTET STRING.
    extn_value: OctetString,
}

impl OcspNonce {
    /// The object identifier of the extension.
    pub const OID: ObjectIdentifier = ID_PKIX_OCSP_NONCE;

    /// The length RFC 8954 §2.1 recommends, and [`OcspNonce::random`] uses.
    pub const RECOMMENDED_LEN: usize = 32;

    /// A nonce of 32 bytes from the operating system's random source.
    ///
    /// # Errors
    /// [`DecodeError::Random`] if the operating system has no randomness to give.
    pub fn random() -> Result<Self, DecodeError> {
        let mut bytes = [0u8; Self::RECOMMENDED_LEN];
        getrandom::fill(&mut bytes).map_err(|e| DecodeError::Random(e.to_string()))?;
        Self::new(&bytes)
    }

    /// A nonce with the given value.
    ///
    /// # Errors
    /// [`DecodeError::NonceLength`] unless `bytes` is 1 to 32 bytes long.
    pub fn new(bytes: &[u8]) -> Result<Self, DecodeError> {
        if !(1..=Self::RECOMMENDED_LEN).contains(&bytes.len()) {
            return Err(DecodeError::NonceLength { len: bytes.len() });
        }
        let extn_value = OctetString::new(bytes)
            .and_then(|inner| inner.to_der())
            .and_then(OctetString::new)
            .map_err(DecodeError::der("Nonce"))?;
        Ok(Self {
            value: bytes.to_vec(),
            extn_value,
        })
    }

    /// The nonce value.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.value
    }

    /// The `extnValue` of the extension carrying this nonce: the DER of the OCTET STRING.
    #[must_use]
    pub fn extension_value(&self) -> &[u8] {
        self.extn_value.as_bytes()
    }

    /// The non-critical request extension carrying this nonce (RFC 6960 §4.4.1).
    #[must_use]
    pub fn to_extension(&self) -> Extension {
        Extension {
            extn_id: Self::OID,
            critical: false,
            extn_value: self.extn_value.clone(),
        }
    }

    /// Reads the nonce extension among `extensions`, if present.
    ///
    /// # Errors
    /// [`DecodeError::DuplicateExtension`] if it appears twice (RFC 5280 §4.2 forbids
    /// repeating an extension, and RFC 6960 reuses that syntax); [`DecodeError::Der`] if its
    /// value is not an OCTET STRING; [`DecodeError::NonceLength`] outside 1..32 bytes.
    pub fn find(extensions: Option<&[Extension]>) -> Result<Option<Self>, DecodeError> {
        let Some(ext) = find_extension(extensions, Self::OID)? else {
            return Ok(None);
        };
        let value =
            OctetString::from_der(ext.extn_value.as_bytes()).map_err(DecodeError::der("Nonce"))?;
        Self::new(value.as_bytes()).map(Some)
    }
}

/// DER of `value` as an OCTET STRING: used by tests to compare with [`OcspNonce::extension_value`].
#[cfg(test)]
fn octet_string_der(value: &[u8]) -> Vec<u8> {
    OctetString::new(value)
        .and_then(|o| o.to_der())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn random_nonce_is_32_bytes_and_round_trips() {
        let a = OcspNonce::random().unwrap();
        let b = OcspNonce::random().unwrap();
        assert_eq!(a.as_bytes().len(), 32);
        assert_ne!(a, b);
        assert_eq!(a.extension_value(), octet_string_der(a.as_bytes()));
        let ext = a.to_extension();
        assert!(!ext.critical);
        let back = OcspNonce::find(Some(&[ext])).unwrap().unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn length_bounds() {
        assert!(matches!(
            OcspNonce::new(&[]),
            Err(DecodeError::NonceLength { len: 0 })
        ));
        assert!(matches!(
            OcspNonce::new(&[0; 33]),
            Err(DecodeError::NonceLength { len: 33 })
        ));
        assert!(OcspNonce::new(&[7]).is_ok());
    }

    #[test]
    fn duplicate_nonce_is_refused() {
        let ext = OcspNonce::new(&[1, 2, 3]).unwrap().to_extension();
        let twice = [ext.clone(), ext];
        assert!(matches!(
            OcspNonce::find(Some(&twice)),
            Err(DecodeError::DuplicateExtension { .. })
        ));
        assert_eq!(
            crate::revocation::ext::first_duplicate(Some(&twice)),
            Some(OcspNonce::OID)
        );
    }
}
