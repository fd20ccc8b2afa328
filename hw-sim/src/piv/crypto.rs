//! The card's cryptography: slot keys (P-256 ECDSA/ECDH, raw RSA-2048) and the symmetric
//! management-key cipher (3DES or AES, one ECB block at a time as SP 800-73-4 Part 2 §3.2.4
//! uses it for challenge-response).

use std::fmt;

use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use devices::piv::wire::{KeyAlgorithm, alg, tag};
use devices::tlv;
use p256::ecdsa::signature::hazmat::PrehashSigner as _;
use p256::elliptic_curve::Generate as _;
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _};
use rsa::traits::PublicKeyParts as _;

use crate::Error;

/// Size of an RSA-2048 modulus in bytes.
const RSA_2048_BYTES: usize = 256;

/// Why a private-key operation was refused; each maps to a status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpError {
    /// The input does not fit the key (wrong length, not below the modulus, not a point).
    BadInput,
    /// The arithmetic failed.
    Failed,
}

/// A private key held in a slot.
pub(crate) enum PrivateKey {
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({:?})", self.algorithm())
    }
}

impl PrivateKey {
    /// A fresh key from the operating system's random source.
    pub(crate) fn generate(algorithm: KeyAlgorithm) -> Result<PrivateKey, Error> {
        match algorithm {
            KeyAlgorithm::EccP256 => p256::ecdsa::SigningKey::try_generate()
                .map(PrivateKey::P256)
                .map_err(|_| Error::Random),
            KeyAlgorithm::Rsa2048 => {
                let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
                rsa::RsaPrivateKey::new(&mut rng, 2048)
                    .map(|k| PrivateKey::Rsa(Box::new(k)))
                    .map_err(|e| Error::Crypto(e.to_string()))
            }
        }
    }

    /// Loads a PKCS#8 `PrivateKeyInfo`, checking it is of `algorithm`.
    pub(crate) fn from_pkcs8(algorithm: KeyAlgorithm, der: &[u8]) -> Result<PrivateKey, Error> {
        let key = match algorithm {
            KeyAlgorithm::EccP256 => p256::ecdsa::SigningKey::from_pkcs8_der(der)
                .map(PrivateKey::P256)
                .map_err(|e| Error::Crypto(format!("P-256 PKCS#8: {e}")))?,
            KeyAlgorithm::Rsa2048 => rsa::RsaPrivateKey::from_pkcs8_der(der)
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(|e| Error::Crypto(format!("RSA PKCS#8: {e}")))?,
        };
        if let PrivateKey::Rsa(k) = &key
            && k.size() != RSA_2048_BYTES
        {
            return Err(Error::Crypto(format!("RSA key of {} bits", k.size() * 8)));
        }
        Ok(key)
    }

    /// RSA-2048 from its primes (Yubico IMPORT KEY sends p, q and the CRT values).
    pub(crate) fn rsa_from_primes(p: &[u8], q: &[u8]) -> Result<PrivateKey, Error> {
        use rsa::BoxedUint;
        let uint = |b: &[u8]| BoxedUint::from_be_slice_vartime(b);
        let key = rsa::RsaPrivateKey::from_p_q(uint(p), uint(q), BoxedUint::from(65_537u32))
            .map_err(|e| Error::Crypto(e.to_string()))?;
        if key.size() != RSA_2048_BYTES {
            return Err(Error::Crypto(format!("RSA key of {} bits", key.size() * 8)));
        }
        Ok(PrivateKey::Rsa(Box::new(key)))
    }

    /// P-256 from its private scalar.
    pub(crate) fn p256_from_scalar(scalar: &[u8]) -> Result<PrivateKey, Error> {
        p256::ecdsa::SigningKey::from_slice(scalar)
            .map(PrivateKey::P256)
            .map_err(|e| Error::Crypto(e.to_string()))
    }

    pub(crate) fn algorithm(&self) -> KeyAlgorithm {
        match self {
            PrivateKey::P256(_) => KeyAlgorithm::EccP256,
            PrivateKey::Rsa(_) => KeyAlgorithm::Rsa2048,
        }
    }

    pub(crate) fn to_pkcs8(&self) -> Result<Vec<u8>, Error> {
        let doc = match self {
            PrivateKey::P256(k) => k.to_pkcs8_der(),
            PrivateKey::Rsa(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| Error::Crypto(e.to_string()))?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The `SubjectPublicKeyInfo` DER of the public half.
    pub(crate) fn public_key_der(&self) -> Result<Vec<u8>, Error> {
        let doc = match self {
            PrivateKey::P256(k) => k.verifying_key().to_public_key_der(),
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
        }
        .map_err(|e| Error::Crypto(e.to_string()))?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The contents of the `7F49` public-key template (SP 800-73-4 Part 2 Table 11): `86` with
    /// the uncompressed point, or `81` modulus and `82` exponent.
    pub(crate) fn public_template_contents(&self) -> Vec<u8> {
        match self {
            PrivateKey::P256(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                tlv::encode(tag::EC_POINT, point.as_bytes())
            }
            PrivateKey::Rsa(k) => {
                let mut out = tlv::encode(tag::RSA_MODULUS, &k.n_bytes());
                tlv::write(&mut out, tag::RSA_EXPONENT, &k.e_bytes());
                out
            }
        }
    }

    /// The card's part of a signature (GENERAL AUTHENTICATE with a `81` challenge).
    ///
    /// P-256: `input` is the hash; it is converted to an integer as ECDSA's bits2int does
    /// (left-padded if shorter than 32 bytes, its leftmost 256 bits if longer), and the answer
    /// is a DER `ECDSA-Sig-Value`. RSA: `input` is the block the host already padded, exactly
    /// the modulus size, and the answer is the raw `input^d mod n` (RSASP1, RFC 8017 §5.2.1).
    pub(crate) fn sign(&self, input: &[u8]) -> Result<Vec<u8>, OpError> {
        match self {
            PrivateKey::P256(k) => {
                if input.is_empty() {
                    return Err(OpError::BadInput);
                }
                let mut hash = [0u8; 32];
                let n = input.len().min(32);
                hash[32 - n..].copy_from_slice(&input[..n]);
                let sig: p256::ecdsa::DerSignature =
                    k.sign_prehash(&hash).map_err(|_| OpError::Failed)?;
                Ok(sig.as_bytes().to_vec())
            }
            PrivateKey::Rsa(k) => {
                if input.len() != RSA_2048_BYTES {
                    return Err(OpError::BadInput);
                }
                let n = k.n();
                let c = rsa::BoxedUint::from_be_slice(input, n.as_ref().bits_precision())
                    .map_err(|_| OpError::BadInput)?;
                if c >= *n.as_ref() {
                    return Err(OpError::BadInput);
                }
                let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
                let m = rsa::hazmat::rsa_decrypt_and_check(k.as_ref(), Some(&mut rng), &c)
                    .map_err(|_| OpError::Failed)?;
                let bytes = m.to_be_bytes();
                // Fixed width: the modulus size, left-padded (I2OSP).
                let mut out = vec![0u8; RSA_2048_BYTES];
                let skip = bytes.len().saturating_sub(RSA_2048_BYTES);
                let tail = &bytes[skip..];
                out[RSA_2048_BYTES - tail.len()..].copy_from_slice(tail);
                Ok(out)
            }
        }
    }

    /// ECDH with a peer's uncompressed point (GENERAL AUTHENTICATE with `85`): the shared
    /// x-coordinate (SP 800-73-4 Part 2 §3.2.4, key establishment schemes).
    pub(crate) fn ecdh(&self, peer: &[u8]) -> Result<Vec<u8>, OpError> {
        let PrivateKey::P256(k) = self else {
            return Err(OpError::BadInput);
        };
        let peer = p256::PublicKey::from_sec1_bytes(peer).map_err(|_| OpError::BadInput)?;
        let shared = p256::ecdh::diffie_hellman(k.as_nonzero_scalar(), peer.as_affine());
        Ok(shared.raw_secret_bytes().to_vec())
    }
}

/// Size of the challenge blocks of a management-key algorithm (its cipher's block size).
pub(crate) fn block_len(algorithm: u8) -> usize {
    if algorithm == alg::TDES { 8 } else { 16 }
}

/// Encrypts one block with the management key (ECB, no padding).
pub(crate) fn mgmt_encrypt(algorithm: u8, key: &[u8], block: &[u8]) -> Option<Vec<u8>> {
    fn one<C: BlockCipherEncrypt + KeyInit>(key: &[u8], block: &[u8]) -> Option<Vec<u8>> {
        let cipher = C::new_from_slice(key).ok()?;
        let mut b = Array::try_from(block).ok()?;
        cipher.encrypt_block(&mut b);
        Some(b.to_vec())
    }
    match algorithm {
        alg::TDES => one::<des::TdesEde3>(key, block),
        alg::AES_128 => one::<aes::Aes128>(key, block),
        alg::AES_192 => one::<aes::Aes192>(key, block),
        alg::AES_256 => one::<aes::Aes256>(key, block),
        _ => None,
    }
}

/// `n` random bytes.
pub(crate) fn random(n: usize) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; n];
    getrandom::fill(&mut out).map_err(|_| Error::Random)?;
    Ok(out)
}

/// Compares two secrets without an early exit, so timing does not say where they differ.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
