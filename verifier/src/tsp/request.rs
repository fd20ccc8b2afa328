//! The time-stamp request ([RFC 3161 §2.4.1](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.1)).

use const_oid::ObjectIdentifier;
use der::{
    Decode, Sequence,
    asn1::{Int, OctetString},
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extensions;

use super::{DefaultFalse, ID_SHA256, TspError, TspVersion, digest_output_len};

/// The identifier of a TSA policy.
///
/// ```text
/// TSAPolicyId ::= OBJECT IDENTIFIER
/// ```
///
/// [RFC 3161 §2.4.1](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.1)
pub type TsaPolicyId = ObjectIdentifier;

/// The hash of the datum to be time-stamped, with the algorithm that produced it.
///
/// ```text
/// MessageImprint ::= SEQUENCE  {
///      hashAlgorithm                AlgorithmIdentifier,
///      hashedMessage                OCTET STRING  }
/// ```
///
/// [RFC 3161 §2.4.1](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.1): "The hash is
/// represented as an OCTET STRING. Its length MUST match the length of the hash value for that
/// algorithm". [`MessageImprint::check_length`] applies that rule for the algorithms
/// [`digest_output_len`] knows.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    /// `hashAlgorithm`.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// `hashedMessage`.
    pub hashed_message: OctetString,
}

impl MessageImprint {
    /// An imprint of a SHA-256 digest, with the algorithm parameters absent as
    /// [RFC 5754 §2](https://www.rfc-editor.org/rfc/rfc5754#section-2) prefers.
    ///
    /// # Errors
    /// Only if `der` refuses a 32-byte OCTET STRING, which it does not; the `Result` mirrors
    /// [`OctetString::new`].
    pub fn sha256(digest: &[u8; 32]) -> der::Result<Self> {
        Ok(Self {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: ID_SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(digest.as_slice())?,
        })
    }

    /// Checks that `hashedMessage` is as long as `hashAlgorithm`'s output. Algorithms unknown
    /// to [`digest_output_len`] pass: their length is for the verifier that knows them.
    ///
    /// # Errors
    /// [`TspError::ImprintLength`] on a mismatch.
    pub fn check_length(&self) -> Result<(), TspError> {
        let actual = self.hashed_message.as_bytes().len();
        match digest_output_len(&self.hash_algorithm.oid) {
            Some(expected) if expected != actual => Err(TspError::ImprintLength {
                algorithm: self.hash_algorithm.oid,
                expected,
                actual,
            }),
            _ => Ok(()),
        }
    }
}

/// A request for a time-stamp token.
///
/// ```text
/// TimeStampReq ::= SEQUENCE  {
///    version                      INTEGER  { v1(1) },
///    messageImprint               MessageImprint,
///      --a hash algorithm OID and the hash value of the data to be
///      --time-stamped
///    reqPolicy             TSAPolicyId              OPTIONAL,
///    nonce                 INTEGER                  OPTIONAL,
///    certReq               BOOLEAN                  DEFAULT FALSE,
///    extensions            [0] IMPLICIT Extensions  OPTIONAL  }
/// ```
///
/// [RFC 3161 §2.4.1](https://www.rfc-editor.org/rfc/rfc3161#section-2.4.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    /// `version`: always `v1`.
    pub version: TspVersion,
    /// `messageImprint`.
    pub message_imprint: MessageImprint,
    /// `reqPolicy`: the policy under which the requester wants the token issued.
    pub req_policy: Option<TsaPolicyId>,
    /// `nonce`: a large random number the response must echo, guarding against replay.
    pub nonce: Option<Int>,
    /// `certReq`: whether the TSA should include its certificate in the token.
    #[asn1(default = "Default::default")]
    pub cert_req: DefaultFalse,
    /// `extensions`.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

impl TimeStampReq {
    /// Decodes a DER `TimeStampReq` and checks its imprint length.
    ///
    /// # Errors
    /// [`TspError::Malformed`] for bytes that are not a DER `TimeStampReq`;
    /// [`TspError::ImprintLength`] for an imprint of the wrong length.
    pub fn parse(der: &[u8]) -> Result<Self, TspError> {
        let req = Self::from_der(der).map_err(|source| TspError::Malformed {
            structure: "TimeStampReq",
            source,
        })?;
        req.message_imprint.check_length()?;
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    #[test]
    fn minimal_request_round_trips() {
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint::sha256(&[7; 32]).unwrap(),
            req_policy: None,
            nonce: None,
            cert_req: DefaultFalse::default(),
            extensions: None,
        };
        let der = req.to_der().unwrap();
        // certReq FALSE is omitted: version, imprint, nothing else.
        assert_eq!(&der[..5], &[0x30, 0x34, 0x02, 0x01, 0x01]);
        assert_eq!(der.len(), 2 + 0x34);
        assert_eq!(TimeStampReq::parse(&der).unwrap(), req);
    }

    #[test]
    fn wrong_imprint_length_is_reported() {
        let mut imprint = MessageImprint::sha256(&[7; 32]).unwrap();
        imprint.hashed_message = OctetString::new(vec![0; 20]).unwrap();
        let err = imprint.check_length().unwrap_err();
        assert!(matches!(
            err,
            TspError::ImprintLength {
                expected: 32,
                actual: 20,
                ..
            }
        ));
    }
}
