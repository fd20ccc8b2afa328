//! Fuzz target `revocation`: see [`verifier_fuzz::revocation`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verifier_fuzz::revocation(data));
