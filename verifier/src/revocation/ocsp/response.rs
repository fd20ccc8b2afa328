//! The OCSP response ([RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1)).

use const_oid::ObjectIdentifier;
use der::{
    Choice, Enumerated, Sequence,
    asn1::{BitString, GeneralizedTime, Null, OctetString},
};
use serde::Serialize;
use spki::AlgorithmIdentifierOwned;
use x509_cert::{Certificate, ext::Extensions, ext::pkix::CrlReason, name::Name};

use super::{CertId, OcspVersion};

/// Whether the responder could process the request.
///
/// ```text
/// OCSPResponseStatus ::= ENUMERATED {
///     successful            (0),  -- Response has valid confirmations
///     malformedRequest      (1),  -- Illegal confirmation request
///     internalError         (2),  -- Internal error in issuer
///     tryLater              (3),  -- Try again later
///                                 -- (4) is not used
///     sigRequired           (5),  -- Must sign the request
///     unauthorized          (6)   -- Request unauthorized
/// }
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1)
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash, Enumerated, Serialize)]
#[repr(u8)]
#[serde(rename_all = "camelCase")]
pub enum OcspResponseStatus {
    /// `successful(0)`: the response carries status information.
    Successful = 0,
    /// `malformedRequest(1)`.
    MalformedRequest = 1,
    /// `internalError(2)`.
    InternalError = 2,
    /// `tryLater(3)`.
    TryLater = 3,
    /// `sigRequired(5)`.
    SigRequired = 5,
    /// `unauthorized(6)`.
    Unauthorized = 6,
}

/// The response proper, typed by `responseType`.
///
/// ```text
/// ResponseBytes ::=       SEQUENCE {
///     responseType   OBJECT IDENTIFIER,
///     response       OCTET STRING }
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1). For
/// `id-pkix-ocsp-basic` the OCTET STRING holds the DER of a [`BasicOcspResponse`].
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ResponseBytes {
    /// `responseType`.
    pub response_type: ObjectIdentifier,
    /// `response`.
    pub response: OctetString,
}

/// An OCSP response.
///
/// ```text
/// OCSPResponse ::= SEQUENCE {
///    responseStatus         OCSPResponseStatus,
///    responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspResponse {
    /// `responseStatus`.
    pub response_status: OcspResponseStatus,
    /// `responseBytes`: present when the status is `successful`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub response_bytes: Option<ResponseBytes>,
}

/// Who signed a response.
///
/// ```text
/// ResponderID ::= CHOICE {
///    byName   [1] Name,
///    byKey    [2] KeyHash }
///
/// KeyHash ::= OCTET STRING -- SHA-1 hash of responder's public key
///                          -- (excluding the tag and length fields)
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1). The module is
/// `DEFINITIONS EXPLICIT TAGS` (Appendix B.1), so both alternatives are explicitly tagged.
#[derive(Clone, Debug, Eq, PartialEq, Choice)]
pub enum ResponderId {
    /// `byName`: the responder certificate's subject.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
    /// `byKey`: SHA-1 of the responder's `subjectPublicKey` value.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

/// Details of a revocation.
///
/// ```text
/// RevokedInfo ::= SEQUENCE {
///     revocationTime              GeneralizedTime,
///     revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1)
#[derive(Clone, Copy, Debug, Eq, PartialEq, Sequence)]
pub struct RevokedInfo {
    /// `revocationTime`.
    pub revocation_time: GeneralizedTime,
    /// `revocationReason` (RFC 5280 §5.3.1).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub revocation_reason: Option<CrlReason>,
}

/// A certificate's status.
///
/// ```text
/// CertStatus ::= CHOICE {
///     good        [0]     IMPLICIT NULL,
///     revoked     [1]     IMPLICIT RevokedInfo,
///     unknown     [2]     IMPLICIT UnknownInfo }
///
/// UnknownInfo ::= NULL
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1)
#[derive(Clone, Copy, Debug, Eq, PartialEq, Choice)]
pub enum CertStatus {
    /// `good`: not revoked, as far as the responder knows (RFC 6960 §2.2).
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    /// `revoked`, permanently or on hold.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    /// `unknown`: the responder does not know the certificate.
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// The status of one certificate.
///
/// ```text
/// SingleResponse ::= SEQUENCE {
///    certID                       CertID,
///    certStatus                   CertStatus,
///    thisUpdate                   GeneralizedTime,
///    nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
///    singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SingleResponse {
    /// `certID`.
    pub cert_id: CertId,
    /// `certStatus`.
    pub cert_status: CertStatus,
    /// `thisUpdate`: when the status was known to be correct.
    pub this_update: GeneralizedTime,
    /// `nextUpdate`: when newer information will be available; absent when it always is.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub next_update: Option<GeneralizedTime>,
    /// `singleExtensions`.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub single_extensions: Option<Extensions>,
}

/// The signed part of a basic response.
///
/// ```text
/// ResponseData ::= SEQUENCE {
///    version              [0] EXPLICIT Version DEFAULT v1,
///    responderID              ResponderID,
///    producedAt               GeneralizedTime,
///    responses                SEQUENCE OF SingleResponse,
///    responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ResponseData {
    /// `version`: `None` stands for the default `v1` (see [`OcspVersion`]).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub version: Option<OcspVersion>,
    /// `responderID`.
    pub responder_id: ResponderId,
    /// `producedAt`: when the responder signed.
    pub produced_at: GeneralizedTime,
    /// `responses`.
    pub responses: Vec<SingleResponse>,
    /// `responseExtensions`: where the nonce comes back (RFC 6960 §4.4.1).
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub response_extensions: Option<Extensions>,
}

/// The basic response type, `id-pkix-ocsp-basic`, which every responder must support.
///
/// ```text
/// BasicOCSPResponse       ::= SEQUENCE {
///    tbsResponseData      ResponseData,
///    signatureAlgorithm   AlgorithmIdentifier,
///    signature            BIT STRING,
///    certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
/// ```
///
/// [RFC 6960 §4.2.1](https://www.rfc-editor.org/rfc/rfc6960#section-4.2.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct BasicOcspResponse {
    /// `tbsResponseData`: what the signature covers.
    pub tbs_response_data: ResponseData,
    /// `signatureAlgorithm`.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// `signature`.
    pub signature: BitString,
    /// `certs`: certificates to help verify the signature, such as a delegated
    /// responder's (RFC 6960 §4.2.2.2).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<Certificate>>,
}
