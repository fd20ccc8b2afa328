//! Signature type `0x02`: ECDSA on NIST P-256, as the transparency-dev witness signs notes.

use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use sha2::{Digest as _, Sha256};

use super::{NoteError, NoteVerifier, is_valid_key_name};

/// A note verifier for signature type `0x02`: ECDSA, "as implemented by
/// github.com/transparency-dev/witness" (signed-note §Signature types), on NIST P-256.
///
/// The signature is an ASN.1 DER `Ecdsa-Sig-Value` (RFC 3279 §2.2.3) over SHA-256 of the note
/// text. The key ID is the first four bytes (big-endian) of SHA-256 of the DER-encoded
/// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
#[derive(Debug, Clone)]
pub struct EcdsaP256NoteVerifier {
    name: String,
    key: p256::ecdsa::VerifyingKey,
    key_id: u32,
}

impl EcdsaP256NoteVerifier {
    /// A verifier for `key` under `name`.
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`], or [`NoteError::PublicKey`] if the key cannot be encoded.
    pub fn new(name: &str, key: p256::ecdsa::VerifyingKey) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName {
                name: name.to_owned(),
            });
        }
        // Hash a fresh encoding (uncompressed point) so a compressed input key gets the same
        // ID as the signer's, which is computed from the standard encoding.
        let spki = key.to_public_key_der().map_err(|e| NoteError::PublicKey {
            reason: e.to_string(),
        })?;
        let digest: [u8; 32] = Sha256::digest(spki.as_bytes()).into();
        let key_id = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
        Ok(Self {
            name: name.to_owned(),
            key,
            key_id,
        })
    }

    /// A verifier for a PEM `PUBLIC KEY` (SubjectPublicKeyInfo, RFC 5280 §4.1.2.7) under
    /// `name`.
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`], or [`NoteError::PublicKey`] if the PEM is not a P-256
    /// public key.
    pub fn from_public_key_pem(name: &str, pem: &str) -> Result<Self, NoteError> {
        let key = p256::ecdsa::VerifyingKey::from_public_key_pem(pem).map_err(|e| {
            NoteError::PublicKey {
                reason: e.to_string(),
            }
        })?;
        Self::new(name, key)
    }

    /// A verifier for a DER SubjectPublicKeyInfo under `name`.
    ///
    /// # Errors
    /// As [`Self::from_public_key_pem`].
    pub fn from_public_key_der(name: &str, der: &[u8]) -> Result<Self, NoteError> {
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|e| {
            NoteError::PublicKey {
                reason: e.to_string(),
            }
        })?;
        Self::new(name, key)
    }

    /// The same key under another name (the key ID does not depend on the name).
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`].
    pub fn with_name(&self, name: &str) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName {
                name: name.to_owned(),
            });
        }
        Ok(Self {
            name: name.to_owned(),
            ..self.clone()
        })
    }

    /// The public key.
    #[must_use]
    pub fn verifying_key(&self) -> &p256::ecdsa::VerifyingKey {
        &self.key
    }
}

impl NoteVerifier for EcdsaP256NoteVerifier {
    fn key_name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        match p256::ecdsa::Signature::from_der(signature) {
            // `verify` hashes `text` with SHA-256, the digest type 0x02 uses for P-256.
            Ok(sig) => self.key.verify(text, &sig).is_ok(),
            Err(_) => false,
        }
    }
}
