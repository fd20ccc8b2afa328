//! The Online Certificate Status Protocol ([RFC 6960](https://www.rfc-editor.org/rfc/rfc6960)).
//!
//! One Rust type per ASN.1 structure of RFC 6960 §4.1.1 and §4.2.1 (1998 syntax,
//! Appendix B.1, explicitly tagged), DER through [`der`]'s derives, plus the nonce extension
//! of RFC 8954. [`ParsedOcspResponse`] adds the structural rules RFC 6960 states in prose and
//! keeps the signed bytes of a basic response; [`ParsedOcspResponse::verify_signature`]
//! checks who signed it (§4.2.2.2). Whether a response speaks for a given certificate at a
//! given time is decided by [`super::check`].
//!
//! Decoding is strict DER: besides what the derives check, an explicit `version v1` (a
//! `DEFAULT` value, X.690 §11.5) is rejected.

mod check;
mod nonce;
mod request;
mod response;

pub(crate) use self::check::evaluate;
pub use self::nonce::OcspNonce;
pub(crate) use self::request::issuer_key_bits;
pub use self::request::{CertId, OcspRequest, OcspVersion, Request, RequestSignature, TbsRequest};
pub use self::response::{
    BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus, ResponderId, ResponseBytes,
    ResponseData, RevokedInfo, SingleResponse,
};

use const_oid::db::rfc6960::ID_PKIX_OCSP_BASIC;
use der::{DateTime, Decode as _};
use x509_cert::Certificate;

use super::ext::first_duplicate;
use super::{DecodeError, ResponderKind, SourceProblem, cert, signed};

/// An OCSP response, decoded, with the signed bytes of its basic response kept for
/// signature verification.
#[derive(Debug, Clone)]
pub struct ParsedOcspResponse {
    response: OcspResponse,
    basic: Option<Basic>,
}

#[derive(Debug, Clone)]
struct Basic {
    response: BasicOcspResponse,
    tbs: Vec<u8>,
    signature: Option<Vec<u8>>,
}

impl ParsedOcspResponse {
    /// Decodes a DER `OCSPResponse` and, if it is of type `id-pkix-ocsp-basic`, the
    /// `BasicOCSPResponse` inside.
    ///
    /// # Errors
    /// [`DecodeError::Der`] for bytes that are not DER of these structures;
    /// [`DecodeError::ResponseBytesPresence`] if `responseBytes` is present for an error
    /// status or absent for `successful` (RFC 6960 §4.2.1);
    /// [`DecodeError::ExplicitDefaultVersion`] for an explicit `v1`;
    /// [`DecodeError::DuplicateExtension`] for a repeated response extension.
    pub fn parse(der: &[u8]) -> Result<Self, DecodeError> {
        let response = OcspResponse::from_der(der).map_err(DecodeError::der("OCSPResponse"))?;
        let successful = response.response_status == OcspResponseStatus::Successful;
        if successful != response.response_bytes.is_some() {
            return Err(DecodeError::ResponseBytesPresence {
                status: status_name(response.response_status),
                present: response.response_bytes.is_some(),
            });
        }
        let basic = match &response.response_bytes {
            Some(bytes) if bytes.response_type == ID_PKIX_OCSP_BASIC => {
                Some(Basic::parse(bytes.response.as_bytes())?)
            }
            _ => None,
        };
        Ok(Self { response, basic })
    }

    /// The decoded `OCSPResponse`.
    #[must_use]
    pub fn response(&self) -> &OcspResponse {
        &self.response
    }

    /// `responseStatus`.
    #[must_use]
    pub fn status(&self) -> OcspResponseStatus {
        self.response.response_status
    }

    /// The basic response, if the response is successful and of type `id-pkix-ocsp-basic`.
    #[must_use]
    pub fn basic(&self) -> Option<&BasicOcspResponse> {
        self.basic.as_ref().map(|b| &b.response)
    }

    /// `producedAt` of the basic response.
    #[must_use]
    pub fn produced_at(&self) -> Option<DateTime> {
        self.basic()
            .map(|b| b.tbs_response_data.produced_at.to_date_time())
    }

    /// Checks that the response is a successful basic response signed by a responder that
    /// RFC 6960 §4.2.2.2 authorises for certificates of `issuer`: `issuer` itself, or a
    /// certificate included in the response, issued and signed by `issuer`, with
    /// `id-kp-OCSPSigning`, valid at `producedAt`. Nothing about any particular certificate
    /// or time is checked.
    ///
    /// # Errors
    /// The [`SourceProblem`] that disqualifies the response, for example
    /// [`SourceProblem::UnsupportedAlgorithm`] for a GOST signature.
    pub fn verify_signature(&self, issuer: &Certificate) -> Result<ResponderKind, SourceProblem> {
        let basic = self.basic_or_problem()?;
        check::authorise(
            basic,
            issuer,
            &cert::SignerKey::of(issuer, None),
            std::time::Duration::ZERO,
            None,
        )
        .map(|a| a.signer)
    }

    fn basic_or_problem(&self) -> Result<&Basic, SourceProblem> {
        if self.response.response_status != OcspResponseStatus::Successful {
            return Err(SourceProblem::OcspNotSuccessful {
                status: self.response.response_status,
            });
        }
        match (&self.basic, &self.response.response_bytes) {
            (Some(basic), _) => Ok(basic),
            (None, Some(bytes)) => Err(SourceProblem::UnsupportedResponseType {
                oid: bytes.response_type,
            }),
            (None, None) => Err(SourceProblem::Malformed {
                detail: "successful OCSP response without responseBytes".to_owned(),
            }),
        }
    }
}

impl Basic {
    fn parse(der: &[u8]) -> Result<Self, DecodeError> {
        let parts = signed::split(der).map_err(DecodeError::der("BasicOCSPResponse"))?;
        let response =
            BasicOcspResponse::from_der(der).map_err(DecodeError::der("BasicOCSPResponse"))?;
        let data = &response.tbs_response_data;
        if data.version.is_some() {
            return Err(DecodeError::ExplicitDefaultVersion {
                structure: "ResponseData",
            });
        }
        let extension_lists = std::iter::once(data.response_extensions.as_deref()).chain(
            data.responses
                .iter()
                .map(|r| r.single_extensions.as_deref()),
        );
        for list in extension_lists {
            if let Some(oid) = first_duplicate(list) {
                return Err(DecodeError::DuplicateExtension { oid });
            }
        }
        Ok(Self {
            tbs: parts.tbs.to_vec(),
            signature: parts.signature.map(<[u8]>::to_vec),
            response,
        })
    }
}

/// The RFC 6960 name of a status.
fn status_name(status: OcspResponseStatus) -> &'static str {
    match status {
        OcspResponseStatus::Successful => "successful",
        OcspResponseStatus::MalformedRequest => "malformedRequest",
        OcspResponseStatus::InternalError => "internalError",
        OcspResponseStatus::TryLater => "tryLater",
        OcspResponseStatus::SigRequired => "sigRequired",
        OcspResponseStatus::Unauthorized => "unauthorized",
    }
}
