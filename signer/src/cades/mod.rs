//! CMS / CAdES signing (being written).
