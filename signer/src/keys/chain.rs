//! Certificate chains given as PEM files.

use std::path::Path;

use x509_cert::Certificate;

use super::KeyError;

/// Reads the PEM file `path`: one or more `CERTIFICATE` blocks, the key's certificate first,
/// then its issuers.
///
/// # Errors
/// [`KeyError::Read`] if the file cannot be read, [`KeyError::Format`] if it holds anything
/// but certificates, or none at all.
pub fn read_certificate_chain(path: &Path) -> Result<Vec<Certificate>, KeyError> {
    let what = || format!("certificate file {}", path.display());
    let pem = std::fs::read(path).map_err(|source| KeyError::Read {
        what: what(),
        source,
    })?;
    // `load_pem_chain` decodes strict DER; its errors name positions, never content.
    let chain = Certificate::load_pem_chain(&pem).map_err(|e| KeyError::Format {
        what: what(),
        reason: e.to_string(),
    })?;
    if chain.is_empty() {
        return Err(KeyError::Format {
            what: what(),
            reason: "no certificate in it".to_owned(),
        });
    }
    Ok(chain)
}
