//! Fuzz target `pades_verify`: see [`verifier_fuzz::pades_verify`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verifier_fuzz::pades_verify(data));
