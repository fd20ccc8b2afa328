//! `SignedData` as this module reads it: the `cms` crate's field types, except that the
//! certificates, revocation information and signer infos are kept one DER element each.
//!
//! [`cms::signed_data::SignedData`] decodes those sets element by element into their full
//! types, so a single embedded certificate that `x509-cert` cannot read, or one malformed
//! signer info, makes the whole message unreadable; and its `OtherRevocationInfoFormat` is
//! declared with an `AlgorithmIdentifier` where RFC 5652 §10.2.1 has an `OBJECT IDENTIFIER`,
//! so an OCSP response embedded as RFC 5940 §3 describes cannot be decoded at all. Here each
//! element is decoded on its own, and a failure is reported for that element only.

use ::cms::content_info::CmsVersion;
use ::cms::signed_data::{DigestAlgorithmIdentifiers, EncapsulatedContentInfo};
use der::{Any, Sequence, asn1::SetOfVec};

/// The content of a `ContentInfo` of type `id-signedData`.
///
/// ```text
/// SignedData ::= SEQUENCE {
///     version CMSVersion,
///     digestAlgorithms DigestAlgorithmIdentifiers,
///     encapContentInfo EncapsulatedContentInfo,
///     certificates [0] IMPLICIT CertificateSet OPTIONAL,
///     crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///     signerInfos SignerInfos }
///
/// CertificateSet ::= SET OF CertificateChoices
/// RevocationInfoChoices ::= SET OF RevocationInfoChoice
/// SignerInfos ::= SET OF SignerInfo
/// ```
///
/// [RFC 5652 §5.1](https://www.rfc-editor.org/rfc/rfc5652#section-5.1)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SignedDataSyntax {
    /// `version`.
    pub version: CmsVersion,
    /// `digestAlgorithms`.
    pub digest_algorithms: DigestAlgorithmIdentifiers,
    /// `encapContentInfo`.
    pub encap_content_info: EncapsulatedContentInfo,
    /// `certificates`: each a DER `CertificateChoices`.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub certificates: Option<SetOfVec<Any>>,
    /// `crls`: each a DER `RevocationInfoChoice`.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub crls: Option<SetOfVec<Any>>,
    /// `signerInfos`: each a DER `SignerInfo`.
    pub signer_infos: SetOfVec<Any>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::cms::signed_data::{SignedData, SignerInfos};
    use der::{Decode, Encode};

    #[test]
    fn reads_what_the_cms_crate_writes() {
        let sd = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::default(),
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: super::super::oid::ID_DATA,
                econtent: None,
            },
            certificates: None,
            crls: None,
            signer_infos: SignerInfos(SetOfVec::default()),
        };
        let der = sd.to_der().unwrap();
        let ours = SignedDataSyntax::from_der(&der).unwrap();
        assert!(ours.signer_infos.is_empty());
        assert_eq!(ours.to_der().unwrap(), der);
    }
}
