//! The DER the authority sends: a token (a `TSTInfo` signed as CMS `SignedData`), and a
//! `TimeStampResp` granting it or refusing with a reason (RFC 3161 §2.4.2).

use cms::content_info::{CmsVersion, ContentInfo};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Encode as _};
use sha2::{Digest as _, Sha256};
use verifier::cms::oid::ID_SIGNED_DATA;
use verifier::cms::syntax::SignedDataSyntax;
use verifier::tsp::{
    ID_CT_TST_INFO, PkiFreeText, PkiStatus, PkiStatusInfo, TimeStampResp, TstInfo,
};

use super::TsaError;
use crate::cades::signer_info::{self, SignedAttributes};
use crate::keys::SignatureKey;

/// Signs `info` with `key` into a `TimeStampToken`, carrying `certificates` if given.
///
/// The `SignedData` is version 3 (RFC 5652 §5.1: `eContentType` is not `id-data`), its one
/// `SignerInfo` is [`signer_info::sign`]'s: content-type `id-ct-TSTInfo`, message-digest,
/// and the ESS `signingCertificateV2` binding the TSA certificate (RFC 5816 §2.2.1). No
/// signing-time: `genTime` is the time the token states.
pub(crate) fn sign(
    key: &dyn SignatureKey,
    info: &TstInfo,
    certificates: Option<&SetOfVec<Any>>,
) -> Result<ContentInfo, TsaError> {
    let tst_info = info.to_der().map_err(TsaError::encode("TSTInfo"))?;
    let digest: [u8; 32] = Sha256::digest(&tst_info).into();
    let signer_info = signer_info::sign(
        key,
        SignedAttributes {
            content_type: ID_CT_TST_INFO,
            content_digest: &digest,
            signing_time: None,
            extra: Vec::new(),
        },
    )?;
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms
        .insert(key.algorithm().digest_algorithm())
        .map_err(TsaError::encode("digestAlgorithms"))?;
    let mut signer_infos = SetOfVec::new();
    signer_infos
        .insert(Any::encode_from(&signer_info).map_err(TsaError::encode("SignerInfo"))?)
        .map_err(TsaError::encode("signerInfos"))?;
    // RFC 5652 §5.2: "eContent [0] EXPLICIT OCTET STRING" holding the DER TSTInfo.
    let econtent = OctetString::new(tst_info)
        .and_then(|octets| Any::encode_from(&octets))
        .map_err(TsaError::encode("eContent"))?;
    let signed_data = SignedDataSyntax {
        version: CmsVersion::V3,
        digest_algorithms,
        encap_content_info: cms::signed_data::EncapsulatedContentInfo {
            econtent_type: ID_CT_TST_INFO,
            econtent: Some(econtent),
        },
        certificates: certificates.cloned(),
        crls: None,
        signer_infos,
    };
    Ok(ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(TsaError::encode("SignedData"))?,
    })
}

/// A `TimeStampResp` with status `granted` and `token`.
pub(crate) fn granted(token: ContentInfo) -> Result<Vec<u8>, TsaError> {
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Granted,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(token),
    }
    .to_der()
    .map_err(TsaError::encode("TimeStampResp"))
}

/// A `TimeStampResp` with status `rejection`, the failure code of `error` and its client
/// text. Never fails: should the encoder, [`SYSTEM_FAILURE`] is sent instead.
pub(crate) fn rejection(error: &TsaError) -> Vec<u8> {
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Rejection,
            status_string: PkiFreeText::new(vec![error.client_text()]),
            fail_info: Some(error.failure_info()),
        },
        time_stamp_token: None,
    }
    .to_der()
    .unwrap_or_else(|_| SYSTEM_FAILURE.to_vec())
}

/// `TimeStampResp { status { rejection, failInfo systemFailure } }`, written out so that it
/// cannot fail to encode.
pub(crate) const SYSTEM_FAILURE: [u8; 14] = [
    0x30, 0x0c, // TimeStampResp
    0x30, 0x0a, // PKIStatusInfo
    0x02, 0x01, 0x02, // status rejection(2)
    0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40, // failInfo: bit 25, 6 unused bits
];

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode as _;
    use verifier::tsp::PkiFailureInfo;

    #[test]
    fn the_fallback_rejection_is_system_failure() {
        let response = TimeStampResp::from_der(&SYSTEM_FAILURE).unwrap();
        assert_eq!(response.status.status, PkiStatus::Rejection);
        assert_eq!(
            response.status.fail_info,
            Some(PkiFailureInfo::SYSTEM_FAILURE)
        );
    }
}
