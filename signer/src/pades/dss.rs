//! PAdES B-LT: the Document Security Store (ETSI EN 319 142-1 §5.4.2; ISO 32000-2
//! §12.8.4.3) in an incremental update after the signature — the certificates of the
//! signer's and the time-stamp authority's paths, and their revocation values, so that the
//! signature validates years later without fetching anything.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode as _, Encode as _};
use lopdf::{Dictionary as LoDict, Object as LoObject};
use verifier::cms::oid::ID_AA_SIGNATURE_TIME_STAMP_TOKEN;
use verifier::pdf::Object;
use x509_cert::Certificate;

use super::PadesError;
use super::document::Document;
use super::rewrite::Rewritten;
use super::update::{Body, Update};
use crate::cades::{CadesError, LevelServices, RevocationValue};
use crate::keys::SignatureKey;

/// Appends the DSS update for the signature whose DER CMS is `cms`.
pub(crate) fn add_dss(
    pdf: &mut Vec<u8>,
    cms: &[u8],
    key: &dyn SignatureKey,
    services: &LevelServices<'_>,
) -> Result<(), PadesError> {
    let source = services.revocation.ok_or(CadesError::NoRevocationSource)?;
    let mut certificates: Vec<Certificate> = key.certificate_chain().to_vec();
    for cert in token_certificates(cms)?
        .into_iter()
        .chain(services.extra_certificates.iter().cloned())
    {
        if !certificates.contains(&cert) {
            certificates.push(cert);
        }
    }
    let values = source.values_for(&certificates)?;

    let doc = Document::open(pdf)?;
    let mut update = Update::new(doc.trailer.clone(), pdf.len());
    let mut add_streams = |items: Vec<Vec<u8>>| -> Vec<Object> {
        items
            .into_iter()
            .map(|data| {
                let id = update.allocate();
                update.put(
                    id,
                    Body::Object(LoObject::Stream(lopdf::Stream::new(LoDict::new(), data))),
                );
                Object::Reference(id)
            })
            .collect()
    };
    let cert_refs = add_streams(
        certificates
            .iter()
            .map(|c| c.to_der().map_err(|e| PadesError::Internal(e.to_string())))
            .collect::<Result<_, _>>()?,
    );
    let (crls, ocsps): (Vec<_>, Vec<_>) = values
        .into_iter()
        .partition(|v| matches!(v, RevocationValue::Crl(_)));
    let unwrap = |v: RevocationValue| match v {
        RevocationValue::Crl(d) | RevocationValue::OcspResponse(d) => d,
    };
    let crl_refs = add_streams(crls.into_iter().map(unwrap).collect());
    let ocsp_refs = add_streams(ocsps.into_iter().map(unwrap).collect());

    // A DSS already there (an earlier signer's) is extended, never replaced.
    let existing = doc.dict_entry(&doc.catalog, b"DSS")?;
    let (dss_id, existing_dict) = match existing {
        Some((Some(id), dict)) => (id, dict),
        Some((None, dict)) => (update.allocate(), dict),
        None => (update.allocate(), verifier::pdf::Dictionary::new()),
    };
    let mut dss = Rewritten::from(&existing_dict);
    for (key, refs) in [
        (&b"Certs"[..], cert_refs),
        (b"CRLs", crl_refs),
        (b"OCSPs", ocsp_refs),
    ] {
        if refs.is_empty() {
            continue;
        }
        let mut items = match existing_dict.get(key) {
            Some(value) => doc
                .file
                .resolve(value)
                .map_err(|e| PadesError::Pdf(e.to_string()))?
                .as_array()
                .map(<[Object]>::to_vec)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        items.extend(refs);
        let bytes = super::rewrite::array_bytes(items)?;
        dss.set_raw(key, bytes);
    }
    update.put_rewritten(dss_id, dss);
    if doc.catalog.get(b"DSS").and_then(Object::as_reference) != Some(dss_id) {
        let mut catalog = Rewritten::from(&doc.catalog);
        catalog.set(b"DSS", LoObject::Reference(dss_id));
        update.put_rewritten(doc.trailer.root, catalog);
    }
    let written = update.write()?;
    pdf.extend_from_slice(&written.bytes);
    Ok(())
}

/// The certificates inside the signature time-stamp token of the first signer of `cms`.
fn token_certificates(cms: &[u8]) -> Result<Vec<Certificate>, PadesError> {
    let bad = |e: der::Error| PadesError::Internal(format!("our own CMS does not parse: {e}"));
    let info = ContentInfo::from_der(cms).map_err(bad)?;
    let signed: SignedData = info.content.decode_as().map_err(bad)?;
    let mut out = Vec::new();
    for signer in signed.signer_infos.0.iter() {
        for attribute in signer.unsigned_attrs.iter().flat_map(|a| a.iter()) {
            if attribute.oid != ID_AA_SIGNATURE_TIME_STAMP_TOKEN {
                continue;
            }
            for value in attribute.values.iter() {
                let token: ContentInfo = value.decode_as().map_err(bad)?;
                let token: SignedData = token.content.decode_as().map_err(bad)?;
                for choice in token.certificates.iter().flat_map(|c| c.0.iter()) {
                    if let CertificateChoices::Certificate(cert) = choice {
                        out.push(cert.clone());
                    }
                }
            }
        }
    }
    Ok(out)
}
