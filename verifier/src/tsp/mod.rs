//! RFC 3161 Time-Stamp Protocol (TSP) structures, as updated by RFC 5816, and the ESS
//! `SigningCertificateV2` attribute of RFC 5035 that binds a time-stamp token to its TSA
//! certificate.
//!
//! This module holds only the ASN.1 types: one Rust type per ASN.1 structure, each quoting its
//! definition, with DER encoding and decoding derived through [`der`]. It performs no signature
//! or certificate checks; a decoded [`TstInfo`] says nothing about who produced it. Verifying a
//! [`TimeStampToken`] (its CMS signature, the ESS binding and the TSA certificate path) is a
//! separate step built on these types.
//!
//! Decoding is strict DER. Beyond what the derives check, the types below also reject the
//! encodings DER forbids for this module in particular:
//!
//! * a `DEFAULT` value spelled out (X.690 §11.5): see [`DefaultFalse`] and [`EssHashAlgorithm`];
//! * a `PKIFailureInfo` with trailing zero bits (X.690 §11.2.2): see [`PkiFailureInfo`];
//! * `genTime` fractions with trailing zeros (RFC 3161 §2.4.2): see [`GenTime`];
//! * `millis`/`micros` outside `1..999` (RFC 3161 §2.4.2): see [`SubSecond`].
//!
//! The `parse` constructors ([`TimeStampReq::parse`], [`TimeStampResp::parse`],
//! [`TstInfo::parse`]) add the structural rules RFC 3161 states in prose, such as "a granted
//! response carries a token" and "the imprint is as long as its hash".

mod error;
mod ess;
mod fields;
mod gen_time;
mod oid;
mod request;
mod response;
mod tst_info;

pub use self::error::TspError;
pub use self::ess::{EssCertIdV2, EssHashAlgorithm, IssuerSerial, SigningCertificateV2};
pub use self::fields::{DefaultFalse, TspVersion};
pub use self::gen_time::GenTime;
pub use self::oid::{
    ID_AA_SIGNING_CERTIFICATE_V2, ID_CT_TST_INFO, ID_KP_TIME_STAMPING, ID_SHA256, digest_output_len,
};
pub use self::request::{MessageImprint, TimeStampReq, TsaPolicyId};
pub use self::response::{
    PkiFailureInfo, PkiFreeText, PkiStatus, PkiStatusInfo, TimeStampResp, TimeStampToken,
};
pub use self::tst_info::{Accuracy, SubSecond, TstInfo};
