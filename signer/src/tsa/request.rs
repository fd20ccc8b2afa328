//! What the authority accepts in a `TimeStampReq` (RFC 3161 §2.4.1), and why it refuses
//! the rest.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512};
use der::asn1::{Int, Null, OctetString};
use der::{Any, Decode as _};
use spki::AlgorithmIdentifierOwned;
use verifier::tsp::{MessageImprint, TimeStampReq};

use super::RequestError;

/// The hash algorithms of the message imprints this authority time-stamps.
///
/// SHA-1 and anything else are refused with `badAlg`: RFC 3161 §2.4.1 lets the TSA refuse
/// a hash algorithm it does not consider strong enough, and a token over a SHA-1 imprint
/// would prove nothing against a chosen-prefix collision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImprintAlgorithm {
    /// SHA-256 (FIPS 180-4), 32 bytes.
    Sha256,
    /// SHA-384 (FIPS 180-4), 48 bytes.
    Sha384,
    /// SHA-512 (FIPS 180-4), 64 bytes.
    Sha512,
}

impl ImprintAlgorithm {
    /// The algorithm `oid` names (RFC 5754 §2), if accepted here.
    #[must_use]
    pub fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        match oid {
            ID_SHA_256 => Some(Self::Sha256),
            ID_SHA_384 => Some(Self::Sha384),
            ID_SHA_512 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Its object identifier (RFC 5754 §2).
    #[must_use]
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha256 => ID_SHA_256,
            Self::Sha384 => ID_SHA_384,
            Self::Sha512 => ID_SHA_512,
        }
    }

    /// Its output length in bytes.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Its name, e.g. `SHA-256`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// The message imprint of `digest` under this algorithm, parameters absent (RFC 5754 §2).
    ///
    /// # Errors
    /// [`RequestError::ImprintLength`] when `digest` is not as long as the algorithm's
    /// output.
    pub fn imprint(self, digest: &[u8]) -> Result<MessageImprint, RequestError> {
        self.check_len(digest.len())?;
        Ok(MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: self.oid(),
                parameters: None,
            },
            hashed_message: OctetString::new(digest).map_err(RequestError::Malformed)?,
        })
    }

    fn check_len(self, actual: usize) -> Result<(), RequestError> {
        if actual == self.output_len() {
            Ok(())
        } else {
            Err(RequestError::ImprintLength {
                algorithm: self.name(),
                expected: self.output_len(),
                actual,
            })
        }
    }
}

/// A request the authority grants: what its token echoes.
#[derive(Debug)]
pub(crate) struct Accepted {
    /// The imprint, exactly as sent (RFC 3161 §2.4.2: "MUST have the same value as the
    /// similar field in TimeStampReq").
    pub(crate) imprint: MessageImprint,
    /// The nonce, echoed if present.
    pub(crate) nonce: Option<Int>,
    /// Whether the token must carry the TSA certificate (RFC 3161 §2.4.1 `certReq`).
    pub(crate) cert_req: bool,
}

/// Reads a DER `TimeStampReq` and decides whether `policy`'s authority grants it. The order
/// of the checks fixes which failure code a request with several faults gets.
pub(crate) fn evaluate(der: &[u8], policy: ObjectIdentifier) -> Result<Accepted, RequestError> {
    let request = TimeStampReq::from_der(der).map_err(RequestError::Malformed)?;
    let imprint = request.message_imprint;
    let algorithm = &imprint.hash_algorithm;
    let accepted =
        ImprintAlgorithm::from_oid(algorithm.oid).ok_or(RequestError::Algorithm(algorithm.oid))?;
    // RFC 5754 §2: SHA-2 parameters are absent, and NULL must be accepted too.
    if !algorithm.parameters.as_ref().is_none_or(is_null) {
        return Err(RequestError::AlgorithmParameters(algorithm.oid));
    }
    accepted.check_len(imprint.hashed_message.as_bytes().len())?;
    if let Some(requested) = request.req_policy
        && requested != policy
    {
        return Err(RequestError::Policy {
            requested,
            ours: policy,
        });
    }
    if let Some(extensions) = request.extensions {
        // An empty SEQUENCE OF is still "extensions present", and none is understood.
        return Err(RequestError::Extensions(
            extensions.iter().map(|e| e.extn_id).collect(),
        ));
    }
    Ok(Accepted {
        imprint,
        nonce: request.nonce,
        cert_req: request.cert_req.get(),
    })
}

fn is_null(any: &Any) -> bool {
    any.decode_as::<Null>().is_ok()
}
