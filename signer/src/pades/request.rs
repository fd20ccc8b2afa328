//! What a PAdES signature request says: level, where the signature goes, what it shows,
//! whether it certifies the document.

use std::str::FromStr;

/// PAdES baseline levels (ETSI EN 319 142-1 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PadesLevel {
    /// The signature.
    BB,
    /// Plus a signature time-stamp.
    BT,
    /// Plus a DSS with the validation data of the signer's and the TSA's paths.
    BLT,
    /// Plus a document time-stamp over all of it.
    BLTA,
}

impl FromStr for PadesLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_uppercase().as_str() {
            "B-B" => Ok(Self::BB),
            "B-T" => Ok(Self::BT),
            "B-LT" => Ok(Self::BLT),
            "B-LTA" => Ok(Self::BLTA),
            _ => Err(format!(
                "unknown PAdES level {s:?}: use B-B, B-T, B-LT or B-LTA"
            )),
        }
    }
}

impl std::fmt::Display for PadesLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::BB => "B-B",
            Self::BT => "B-T",
            Self::BLT => "B-LT",
            Self::BLTA => "B-LTA",
        })
    }
}

/// Where the signature goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// A new field on `page` (1-based) at `rect` = [x1 y1 x2 y2] in default user space
    /// (points, origin bottom left).
    Rect {
        /// The page, from 1.
        page: usize,
        /// The rectangle.
        rect: [f32; 4],
    },
    /// The existing, unsigned signature field of this full name.
    Field(String),
    /// The first unsigned signature field of the form (the next signature box of a
    /// protocol).
    NextFree,
    /// A new invisible field on the first page.
    Invisible,
}

/// DocMDP permissions of a certifying signature (ISO 32000-1 §12.8.2.2, Table 254).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certification {
    /// P=1: no changes at all.
    NoChanges,
    /// P=2: filling in forms and signing (the protocol default).
    FormFillingAndSigning,
    /// P=3: as 2, and annotations.
    Annotations,
}

impl Certification {
    pub(crate) fn p(self) -> i64 {
        match self {
            Self::NoChanges => 1,
            Self::FormFillingAndSigning => 2,
            Self::Annotations => 3,
        }
    }
}

/// One signature to add to a PDF.
#[derive(Clone, Debug)]
pub struct PdfSignRequest {
    /// The level.
    pub level: PadesLevel,
    /// Where it goes.
    pub placement: Placement,
    /// The new field's name (default `Signature<N>`); ignored for an existing field.
    pub field_name: Option<String>,
    /// Lines of text the appearance shows (name, role, IIN, time); none: no text.
    pub lines: Vec<String>,
    /// The handwritten signature, as pen data from the tablet.
    pub handwriting: Option<super::appearance::PenData>,
    /// Certify the document (only as its first signature).
    pub certify: Option<Certification>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/M`, the claimed signing time (ETSI EN 319 142-1 §5.4).
    pub signing_time: std::time::SystemTime,
}
