//! Revocation information handed in by the caller: CRLs and OCSP responses, DER or PEM.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::DecodeError;
use super::crl::Crl;
use super::ocsp::ParsedOcspResponse;

/// Where a CRL or OCSP response came from, as reported in the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum SourceOrigin {
    /// Handed in by the caller (a file, a configuration).
    Supplied,
    /// Embedded in the evidence being verified (a CMS `RevocationInfoChoices`, a PAdES DSS,
    /// a CAdES `revocation-values` attribute).
    Embedded,
    /// Fetched during this check.
    Fetched {
        /// The location.
        uri: String,
    },
}

impl fmt::Display for SourceOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Supplied => f.write_str("supplied"),
            Self::Embedded => f.write_str("embedded"),
            Self::Fetched { uri } => write!(f, "fetched from {uri}"),
        }
    }
}

/// The two kinds of revocation source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A certificate revocation list (RFC 5280 §5).
    Crl,
    /// An OCSP response (RFC 6960).
    Ocsp,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Crl => "CRL",
            Self::Ocsp => "OCSP response",
        })
    }
}

/// One source as loaded: parsed (shared, so that copying the sources for one validation
/// does not copy a large CRL), or the reason it could not be.
#[derive(Debug, Clone)]
pub(crate) struct Loaded<T> {
    pub(crate) origin: SourceOrigin,
    pub(crate) parsed: Result<Arc<T>, DecodeError>,
}

/// The CRLs and OCSP responses available to a check, besides what it may fetch.
///
/// Each is parsed once when added. Bytes that do not parse are kept as such and reported
/// among the rejected sources of every check, so nothing handed in goes unmentioned.
#[derive(Debug, Clone, Default)]
pub struct RevocationSources {
    pub(crate) crls: Vec<Loaded<Crl>>,
    pub(crate) ocsp: Vec<Loaded<ParsedOcspResponse>>,
}

impl RevocationSources {
    /// No sources.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the CRLs in `bytes`: one DER `CertificateList`, or any number of PEM blocks
    /// labelled `X509 CRL` (RFC 7468 §5), with any text around them. Returns how many objects were found, including
    /// malformed ones.
    pub fn add_crls(&mut self, bytes: &[u8], origin: SourceOrigin) -> usize {
        let loaded = decode_all(bytes, "X509 CRL", Crl::from_der);
        let count = loaded.len();
        self.crls.extend(loaded.into_iter().map(|parsed| Loaded {
            origin: origin.clone(),
            parsed: parsed.map(Arc::new),
        }));
        count
    }

    /// Adds the OCSP responses in `bytes`: one DER `OCSPResponse`, or any number of PEM
    /// blocks labelled `OCSP RESPONSE` (the label OpenSSL would use; RFC 7468 defines none).
    /// Returns how many objects were found, including malformed ones.
    pub fn add_ocsp_responses(&mut self, bytes: &[u8], origin: SourceOrigin) -> usize {
        let loaded = decode_all(bytes, "OCSP RESPONSE", ParsedOcspResponse::parse);
        let count = loaded.len();
        self.ocsp.extend(loaded.into_iter().map(|parsed| Loaded {
            origin: origin.clone(),
            parsed: parsed.map(Arc::new),
        }));
        count
    }

    /// Adds a CRL already parsed.
    pub fn add_crl(&mut self, crl: Crl, origin: SourceOrigin) {
        self.crls.push(Loaded {
            origin,
            parsed: Ok(Arc::new(crl)),
        });
    }

    /// The number of CRLs held (including malformed ones).
    #[must_use]
    pub fn crl_count(&self) -> usize {
        self.crls.len()
    }

    /// The number of OCSP responses held (including malformed ones).
    #[must_use]
    pub fn ocsp_count(&self) -> usize {
        self.ocsp.len()
    }

    /// Whether there are no sources at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.crls.is_empty() && self.ocsp.is_empty()
    }
}

/// Parses `bytes` as one DER object, or as PEM blocks with `label`.
fn decode_all<T>(
    bytes: &[u8],
    label: &'static str,
    parse: impl Fn(&[u8]) -> Result<T, DecodeError>,
) -> Vec<Result<T, DecodeError>> {
    if !looks_like_pem(bytes) {
        return vec![parse(bytes)];
    }
    pem_blocks(bytes)
        .into_iter()
        .map(|block| {
            let (found, der) =
                der::pem::decode_vec(block).map_err(|e| DecodeError::Pem(e.to_string()))?;
            if found != label {
                return Err(DecodeError::PemLabel {
                    expected: label,
                    found: found.to_owned(),
                });
            }
            parse(&der)
        })
        .collect()
}

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";

/// Whether `bytes` hold PEM armour rather than DER, which always starts with the
/// `SEQUENCE` tag here.
fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.first() != Some(&0x30) && find(bytes, BEGIN).is_some()
}

/// The PEM blocks in `bytes`, each from `-----BEGIN ` to the end of its `-----END …-----`
/// line; text between blocks is ignored (RFC 7468 §5.2 allows explanatory text). A block
/// without an end runs to the end of the input, so that its decoding reports the defect.
fn pem_blocks(bytes: &[u8]) -> Vec<&[u8]> {
    let mut blocks = Vec::new();
    let mut rest = bytes;
    while let Some(start) = find(rest, BEGIN) {
        let from = &rest[start..];
        let end = find(from, END)
            .and_then(|e| {
                let after = e + END.len();
                find(&from[after..], DASHES).map(|d| after + d + DASHES.len())
            })
            .unwrap_or(from.len());
        blocks.push(&from[..end]);
        rest = &from[end..];
    }
    blocks
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_pem_blocks_and_ignores_text_between() {
        let text = b"junk\n-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\nnote\n-----BEGIN X509 CRL-----\nBBBB\n-----END X509 CRL-----\n";
        let blocks = pem_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert!(blocks[0].starts_with(BEGIN));
        assert!(blocks[0].ends_with(b"-----END X509 CRL-----"));
        assert!(blocks[1].ends_with(b"-----END X509 CRL-----"));
        assert!(looks_like_pem(text));
        assert!(!looks_like_pem(b"\x30\x03-----BEGIN "));
    }

    #[test]
    fn unterminated_block_runs_to_the_end() {
        let blocks = pem_blocks(b"-----BEGIN X509 CRL-----\nAAAA\n");
        assert_eq!(blocks.len(), 1);
    }
}
