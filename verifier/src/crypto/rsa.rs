//! RSA public keys (2048 to 4096 bits) and RSASSA-PKCS1-v1_5 / RSASSA-PSS verification of a
//! message (`ring`) or over a precomputed digest (RustCrypto).

use ::rsa::pkcs1v15::Pkcs1v15Sign;
use ::rsa::pss::Pss;
use ::rsa::{BoxedUint, RsaPublicKey};
use der::asn1::UintRef;
use der::{Decode as _, Sequence};

use super::oid::ID_SHA1;
use super::pss::PssParams;
use super::{DigestAlgorithm, SignatureError};

/// The shortest modulus accepted, in bits. Shorter keys are reported as
/// [`SignatureError::WeakKey`] (SP 800-131A Rev. 2 §3 disallows RSA below 2048 bits for
/// signature generation; ETSI TS 119 312 likewise).
pub(crate) const MIN_MODULUS_BITS: usize = 2048;

/// The longest modulus accepted, in bits. Longer keys are reported as
/// [`SignatureError::UnsupportedKeySize`]: the cost of a public operation grows with the
/// modulus, and nothing Dälel verifies uses more (the National Certification Centre's RSA CA
/// is 4096 bits).
pub(crate) const MAX_MODULUS_BITS: usize = 4096;

/// ```text
/// RSAPublicKey ::= SEQUENCE {
///     modulus           INTEGER,  -- n
///     publicExponent    INTEGER   -- e
/// }
/// ```
///
/// [RFC 8017 Appendix A.1.1](https://www.rfc-editor.org/rfc/rfc8017#appendix-A.1.1).
/// `UintRef` refuses negative values and non-minimal encodings.
#[derive(Sequence)]
struct RsaPublicKeyDer<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// What an RSA key may verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RsaUsage {
    /// An `rsaEncryption` key: PKCS#1 v1.5 and PSS alike.
    Any,
    /// An `id-RSASSA-PSS` key (RFC 4055 §1.2): PSS only; with parameters, only that digest
    /// and at least that salt length (RFC 4055 §3.3).
    PssOnly(Option<PssParams>),
}

/// An RSA verifying key within the supported sizes.
#[derive(Debug, Clone)]
pub(crate) struct RsaKey {
    key: RsaPublicKey,
    /// The modulus and public exponent, big-endian without leading zeros, as `ring` reads
    /// them.
    n: Box<[u8]>,
    e: Box<[u8]>,
    bits: usize,
    usage: RsaUsage,
}

impl RsaKey {
    /// Reads the DER `RSAPublicKey` in a `subjectPublicKey`.
    pub(crate) fn from_der(der: &[u8], usage: RsaUsage) -> Result<Self, SignatureError> {
        let parsed = RsaPublicKeyDer::from_der(der).map_err(|e| SignatureError::MalformedKey {
            reason: format!("RSAPublicKey: {e}"),
        })?;
        let modulus = parsed.modulus.as_bytes();
        let bits = bit_length(modulus);
        if bits < MIN_MODULUS_BITS {
            return Err(SignatureError::WeakKey { bits });
        }
        if bits > MAX_MODULUS_BITS {
            return Err(SignatureError::UnsupportedKeySize { bits });
        }
        let n = BoxedUint::from_be_slice_vartime(modulus);
        let e = BoxedUint::from_be_slice_vartime(parsed.public_exponent.as_bytes());
        // Checks that n is odd, e odd, 2 <= e < 2^33 and e < n.
        let key = RsaPublicKey::new_with_size_limits(n, e, MIN_MODULUS_BITS..=MAX_MODULUS_BITS)
            .map_err(|e| SignatureError::MalformedKey {
                reason: format!("RSA key rejected: {e}"),
            })?;
        Ok(Self {
            key,
            n: Box::from(modulus),
            e: Box::from(parsed.public_exponent.as_bytes()),
            bits,
            usage,
        })
    }

    /// Verifies `signature` over the whole `message` through `ring`: RSASSA-PKCS1-v1_5, or
    /// RSASSA-PSS with a salt as long as the digest (`salt_len`), over SHA-256/384/512.
    /// `None` for what `ring` does not implement (PSS with another salt length), which the
    /// caller then verifies over a digest with [`verify_pkcs1v15`](Self::verify_pkcs1v15) or
    /// [`verify_pss`](Self::verify_pss). The key's size and exponent were checked when it was
    /// read; `ring` accepts every key that passes (2048 to 8192 bits, odd e from 3 to
    /// 2^33 - 1).
    pub(crate) fn verify_message(
        &self,
        pss_salt_len: Option<u32>,
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Option<Result<(), SignatureError>> {
        use DigestAlgorithm::{Sha256, Sha384, Sha512};
        use ring::signature as rs;
        let salt_is_digest_len = |salt_len: u32| {
            usize::try_from(salt_len).is_ok_and(|salt_len| salt_len == digest.output_len())
        };
        let params: &'static rs::RsaParameters = match (pss_salt_len, digest) {
            (None, Sha256) => &rs::RSA_PKCS1_2048_8192_SHA256,
            (None, Sha384) => &rs::RSA_PKCS1_2048_8192_SHA384,
            (None, Sha512) => &rs::RSA_PKCS1_2048_8192_SHA512,
            (Some(salt), Sha256) if salt_is_digest_len(salt) => &rs::RSA_PSS_2048_8192_SHA256,
            (Some(salt), Sha384) if salt_is_digest_len(salt) => &rs::RSA_PSS_2048_8192_SHA384,
            (Some(salt), Sha512) if salt_is_digest_len(salt) => &rs::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        };
        let key = rs::RsaPublicKeyComponents {
            n: &*self.n,
            e: &*self.e,
        };
        Some(
            key.verify(params, message, signature)
                .map_err(|_| SignatureError::Invalid),
        )
    }

    /// The modulus length in bits.
    pub(crate) fn bits(&self) -> usize {
        self.bits
    }

    /// What the key may verify.
    pub(crate) fn usage(&self) -> RsaUsage {
        self.usage
    }

    /// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) of `signature` over `prehash`:
    /// the encoded message is compared whole with `EMSA-PKCS1-v1_5(digest)`, whose
    /// `DigestInfo` carries NULL parameters (RFC 8017 §9.2 note 1).
    pub(crate) fn verify_pkcs1v15(
        &self,
        digest: DigestAlgorithm,
        prehash: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let scheme = match digest {
            DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
            DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            DigestAlgorithm::Sha1 => return Err(sha1_refused()),
        };
        self.key
            .verify(scheme, prehash, signature)
            .map_err(|_| SignatureError::Invalid)
    }

    /// RSASSA-PSS verification (RFC 8017 §8.1.2) of `signature` over `prehash`, with MGF1 over
    /// `digest` and the salt length fixed at `salt_len` (RFC 8017 §9.1.2).
    pub(crate) fn verify_pss(
        &self,
        digest: DigestAlgorithm,
        salt_len: u32,
        prehash: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        // A salt length beyond `usize` cannot fit any modulus: the signature cannot verify.
        let salt_len = usize::try_from(salt_len).map_err(|_| SignatureError::Invalid)?;
        let verified = match digest {
            DigestAlgorithm::Sha256 => self.key.verify(
                Pss::<sha2::Sha256>::new_with_salt(salt_len),
                prehash,
                signature,
            ),
            DigestAlgorithm::Sha384 => self.key.verify(
                Pss::<sha2::Sha384>::new_with_salt(salt_len),
                prehash,
                signature,
            ),
            DigestAlgorithm::Sha512 => self.key.verify(
                Pss::<sha2::Sha512>::new_with_salt(salt_len),
                prehash,
                signature,
            ),
            DigestAlgorithm::Sha1 => return Err(sha1_refused()),
        };
        verified.map_err(|_| SignatureError::Invalid)
    }
}

/// SHA-1 never reaches here ([`super::SignatureAlgorithm`] refuses it); should it, it is
/// refused as unsupported rather than computed.
fn sha1_refused() -> SignatureError {
    SignatureError::Unsupported {
        oid: ID_SHA1,
        name: "SHA-1 in a signature",
    }
}

/// The bit length of a big-endian unsigned integer.
fn bit_length(be: &[u8]) -> usize {
    let mut significant = be.iter().skip_while(|&&b| b == 0);
    match significant.next() {
        None => 0,
        Some(&top) => (significant.count() + 1) * 8 - top.leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0, 0x7f, 0xff]), 15);
    }
}
