//! Unit tests of the PIV driver against scripted in-memory transports: one file per topic.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;

use crate::transport::{Transport, TransportError};

mod exchange;
mod keygen;
mod management;
mod objects;
mod pin;
mod robustness;
mod sign;

/// Hex with optional spaces and newlines → bytes.
pub(super) fn h(hex: &str) -> Vec<u8> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd hex: {hex}");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// `data` followed by status word `sw`.
pub(super) fn resp(data: &[u8], sw: u16) -> Vec<u8> {
    let mut out = data.to_vec();
    out.extend_from_slice(&sw.to_be_bytes());
    out
}

type Handler = Box<dyn FnMut(&[u8]) -> Result<Vec<u8>, TransportError>>;

/// A card that expects an exact sequence of commands. Each step checks the command it gets and
/// returns a canned (or computed) answer; `log` records every command and whether it came
/// inside a transaction.
pub(super) struct Script {
    steps: VecDeque<Handler>,
    pub(super) log: Vec<(Vec<u8>, bool)>,
    pub(super) transactions: usize,
    in_transaction: bool,
}

impl Script {
    pub(super) fn new() -> Script {
        Script {
            steps: VecDeque::new(),
            log: Vec::new(),
            transactions: 0,
            in_transaction: false,
        }
    }

    /// Expect exactly `command`, answer `response`.
    pub(super) fn expect(self, command: Vec<u8>, response: Vec<u8>) -> Script {
        self.reply(move |got| {
            assert_eq!(hex(got), hex(&command), "unexpected command");
            Ok(response.clone())
        })
    }

    /// Expect a command given in hex, answer with data (hex) and a status word.
    pub(super) fn expect_hex(self, command: &str, data: &str, sw: u16) -> Script {
        self.expect(h(command), resp(&h(data), sw))
    }

    /// Answer the next command, whatever it is, with `f`.
    pub(super) fn reply(
        mut self,
        f: impl FnMut(&[u8]) -> Result<Vec<u8>, TransportError> + 'static,
    ) -> Script {
        self.steps.push_back(Box::new(f));
        self
    }

    /// Fail the next command with `e`.
    pub(super) fn fail(self, e: TransportError) -> Script {
        self.reply(move |_| Err(e.clone()))
    }

    /// Asserts that every scripted step was used.
    pub(super) fn done(&self) {
        assert!(
            self.steps.is_empty(),
            "{} scripted commands were not sent",
            self.steps.len()
        );
    }
}

impl Transport for Script {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.log.push((command.to_vec(), self.in_transaction));
        let mut step = self
            .steps
            .pop_front()
            .unwrap_or_else(|| panic!("unscripted command {}", hex(command)));
        step(command)
    }

    fn transaction(
        &mut self,
        body: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        self.transactions += 1;
        let outer = std::mem::replace(&mut self.in_transaction, true);
        body(self);
        self.in_transaction = outer;
        Ok(())
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The SELECT the driver sends, and a YubiKey-like answer.
pub(super) const SELECT: &str = "00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00";
pub(super) const SELECT_ANSWER: &str = "61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08";
