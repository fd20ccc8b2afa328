//! PAdES signatures (ETSI EN 319 142-1 baseline; ISO 32000-2 §12.8): a signature field with
//! a visible appearance, a signature dictionary with `/SubFilter /ETSI.CAdES.detached`, and
//! a CMS over the exact `/ByteRange`, written as an incremental update so that the original
//! bytes — and the signatures already in them — are never touched.
//!
//! Levels: B-B (the CMS), B-T (plus a signature time-stamp in the CMS), B-LT (plus a DSS
//! dictionary with the certificates and revocation values of the signer's and the TSA's
//! paths, in a second update), B-LTA (plus a document time-stamp, in a third).

pub mod appearance;
mod capture;
mod document;
mod dss;
mod file;
mod request;
mod rewrite;
mod sign;
mod signature;
mod update;

pub use self::capture::{CAPTURE_KIND, CaptureError, load_capture};
pub use self::file::sign_pdf_file;
pub use self::request::{Certification, PadesLevel, PdfSignRequest, Placement};
pub use self::sign::{Signed, sign_pdf};

/// Why a PDF could not be signed. Never carries key material or a PIN.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PadesError {
    /// The input is not a PDF this signer can extend.
    #[error("the input is not a usable PDF: {0}")]
    Pdf(String),
    /// The page or field asked for does not exist, or the rectangle is unusable.
    #[error("{0}")]
    Placement(String),
    /// The document forbids another signature (a certifying signature with DocMDP P=1).
    #[error("the document's certification forbids changes: {0}")]
    Locked(String),
    /// The CMS did not fit the space reserved for it.
    #[error("the signature is {needed} bytes but only {reserved} were reserved")]
    ContentsTooSmall {
        /// Its size.
        needed: usize,
        /// The space reserved.
        reserved: usize,
    },
    /// A size limit was exceeded.
    #[error("too large: {0}")]
    TooLarge(&'static str),
    /// The CMS could not be made.
    #[error(transparent)]
    Cades(#[from] crate::cades::CadesError),
    /// The appearance could not be built.
    #[error("appearance: {0}")]
    Appearance(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// Writing the update failed (serialisation).
    #[error("cannot write the update: {0}")]
    Write(String),
    /// A bug: an invariant of the writer did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

impl PadesError {
    fn write(e: impl std::fmt::Display) -> Self {
        Self::Write(e.to_string())
    }
}
