//! Certificate revocation lists ([RFC 5280 §5](https://www.rfc-editor.org/rfc/rfc5280#section-5)).
//!
//! [`Crl`] reads a `CertificateList` (the ASN.1 types are `x509_cert::crl`'s) and interprets
//! the extensions RFC 5280 §5.2 and §5.3 define; the checks of §6.3, simplified for direct
//! CRLs, are in the crate-private `check` module and run through
//! [`super::check`].

mod check;

pub(crate) use self::check::evaluate;

use std::sync::OnceLock;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CERTIFICATE_ISSUER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS,
    ID_CE_DELTA_CRL_INDICATOR, ID_CE_FRESHEST_CRL, ID_CE_HOLD_INSTRUCTION_CODE,
    ID_CE_INVALIDITY_DATE, ID_CE_ISSUER_ALT_NAME, ID_CE_ISSUING_DISTRIBUTION_POINT,
    ID_PE_AUTHORITY_INFO_ACCESS,
};
use der::asn1::{GeneralizedTime, Uint};
use der::{DateTime, Decode as _};
use x509_cert::Certificate;
use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::ext::pkix::{CrlReason, IssuingDistributionPoint};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use super::ext::{decode_extension, first_duplicate};
use super::{DecodeError, RevocationReason, SourceProblem, cert, ser, signed};
use crate::crypto::SignatureAlgorithm;

/// A parsed CRL, with the extensions RFC 5280 defines read out.
#[derive(Debug, Clone)]
pub struct Crl {
    list: CertificateList,
    tbs: Vec<u8>,
    signature: Option<Vec<u8>>,
    number: Option<Uint>,
    base_number: Option<Uint>,
    idp: Option<IssuingDistributionPoint>,
    /// The first critical CRL or entry extension this module does not process.
    unprocessed_critical: Option<ObjectIdentifier>,
    /// Whether some entry names another certificate issuer (an indirect CRL).
    indirect_entries: bool,
    /// The issuer as text, made when first asked for.
    issuer_text: OnceLock<String>,
}

/// One entry of a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlEntry {
    /// `revocationDate`.
    pub revocation_date: DateTime,
    /// The `reasonCode` entry extension (RFC 5280 §5.3.1).
    pub reason: Option<RevocationReason>,
    /// The `invalidityDate` entry extension (RFC 5280 §5.3.2).
    pub invalidity_date: Option<DateTime>,
}

/// CRL extensions this module processes when critical (RFC 5280 §5.2). The others listed
/// there are understood as information and never decide anything here.
const PROCESSED_CRL_EXTENSIONS: &[ObjectIdentifier] = &[
    ID_CE_CRL_NUMBER,
    ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_ISSUING_DISTRIBUTION_POINT,
    ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ID_CE_ISSUER_ALT_NAME,
    ID_CE_FRESHEST_CRL,
    ID_PE_AUTHORITY_INFO_ACCESS,
];

/// CRL entry extensions processed when critical (RFC 5280 §5.3); `certificateIssuer` is
/// recognised and makes the CRL indirect.
const PROCESSED_ENTRY_EXTENSIONS: &[ObjectIdentifier] = &[
    ID_CE_CRL_REASONS,
    ID_CE_INVALIDITY_DATE,
    ID_CE_HOLD_INSTRUCTION_CODE,
];

impl Crl {
    /// Parses a DER `CertificateList` and its extensions.
    ///
    /// A CRL without a version field (v1) is refused: `x509_cert` requires it, and v1
    /// CRLs cannot carry the CRL number that delta CRLs and reports rely on.
    ///
    /// # Errors
    /// [`DecodeError::Der`] if the bytes are not a DER `CertificateList`;
    /// [`DecodeError::DuplicateExtension`] or [`DecodeError::Extension`] if an extension
    /// is repeated or a known one does not decode.
    pub fn from_der(der: &[u8]) -> Result<Self, DecodeError> {
        let parts = signed::split(der).map_err(DecodeError::der("CertificateList"))?;
        let list = CertificateList::from_der(der).map_err(DecodeError::der("CertificateList"))?;
        if list.signature_algorithm != list.tbs_cert_list.signature {
            return Err(DecodeError::SignatureAlgorithmMismatch);
        }
        let extensions = list.tbs_cert_list.crl_extensions.as_deref();
        if let Some(oid) = first_duplicate(extensions) {
            return Err(DecodeError::DuplicateExtension { oid });
        }
        let uint = |oid| decode_extension::<Uint>(extensions, oid);
        let number = uint(ID_CE_CRL_NUMBER)?;
        let base_number = uint(ID_CE_DELTA_CRL_INDICATOR)?;
        // Decoded by OID rather than with `get_extension`: x509-cert 0.3 associates
        // `IssuingDistributionPoint` with the OID of subjectInfoAccess.
        let idp = decode_extension::<IssuingDistributionPoint>(
            extensions,
            ID_CE_ISSUING_DISTRIBUTION_POINT,
        )?;

        let mut unprocessed_critical = extensions
            .unwrap_or_default()
            .iter()
            .find(|e| e.critical && !PROCESSED_CRL_EXTENSIONS.contains(&e.extn_id))
            .map(|e| e.extn_id);
        let mut indirect_entries = false;
        for entry in list.tbs_cert_list.revoked_certificates.iter().flatten() {
            let entry_exts = entry.crl_entry_extensions.as_deref();
            if let Some(oid) = first_duplicate(entry_exts) {
                return Err(DecodeError::DuplicateExtension { oid });
            }
            for ext in entry_exts.unwrap_or_default() {
                if ext.extn_id == ID_CE_CERTIFICATE_ISSUER {
                    indirect_entries = true;
                } else if ext.critical
                    && !PROCESSED_ENTRY_EXTENSIONS.contains(&ext.extn_id)
                    && unprocessed_critical.is_none()
                {
                    unprocessed_critical = Some(ext.extn_id);
                }
            }
        }
        Ok(Self {
            tbs: parts.tbs.to_vec(),
            signature: parts.signature.map(<[u8]>::to_vec),
            list,
            number,
            base_number,
            idp,
            unprocessed_critical,
            indirect_entries,
            issuer_text: OnceLock::new(),
        })
    }

    /// The decoded `CertificateList`.
    #[must_use]
    pub fn certificate_list(&self) -> &CertificateList {
        &self.list
    }

    /// The CRL issuer.
    #[must_use]
    pub fn issuer(&self) -> &Name {
        &self.list.tbs_cert_list.issuer
    }

    /// The issuer as RFC 4514 text (as its `Display` writes it), made once.
    pub(crate) fn issuer_text(&self) -> &str {
        self.issuer_text
            .get_or_init(|| crate::path::name_text(self.issuer()))
    }

    /// `thisUpdate`.
    #[must_use]
    pub fn this_update(&self) -> DateTime {
        self.list.tbs_cert_list.this_update.to_date_time()
    }

    /// `nextUpdate`.
    #[must_use]
    pub fn next_update(&self) -> Option<DateTime> {
        self.list
            .tbs_cert_list
            .next_update
            .map(|t| t.to_date_time())
    }

    /// The CRL number (RFC 5280 §5.2.3) in decimal.
    #[must_use]
    pub fn number(&self) -> Option<String> {
        self.number.as_ref().map(|n| ser::decimal(n.as_bytes()))
    }

    /// For a delta CRL, the `BaseCRLNumber` of its delta CRL indicator (RFC 5280 §5.2.4)
    /// in decimal; `None` for a complete CRL.
    #[must_use]
    pub fn base_number(&self) -> Option<String> {
        self.base_number
            .as_ref()
            .map(|n| ser::decimal(n.as_bytes()))
    }

    /// Whether this is a delta CRL.
    #[must_use]
    pub fn is_delta(&self) -> bool {
        self.base_number.is_some()
    }

    /// The issuing distribution point extension (RFC 5280 §5.2.5), if present.
    #[must_use]
    pub fn issuing_distribution_point(&self) -> Option<&IssuingDistributionPoint> {
        self.idp.as_ref()
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .map_or(0, Vec::len)
    }

    /// Whether the CRL lists no certificate.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry for `serial`, if listed.
    ///
    /// # Errors
    /// [`SourceProblem::Malformed`] if the entry's reason code or invalidity date does
    /// not decode.
    pub fn entry(&self, serial: &SerialNumber) -> Result<Option<CrlEntry>, SourceProblem> {
        let Some(entry) = self
            .list
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|e| &e.serial_number == serial)
        else {
            return Ok(None);
        };
        read_entry(entry).map(Some)
    }

    /// Verifies the CRL's signature with the key of `issuer`, checking nothing else.
    ///
    /// # Errors
    /// [`SourceProblem::UnsupportedAlgorithm`] for algorithms this verifier cannot check
    /// (GOST), [`SourceProblem::WeakAlgorithm`], or [`SourceProblem::SignatureInvalid`].
    pub fn verify_signature(
        &self,
        issuer: &Certificate,
    ) -> Result<SignatureAlgorithm, SourceProblem> {
        self.verify_with(&cert::SignerKey::of(issuer, None))
    }

    fn verify_with(&self, key: &cert::SignerKey<'_>) -> Result<SignatureAlgorithm, SourceProblem> {
        cert::verify(
            key,
            &self.list.signature_algorithm,
            &self.tbs,
            self.signature.as_deref(),
        )
    }

    /// The CRL number, for ordering (RFC 5280 §5.2.3: "monotonically increasing").
    fn number_key(&self) -> Option<(usize, &[u8])> {
        self.number.as_ref().map(number_key)
    }
}

/// An unsigned integer as a key that orders like its value (no leading zero octets).
fn number_key(n: &Uint) -> (usize, &[u8]) {
    (n.as_bytes().len(), n.as_bytes())
}

fn read_entry(entry: &RevokedCert) -> Result<CrlEntry, SourceProblem> {
    let exts = entry.crl_entry_extensions.as_deref();
    let malformed = |e: DecodeError| SourceProblem::Malformed {
        detail: e.to_string(),
    };
    let reason = decode_extension::<CrlReason>(exts, ID_CE_CRL_REASONS).map_err(malformed)?;
    let invalidity =
        decode_extension::<GeneralizedTime>(exts, ID_CE_INVALIDITY_DATE).map_err(malformed)?;
    Ok(CrlEntry {
        revocation_date: entry.revocation_date.to_date_time(),
        reason: reason.map(Into::into),
        invalidity_date: invalidity.map(|t| t.to_date_time()),
    })
}
