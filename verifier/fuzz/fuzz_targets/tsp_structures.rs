//! Fuzz target `tsp_structures`: see [`verifier_fuzz::tsp_structures`].

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verifier_fuzz::tsp_structures(data));
