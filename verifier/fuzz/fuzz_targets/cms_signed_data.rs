//! Fuzz target `cms_signed_data`: see [`verifier_fuzz::cms_signed_data`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verifier_fuzz::cms_signed_data(data));
