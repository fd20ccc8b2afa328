//! The vocabulary of validation reports.
//!
//! For now only the outcome codes of ETSI EN 319 102-1 §5.1.3, shared by every part of the
//! verifier that concludes something about a signature, a time-stamp or a certificate path.

pub mod indication;

pub use self::indication::{Indication, SubIndication};
