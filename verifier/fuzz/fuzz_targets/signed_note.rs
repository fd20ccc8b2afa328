//! Fuzz target `signed_note`: see [`verifier_fuzz::signed_note`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verifier_fuzz::signed_note(data));
