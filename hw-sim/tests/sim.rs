//! hw-sim's tests, one binary: the card logic APDU by APDU, and the virtual card in a private
//! pcscd driven by independent tools (yubico-piv-tool, OpenSC's pkcs11-tool, OpenSSL).
//! A missing tool fails its test with the package to install; nothing is skipped.
#![allow(clippy::unwrap_used)]

#[path = "sim/card.rs"]
mod card;
#[path = "sim/cli.rs"]
mod cli;
#[path = "sim/common.rs"]
mod common;
#[path = "sim/faults.rs"]
mod faults;
#[path = "sim/opensc.rs"]
mod opensc;
#[path = "sim/yubico.rs"]
mod yubico;
