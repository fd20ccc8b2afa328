//! The RFC 3161 time-stamp authority and client (being written).
