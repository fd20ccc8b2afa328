//! The Kazakh certificate profile: what certificates of the National Certification Centre
//! of the Republic of Kazakhstan (НУЦ РК, NCA) say about their holders.
//!
//! [`KzProfile::from_certificate`] reads, from any [`x509_cert::Certificate`]:
//!
//! * the subject's names ([`SubjectFacts`]), whatever string type encodes them;
//! * the holder's IIN (`SERIALNUMBER=IIN<12 digits>`) and the organisation's BIN
//!   (`OU=BIN<12 digits>`), with their check digits verified ([`IdentificationNumber`]);
//! * the holder's roles, from the NCA identifiers in the extended key usage ([`NcaRole`]);
//! * the NCA certificate policies ([`NcaPolicy`]);
//! * whether it is a signing or an authentication certificate ([`Purpose`]).
//!
//! Anything malformed or unknown becomes a [`Finding`] rather than an error: a report must be
//! able to show a certificate whose IIN fails its check digit (as the NCA's own test IIN
//! `123456789011` does) rather than refuse to show it.
//!
//! Two checks turn the profile into decisions: [`check_purpose`] refuses, for instance, an
//! authentication certificate offered for signing, and [`expect_iin`] / [`expect_bin`]
//! refuse a certificate whose holder is not the one a request names.
//!
//! Everything here is [`serde::Serialize`] for the validation report.

mod expect;
mod finding;
mod number;
mod oid;
mod policy;
mod profile;
mod purpose;
mod role;
mod ser;
mod strings;
mod subject;

pub use self::expect::{ExpectationError, expect_bin, expect_iin};
pub use self::finding::Finding;
pub use self::number::{IdKind, IdentificationNumber, NumberDefect};
pub use self::policy::NcaPolicy;
pub use self::profile::KzProfile;
pub use self::purpose::{KeyUsageBit, Purpose, PurposeError, check_purpose};
pub use self::role::NcaRole;
pub use self::subject::SubjectFacts;
