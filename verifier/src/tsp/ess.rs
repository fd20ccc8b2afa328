//! The ESS `SigningCertificateV2` attribute ([RFC 5035 §3](https://www.rfc-editor.org/rfc/rfc5035#section-3)).
//!
//! A time-stamp token's signer info carries this signed attribute so that the token names the
//! exact certificate of the TSA that signed it
//! ([RFC 5816 §2.2.1](https://www.rfc-editor.org/rfc/rfc5816#section-2.2.1)), closing the
//! substitution attack of RFC 3161 §2.4.1 without tying tokens to SHA-1.

use der::{
    DecodeValue, EncodeValue, ErrorKind, FixedTag, Header, Length, Reader, Sequence, Tag, Writer,
    asn1::OctetString,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::{
    ext::pkix::{certpolicy::PolicyInformation, name::GeneralNames},
    serial_number::SerialNumber,
};

use super::ID_SHA256;

/// The attribute value binding a signature to its signer's certificate(s).
///
/// ```text
/// SigningCertificateV2 ::=  SEQUENCE {
///     certs        SEQUENCE OF ESSCertIDv2,
///     policies     SEQUENCE OF PolicyInformation OPTIONAL
/// }
/// ```
///
/// [RFC 5035 §3](https://www.rfc-editor.org/rfc/rfc5035#section-3). The first `ESSCertIDv2`
/// identifies the signing certificate.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// `certs`: the signer's certificate first, optionally followed by others in its path.
    pub certs: Vec<EssCertIdV2>,
    /// `policies`.
    pub policies: Option<Vec<PolicyInformation>>,
}

/// The identification of one certificate by its hash.
///
/// ```text
/// ESSCertIDv2 ::=  SEQUENCE {
///     hashAlgorithm           AlgorithmIdentifier
///            DEFAULT {algorithm id-sha256},
///     certHash                 Hash,
///     issuerSerial             IssuerSerial OPTIONAL
/// }
///
/// Hash ::= OCTET STRING
/// ```
///
/// [RFC 5035 §4](https://www.rfc-editor.org/rfc/rfc5035#section-4). `certHash` is the hash of
/// the whole DER certificate.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// `hashAlgorithm`: `None` for the `DEFAULT`, SHA-256, which DER encodes by omission.
    /// [`EssCertIdV2::effective_hash_algorithm`] resolves it.
    pub hash_algorithm: Option<EssHashAlgorithm>,
    /// `certHash`.
    pub cert_hash: OctetString,
    /// `issuerSerial`.
    pub issuer_serial: Option<IssuerSerial>,
}

/// The issuer and serial number of an identified certificate.
///
/// ```text
/// IssuerSerial ::= SEQUENCE {
///     issuer                   GeneralNames,
///     serialNumber             CertificateSerialNumber
/// }
/// ```
///
/// [RFC 5035 §4](https://www.rfc-editor.org/rfc/rfc5035#section-4)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    /// `issuer`: the certificate's issuer, as a `directoryName`.
    pub issuer: GeneralNames,
    /// `serialNumber`.
    pub serial_number: SerialNumber,
}

impl EssCertIdV2 {
    /// The identification of the certificate whose DER encoding hashes to `sha256`, by hash
    /// alone (no `issuerSerial`).
    ///
    /// # Errors
    /// Only if `der` refuses a 32-byte OCTET STRING, which it does not.
    pub fn sha256(sha256: &[u8; 32]) -> der::Result<Self> {
        Ok(Self {
            hash_algorithm: None,
            cert_hash: OctetString::new(sha256.as_slice())?,
            issuer_serial: None,
        })
    }

    /// The hash algorithm in force: the encoded one, or SHA-256 when omitted.
    pub fn effective_hash_algorithm(&self) -> AlgorithmIdentifierOwned {
        self.hash_algorithm
            .as_ref()
            .map_or_else(sha256_without_parameters, |a| a.algorithm().clone())
    }
}

fn sha256_without_parameters() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    }
}

/// An explicitly encoded `hashAlgorithm` of an [`EssCertIdV2`]: anything but the default.
///
/// The default is `{algorithm id-sha256}` with parameters absent. DER forbids encoding a
/// component equal to its default ([X.690 §11.5](https://www.itu.int/rec/T-REC-X.690)), so that
/// value is represented by leaving [`EssCertIdV2::hash_algorithm`] `None`: this type cannot
/// hold it, and decoding it spelled out is an [`ErrorKind::Noncanonical`] error. (SHA-256 with
/// explicit NULL parameters is a different value and is kept as written.)
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct EssHashAlgorithm(AlgorithmIdentifierOwned);

impl EssHashAlgorithm {
    /// The algorithm identifier `algorithm`, or `None` if it is the default (SHA-256 without
    /// parameters), which is expressed by omitting the field.
    pub fn new(algorithm: AlgorithmIdentifierOwned) -> Option<Self> {
        (algorithm != sha256_without_parameters()).then_some(Self(algorithm))
    }

    /// The algorithm identifier.
    pub const fn algorithm(&self) -> &AlgorithmIdentifierOwned {
        &self.0
    }
}

impl FixedTag for EssHashAlgorithm {
    const TAG: Tag = Tag::Sequence;
}

impl<'a> DecodeValue<'a> for EssHashAlgorithm {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let algorithm = AlgorithmIdentifierOwned::decode_value(reader, header)?;
        Self::new(algorithm)
            .ok_or_else(|| reader.error(ErrorKind::Noncanonical { tag: Tag::Sequence }))
    }
}

impl EncodeValue for EssHashAlgorithm {
    fn value_len(&self) -> der::Result<Length> {
        self.0.value_len()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.encode_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode, asn1::ObjectIdentifier};

    #[test]
    fn default_hash_algorithm_is_omitted() {
        let id = EssCertIdV2::sha256(&[0xab; 32]).unwrap();
        assert_eq!(id.effective_hash_algorithm().oid, ID_SHA256);
        assert!(EssHashAlgorithm::new(id.effective_hash_algorithm()).is_none());
        let der = id.to_der().unwrap();
        // SEQUENCE { OCTET STRING (32) } only.
        assert_eq!(&der[..4], &[0x30, 0x22, 0x04, 0x20]);
        assert_eq!(EssCertIdV2::from_der(&der).unwrap(), id);
    }

    #[test]
    fn explicit_default_hash_algorithm_is_not_der() {
        // SEQUENCE { SEQUENCE { id-sha256 }, OCTET STRING (1) }
        let mut der = vec![0x30, 0x10, 0x30, 0x0b, 0x06, 0x09];
        der.extend_from_slice(ID_SHA256.as_bytes());
        der.extend_from_slice(&[0x04, 0x01, 0x00]);
        let err = EssCertIdV2::from_der(&der).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Noncanonical { tag: Tag::Sequence });
    }

    #[test]
    fn other_hash_algorithm_is_kept() {
        let sha512 = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
        let mut id = EssCertIdV2::sha256(&[0xab; 32]).unwrap();
        id.hash_algorithm = EssHashAlgorithm::new(AlgorithmIdentifierOwned {
            oid: sha512,
            parameters: None,
        });
        let der = id.to_der().unwrap();
        let back = EssCertIdV2::from_der(&der).unwrap();
        assert_eq!(back.effective_hash_algorithm().oid, sha512);
        assert_eq!(back.to_der().unwrap(), der);
    }
}
