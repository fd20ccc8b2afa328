//! Whether a key's certificate may sign time-stamp tokens, checked once when the authority
//! opens, so that it never issues tokens a relying party must reject.

use std::time::SystemTime;

use const_oid::AssociatedOid as _;
use der::asn1::SetOfVec;
use der::{Any, Decode as _, Encode as _};
use verifier::tsp::ID_KP_TIME_STAMPING;
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};
use x509_cert::name::Name;

use super::{CertificateProblem, TsaError};
use crate::keys::SignatureKey;

/// What the authority keeps of its certificate chain.
#[derive(Debug)]
pub(crate) struct TsaCertificate {
    /// The subject, for the `tsa` field of `TSTInfo`.
    pub(crate) subject: Name,
    /// The validity period; no token is issued outside it.
    pub(crate) not_before: SystemTime,
    pub(crate) not_after: SystemTime,
    /// The chain, encoded once, for the `certificates` of tokens asked with `certReq`.
    pub(crate) chain: SetOfVec<Any>,
}

impl TsaCertificate {
    /// Checks the first certificate of `key`'s chain: a critical extended key usage of
    /// `id-kp-timeStamping` alone (RFC 3161 §2.3), a key usage with `digitalSignature`, no
    /// duplicate extension (RFC 5280 §4.2), and validity at `now`.
    pub(crate) fn check(key: &dyn SignatureKey, now: SystemTime) -> Result<Self, TsaError> {
        let unfit = |subject: String, problem| TsaError::Certificate {
            key: key.name().to_owned(),
            subject,
            problem,
        };
        let Some(certificate) = key.certificate_chain().first() else {
            return Err(unfit("(none)".to_owned(), CertificateProblem::Missing));
        };
        let tbs = certificate.tbs_certificate();
        let subject = tbs.subject().to_string();
        let extensions: &[Extension] = tbs.extensions().map_or(&[], Vec::as_slice);
        check_extensions(extensions).map_err(|p| unfit(subject.clone(), p))?;
        let validity = tbs.validity();
        let this = Self {
            subject: tbs.subject().clone(),
            not_before: validity.not_before.to_system_time(),
            not_after: validity.not_after.to_system_time(),
            chain: encode_chain(key.certificate_chain())?,
        };
        this.valid_at(now)
            .map_err(|p| unfit(subject, CertificateProblem::NotValidNow(p)))?;
        Ok(this)
    }

    /// Whether `time` is within the validity period; if not, why.
    pub(crate) fn valid_at(&self, time: SystemTime) -> Result<(), String> {
        if time < self.not_before {
            Err(format!("not valid before {}", rfc3339(self.not_before)))
        } else if time > self.not_after {
            Err(format!("expired at {}", rfc3339(self.not_after)))
        } else {
            Ok(())
        }
    }
}

fn check_extensions(extensions: &[Extension]) -> Result<(), CertificateProblem> {
    for (i, extension) in extensions.iter().enumerate() {
        if extensions[..i]
            .iter()
            .any(|e| e.extn_id == extension.extn_id)
        {
            return Err(CertificateProblem::DuplicateExtension(extension.extn_id));
        }
    }
    let find = |oid| extensions.iter().find(|e| e.extn_id == oid);
    let malformed = |oid| {
        move |e: der::Error| CertificateProblem::Malformed {
            oid,
            reason: e.to_string(),
        }
    };

    let eku = find(ExtendedKeyUsage::OID).ok_or(CertificateProblem::NoExtendedKeyUsage)?;
    if !eku.critical {
        return Err(CertificateProblem::ExtendedKeyUsageNotCritical);
    }
    let purposes = ExtendedKeyUsage::from_der(eku.extn_value.as_bytes())
        .map_err(malformed(ExtendedKeyUsage::OID))?;
    if purposes.0 != [ID_KP_TIME_STAMPING] {
        return Err(CertificateProblem::ExtendedKeyUsageNotTimeStamping(
            purposes.0,
        ));
    }

    let usage = find(KeyUsage::OID).ok_or(CertificateProblem::NoKeyUsage)?;
    let usage =
        KeyUsage::from_der(usage.extn_value.as_bytes()).map_err(malformed(KeyUsage::OID))?;
    if !usage.digital_signature() {
        return Err(CertificateProblem::NoDigitalSignature);
    }
    Ok(())
}

fn encode_chain(chain: &[Certificate]) -> Result<SetOfVec<Any>, TsaError> {
    let mut set = SetOfVec::new();
    for certificate in chain {
        let der = certificate
            .to_der()
            .map_err(TsaError::encode("certificate"))?;
        let any = Any::from_der(&der).map_err(TsaError::encode("certificate"))?;
        // The same certificate twice in a chain is the key's configuration mistake, not a
        // reason to refuse; a SET OF holds it once.
        if !set.iter().any(|held| *held == any) {
            set.insert(any).map_err(TsaError::encode("certificates"))?;
        }
    }
    Ok(set)
}

fn rfc3339(time: SystemTime) -> String {
    der::DateTime::from_system_time(time).map_or_else(|_| format!("{time:?}"), |t| t.to_string())
}
