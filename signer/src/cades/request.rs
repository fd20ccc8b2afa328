//! What a caller asks for: the content, attached or detached, the CAdES level, and the
//! services the higher levels need.

use std::fmt;
use std::str::FromStr;

use der::DateTime;
use x509_cert::Certificate;

use super::revocation::RevocationValues;
use crate::tsa::Timestamper;

/// The CAdES baseline level of a signature (ETSI EN 319 122-1 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// B-B: the signed attributes content-type, message-digest, signing-time and
    /// signing-certificate-v2, and the signer's certificate chain in `certificates`.
    BB,
    /// B-T: B-B plus a signature time-stamp (ETSI EN 319 122-1 §5.3) proving the signature
    /// existed at the token's time.
    BT,
    /// B-LT: B-T plus every certificate of the signer's and the TSA's paths in
    /// `SignedData.certificates` and their revocation values in `SignedData.crls`, so that
    /// the signature validates with no outside source.
    BLT,
}

impl Level {
    /// The name ETSI uses: `B-B`, `B-T` or `B-LT`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::BB => "B-B",
            Self::BT => "B-T",
            Self::BLT => "B-LT",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A level name that is not `B-B`, `B-T` or `B-LT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level {0:?}: use B-B, B-T or B-LT")]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;

    /// Reads `B-B`, `B-T` or `B-LT`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::BB, Self::BT, Self::BLT]
            .into_iter()
            .find(|level| level.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownLevel(s.to_owned()))
    }
}

/// The content to sign.
#[derive(Clone, Copy, Debug)]
pub enum Content<'a> {
    /// The content's octets (`id-data`).
    Data(&'a [u8]),
    /// Only the SHA-256 of the content: the signature can only be detached.
    Sha256([u8; 32]),
}

/// One CMS signature to make.
#[derive(Clone, Copy, Debug)]
pub struct CmsRequest<'a> {
    /// What is signed.
    pub content: Content<'a>,
    /// Whether the content is left out of the `SignedData` (RFC 5652 §5.2: `eContent`
    /// absent). Must be `true` for [`Content::Sha256`].
    pub detached: bool,
    /// The CAdES level.
    pub level: Level,
    /// The signing-time attribute's value (RFC 5652 §11.3), the signer's claim. Injected, not
    /// read from the clock here, so that callers and tests decide it.
    pub signing_time: DateTime,
}

/// What the levels above B-B need from outside.
#[derive(Clone, Copy, Default)]
pub struct LevelServices<'a> {
    /// The time-stamp authority, for B-T and B-LT.
    pub timestamper: Option<&'a dyn Timestamper>,
    /// Where B-LT revocation values come from.
    pub revocation: Option<&'a dyn RevocationValues>,
    /// Certificates of the TSA's path that its tokens leave out (its CAs), embedded at
    /// B-LT and used to check tokens.
    pub extra_certificates: &'a [Certificate],
}

impl fmt::Debug for LevelServices<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LevelServices")
            .field("timestamper", &self.timestamper.is_some())
            .field("revocation", &self.revocation.is_some())
            .field("extra_certificates", &self.extra_certificates.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_round_trip() {
        for level in [Level::BB, Level::BT, Level::BLT] {
            assert_eq!(level.name().parse::<Level>(), Ok(level));
        }
        assert_eq!("b-lt".parse::<Level>(), Ok(Level::BLT));
        assert!("B-LTA".parse::<Level>().is_err());
        assert!(Level::BB < Level::BT && Level::BT < Level::BLT);
    }
}
