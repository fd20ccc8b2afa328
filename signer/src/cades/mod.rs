//! CMS / CAdES signing (RFC 5652, ETSI EN 319 122-1 baseline).

pub mod signer_info;
