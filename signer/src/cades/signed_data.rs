//! `SignedData` (RFC 5652 §5.1) kept one DER element per certificate, revocation entry and
//! signer info ([`SignedDataSyntax`]), so that adding a signer re-encodes nothing another
//! signer covers, and the version follows from what the structure holds.

use cms::content_info::{CmsVersion, ContentInfo};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode as _, Encode as _, Tag, TagNumber, Tagged as _};
use spki::AlgorithmIdentifierOwned;
use verifier::cms::oid::{ID_DATA, ID_SIGNED_DATA};
use verifier::cms::syntax::SignedDataSyntax;
use x509_cert::Certificate;

use super::CadesError;

/// A `SignedData` being assembled or extended.
pub(crate) struct SignedDataBuilder {
    syntax: SignedDataSyntax,
}

impl SignedDataBuilder {
    /// An empty `SignedData` over content of type `id-data`, encapsulating `content` if
    /// given.
    pub(crate) fn new(content: Option<&[u8]>) -> Result<Self, CadesError> {
        let econtent = content
            .map(|bytes| {
                // RFC 5652 §5.2: "eContent [0] EXPLICIT OCTET STRING".
                OctetString::new(bytes).and_then(|octets| Any::encode_from(&octets))
            })
            .transpose()
            .map_err(CadesError::encode("eContent"))?;
        Ok(Self {
            syntax: SignedDataSyntax {
                version: CmsVersion::V1,
                digest_algorithms: SetOfVec::new(),
                encap_content_info: cms::signed_data::EncapsulatedContentInfo {
                    econtent_type: ID_DATA,
                    econtent,
                },
                certificates: None,
                crls: None,
                signer_infos: SetOfVec::new(),
            },
        })
    }

    /// Reads a DER `ContentInfo` holding `SignedData`.
    pub(crate) fn parse(der: &[u8]) -> Result<Self, CadesError> {
        let info = ContentInfo::from_der(der).map_err(CadesError::malformed("ContentInfo"))?;
        if info.content_type != ID_SIGNED_DATA {
            return Err(CadesError::NotSignedData {
                content_type: info.content_type,
            });
        }
        let syntax = info
            .content
            .decode_as::<SignedDataSyntax>()
            .map_err(CadesError::malformed("SignedData"))?;
        Ok(Self { syntax })
    }

    /// `eContentType`.
    pub(crate) fn content_type(&self) -> const_oid::ObjectIdentifier {
        self.syntax.encap_content_info.econtent_type
    }

    /// The encapsulated content's octets, if not detached.
    pub(crate) fn encapsulated_content(&self) -> Result<Option<Vec<u8>>, CadesError> {
        self.syntax
            .encap_content_info
            .econtent
            .as_ref()
            .map(|any| {
                any.decode_as::<OctetString>()
                    .map(|o| o.into_bytes().into_vec())
            })
            .transpose()
            .map_err(CadesError::malformed("eContent"))
    }

    /// The signer infos, one DER element each.
    pub(crate) fn signer_infos(&self) -> &[Any] {
        self.syntax.signer_infos.as_slice()
    }

    /// Adds `algorithm` to `digestAlgorithms` unless one with its OID is there: the
    /// parameters of SHA-2 identifiers may be absent or NULL (RFC 5754 §2), and the set only
    /// lists the algorithms in use (RFC 5652 §5.1).
    pub(crate) fn add_digest_algorithm(
        &mut self,
        algorithm: AlgorithmIdentifierOwned,
    ) -> Result<(), CadesError> {
        let set = &mut self.syntax.digest_algorithms;
        if !set.iter().any(|a| a.oid == algorithm.oid) {
            set.insert(algorithm)
                .map_err(CadesError::encode("digestAlgorithms"))?;
        }
        Ok(())
    }

    /// Adds the certificates not already present (compared by their DER).
    pub(crate) fn add_certificates<'c>(
        &mut self,
        certificates: impl IntoIterator<Item = &'c Certificate>,
    ) -> Result<(), CadesError> {
        for certificate in certificates {
            let der = certificate
                .to_der()
                .map_err(CadesError::encode("certificate"))?;
            let any = Any::from_der(&der).map_err(CadesError::encode("certificate"))?;
            insert_new(&mut self.syntax.certificates, any, "certificates")?;
        }
        Ok(())
    }

    /// Adds a `RevocationInfoChoice` (RFC 5652 §10.2.1) unless an identical one is present.
    pub(crate) fn add_revocation_choice(&mut self, choice: Any) -> Result<(), CadesError> {
        insert_new(&mut self.syntax.crls, choice, "crls")
    }

    /// Adds a signer info.
    pub(crate) fn add_signer_info(
        &mut self,
        signer_info: &cms::signed_data::SignerInfo,
    ) -> Result<(), CadesError> {
        let any = Any::encode_from(signer_info).map_err(CadesError::encode("SignerInfo"))?;
        self.syntax
            .signer_infos
            .insert(any)
            .map_err(CadesError::encode("signerInfos"))
    }

    /// The DER `ContentInfo`, with the version RFC 5652 §5.1 prescribes for what it holds.
    pub(crate) fn into_der(mut self) -> Result<Vec<u8>, CadesError> {
        self.syntax.version = self.version()?;
        let content = Any::encode_from(&self.syntax).map_err(CadesError::encode("SignedData"))?;
        ContentInfo {
            content_type: ID_SIGNED_DATA,
            content,
        }
        .to_der()
        .map_err(CadesError::encode("ContentInfo"))
    }

    /// RFC 5652 §5.1:
    ///
    /// ```text
    /// IF ((certificates is present) AND
    ///    (any certificates with a type of other are present)) OR
    ///    ((crls is present) AND
    ///    (any crls with a type of other are present))
    /// THEN version MUST be 5
    /// ELSE
    ///    IF (certificates is present) AND
    ///       (any version 2 attribute certificates are present)
    ///    THEN version MUST be 4
    ///    ELSE
    ///       IF ((certificates is present) AND
    ///          (any version 1 attribute certificates are present)) OR
    ///          (any SignerInfo structures are version 3) OR
    ///          (encapContentInfo eContentType is other than id-data)
    ///       THEN version MUST be 3
    ///       ELSE version MUST be 1
    /// ```
    fn version(&self) -> Result<CmsVersion, CadesError> {
        // CertificateChoices (§10.2.2): certificate (a SEQUENCE), extendedCertificate [0]
        // (obsolete, no effect on the version), v1AttrCert [1], v2AttrCert [2], other [3].
        let certificate_tags: Vec<Option<u32>> = elements(&self.syntax.certificates)
            .map(|c| context_number(c.tag()))
            .collect();
        // RevocationInfoChoice (§10.2.1): crl (a SEQUENCE), other [1].
        let other_crls = elements(&self.syntax.crls).any(|c| context_number(c.tag()) == Some(1));
        if certificate_tags.contains(&Some(3)) || other_crls {
            return Ok(CmsVersion::V5);
        }
        if certificate_tags.contains(&Some(2)) {
            return Ok(CmsVersion::V4);
        }
        let mut v3 = certificate_tags.contains(&Some(1)) || self.content_type() != ID_DATA;
        for (i, signer_info) in self.signer_infos().iter().enumerate() {
            v3 |= signer_info_version(signer_info)
                .map_err(CadesError::malformed(format!("signer info #{i}")))?
                == CmsVersion::V3;
        }
        Ok(if v3 { CmsVersion::V3 } else { CmsVersion::V1 })
    }
}

/// The elements of an optional SET OF.
fn elements(set: &Option<SetOfVec<Any>>) -> impl Iterator<Item = &Any> {
    set.iter().flat_map(SetOfVec::iter)
}

/// Inserts `item` into the optional set unless an equal element is there.
fn insert_new(
    set: &mut Option<SetOfVec<Any>>,
    item: Any,
    what: &'static str,
) -> Result<(), CadesError> {
    let set = set.get_or_insert_with(SetOfVec::new);
    if set.iter().any(|held| *held == item) {
        return Ok(());
    }
    set.insert(item).map_err(CadesError::encode(what))
}

/// The number of a context-specific tag.
fn context_number(tag: Tag) -> Option<u32> {
    match tag {
        Tag::ContextSpecific {
            number: TagNumber(n),
            ..
        } => Some(n),
        _ => None,
    }
}

/// The `version` of a DER `SignerInfo`: its first element, read without decoding the rest
/// (a signer info is never re-encoded here).
fn signer_info_version(signer_info: &Any) -> der::Result<CmsVersion> {
    let mut reader = der::SliceReader::new(signer_info.value())?;
    CmsVersion::decode(&mut reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ocsp_choice_makes_version_5() {
        let mut builder = SignedDataBuilder::new(None).unwrap();
        assert_eq!(builder.version().unwrap(), CmsVersion::V1);
        let crl = Any::new(Tag::Sequence, [0x05, 0x00]).unwrap();
        builder.add_revocation_choice(crl.clone()).unwrap();
        builder.add_revocation_choice(crl).unwrap();
        assert_eq!(
            builder.syntax.crls.as_ref().unwrap().len(),
            1,
            "deduplicated"
        );
        assert_eq!(builder.version().unwrap(), CmsVersion::V1);
        let other = Any::new(
            Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(1),
            },
            [0x05, 0x00],
        )
        .unwrap();
        builder.add_revocation_choice(other).unwrap();
        assert_eq!(builder.version().unwrap(), CmsVersion::V5);
    }

    #[test]
    fn other_content_types_make_version_3() {
        let mut builder = SignedDataBuilder::new(None).unwrap();
        builder.syntax.encap_content_info.econtent_type = verifier::tsp::ID_CT_TST_INFO;
        assert_eq!(builder.version().unwrap(), CmsVersion::V3);
    }
}
