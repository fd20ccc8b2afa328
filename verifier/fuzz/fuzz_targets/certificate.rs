//! Fuzz target `certificate`: see [`verifier_fuzz::certificate`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verifier_fuzz::certificate(data));
