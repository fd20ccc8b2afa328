//! Fuzz target `timestamp_token`: see [`verifier_fuzz::timestamp_token`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verifier_fuzz::timestamp_token(data));
