//! The OCSP request ([RFC 6960 §4.1.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.1.1)).

use der::{
    Decode as _, Encode as _, Enumerated, Sequence,
    asn1::{BitString, OctetString},
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::{
    Certificate, ext::Extensions, ext::pkix::name::GeneralName, serial_number::SerialNumber,
};

use super::OcspNonce;
use crate::crypto::DigestAlgorithm;
use crate::revocation::DecodeError;

/// The syntax version of an OCSP request or response. RFC 6960 defines only `v1`.
///
/// ```text
/// Version ::= INTEGER { v1(0) }
/// ```
///
/// [RFC 6960 §4.1.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.1.1). Both places that
/// use it declare it `DEFAULT v1`, so in DER the field is always absent (X.690 §11.5); the
/// `parse` constructors reject an explicit `v1` as non-canonical.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Hash, Enumerated)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum OcspVersion {
    /// `v1(0)`.
    #[default]
    V1 = 0,
}

/// Which certificate a request or a single response is about.
///
/// ```text
/// CertID          ::=     SEQUENCE {
///     hashAlgorithm       AlgorithmIdentifier,
///     issuerNameHash      OCTET STRING, -- Hash of issuer's DN
///     issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
///     serialNumber        CertificateSerialNumber }
/// ```
///
/// [RFC 6960 §4.1.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.1.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct CertId {
    /// `hashAlgorithm`: the digest of the two hashes below.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// `issuerNameHash`: digest of the DER of the `issuer` field of the certificate.
    pub issuer_name_hash: OctetString,
    /// `issuerKeyHash`: digest of the issuer's `subjectPublicKey` BIT STRING value.
    pub issuer_key_hash: OctetString,
    /// `serialNumber`: the certificate's serial number.
    pub serial_number: SerialNumber,
}

impl CertId {
    /// The `CertID` of `cert`, issued by `issuer`, with `digest` as `hashAlgorithm`.
    ///
    /// RFC 6960 §4.1.1: the name hash is "calculated over the DER encoding of the issuer's
    /// name field in the certificate being checked"; the key hash is "calculated over the
    /// value (excluding tag and length) of the subject public key field in the issuer's
    /// certificate". SHA-1 is normal here: the hashes only identify, they are not signed
    /// alone (RFC 5019 §2.1.1 even requires SHA-1).
    ///
    /// # Errors
    /// [`DecodeError::Der`] if the issuer name cannot be re-encoded, or the issuer's key has
    /// unused bits (no supported key does).
    pub fn for_certificate(
        cert: &Certificate,
        issuer: &Certificate,
        digest: DigestAlgorithm,
    ) -> Result<Self, DecodeError> {
        let name_der = cert
            .tbs_certificate()
            .issuer()
            .to_der()
            .map_err(DecodeError::der("Name"))?;
        let key_bits = issuer_key_bits(issuer)?;
        let octets = |bytes: Vec<u8>| OctetString::new(bytes).map_err(DecodeError::der("CertID"));
        Ok(Self {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: digest.oid(),
                // RFC 5754 §2 and RFC 3370 §2.1: SHA-2 and SHA-1 identifiers are encoded
                // with NULL parameters by OpenSSL and absent ones by others; both are
                // accepted, and NULL is what OpenSSL's responder echoes.
                parameters: Some(der::asn1::Any::null()),
            },
            issuer_name_hash: octets(digest.digest(&name_der))?,
            issuer_key_hash: octets(digest.digest(key_bits))?,
            serial_number: cert.tbs_certificate().serial_number().clone(),
        })
    }
}

/// The bytes of an issuer certificate's `subjectPublicKey`, without the BIT STRING's
/// unused-bits octet.
pub(crate) fn issuer_key_bits(issuer: &Certificate) -> Result<&[u8], DecodeError> {
    issuer
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .as_bytes()
        .ok_or(DecodeError::Der {
            structure: "SubjectPublicKeyInfo",
            source: der::ErrorKind::Noncanonical {
                tag: der::Tag::BitString,
            }
            .into(),
        })
}

/// One certificate asked about.
///
/// ```text
/// Request         ::=     SEQUENCE {
///     reqCert                     CertID,
///     singleRequestExtensions     [0] EXPLICIT Extensions OPTIONAL }
/// ```
///
/// [RFC 6960 §4.1.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.1.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Request {
    /// `reqCert`.
    pub req_cert: CertId,
    /// `singleRequestExtensions`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub single_request_extensions: Option<Extensions>,
}

/// The signed part of a request.
///
/// ```text
/// TBSRequest      ::=     SEQUENCE {
///     version             [0]     EXPLICIT Version DEFAULT v1,
///     requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
///     requestList                 SEQUENCE OF Request,
///     requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
/// ```
///
/// [RFC 6960 §4.1.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.1.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsRequest {
    /// `version`: `None` stands for the default `v1` (see [`OcspVersion`]).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub version: Option<OcspVersion>,
    /// `requestorName`.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub requestor_name: Option<GeneralName>,
    /// `requestList`.
    pub request_list: Vec<Request>,
    /// `requestExtensions`: where the nonce goes (RFC 6960 §4.4.1).
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub request_extensions: Option<Extensions>,
}

/// A request's optional signature (ASN.1 name `Signature`).
///
/// ```text
/// Signature       ::=     SEQUENCE {
///     signatureAlgorithm      AlgorithmIdentifier,
///     signature               BIT STRING,
///     certs               [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL}
/// ```
///
/// [RFC 6960 §4.1.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.1.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct RequestSignature {
    /// `signatureAlgorithm`.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// `signature`.
    pub signature: BitString,
    /// `certs`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<Certificate>>,
}

/// An OCSP request.
///
/// ```text
/// OCSPRequest     ::=     SEQUENCE {
///     tbsRequest                  TBSRequest,
///     optionalSignature   [0]     EXPLICIT Signature OPTIONAL }
/// ```
///
/// [RFC 6960 §4.1.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.1.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspRequest {
    /// `tbsRequest`.
    pub tbs_request: TbsRequest,
    /// `optionalSignature`. Dälel never signs its requests.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub optional_signature: Option<RequestSignature>,
}

impl OcspRequest {
    /// An unsigned request about one certificate, carrying `nonce` if given.
    #[must_use]
    pub fn single(cert_id: CertId, nonce: Option<&OcspNonce>) -> Self {
        Self {
            tbs_request: TbsRequest {
                version: None,
                requestor_name: None,
                request_list: vec![Request {
                    req_cert: cert_id,
                    single_request_extensions: None,
                }],
                request_extensions: nonce.map(|n| vec![n.to_extension()]),
            },
            optional_signature: None,
        }
    }

    /// Decodes a DER `OCSPRequest`, rejecting an explicit default version.
    ///
    /// # Errors
    /// [`DecodeError::Der`] for bytes that are not a DER `OCSPRequest`;
    /// [`DecodeError::ExplicitDefaultVersion`] for an explicit `v1`.
    pub fn parse(der: &[u8]) -> Result<Self, DecodeError> {
        let request = Self::from_der(der).map_err(DecodeError::der("OCSPRequest"))?;
        if request.tbs_request.version.is_some() {
            return Err(DecodeError::ExplicitDefaultVersion {
                structure: "TBSRequest",
            });
        }
        Ok(request)
    }

    /// The nonce in `requestExtensions`, if any.
    ///
    /// # Errors
    /// [`DecodeError`] if the nonce extension is malformed or repeated.
    pub fn nonce(&self) -> Result<Option<OcspNonce>, DecodeError> {
        OcspNonce::find(self.tbs_request.request_extensions.as_deref())
    }
}
