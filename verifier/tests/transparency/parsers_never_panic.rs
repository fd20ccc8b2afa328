//! Every parser and verifier returns an error, never panics, on arbitrary input: random
//! bytes, text over the formats' own alphabet, and random edits of valid receipts.

use proptest::prelude::*;
use proptest::sample::Index;
use verifier::checkpoint::{Checkpoint, verify_checkpoint};
use verifier::note::{EcdsaP256NoteVerifier, SignedNote, verify_note};
use verifier::receipt::{Receipt, verify_receipt};

use crate::support::{Log, public_key_pem};

const ORIGIN: &str = "o";

fn log() -> Log {
    Log::new("fuzz", ORIGIN, 3)
}

fn verifier(log: &Log) -> EcdsaP256NoteVerifier {
    EcdsaP256NoteVerifier::from_public_key_pem(ORIGIN, &public_key_pem(&log.key)).unwrap()
}

/// Feeds `input` to every entry point; only panics matter here.
fn exercise(input: &[u8], verifier: &EcdsaP256NoteVerifier) {
    let _ = SignedNote::parse(input);
    let _ = verify_note(input, verifier);
    let _ = Checkpoint::parse(&String::from_utf8_lossy(input));
    let _ = verify_checkpoint(input, verifier, ORIGIN);
    if let Ok(receipt) = Receipt::parse(input) {
        let _ = receipt.claimed_origin();
        if let Ok(verified) = receipt.verify(verifier) {
            let _ = verified.check_blob(input);
        }
    }
    let _ = verify_receipt(input, verifier);
}

/// Lines made of the formats' own vocabulary, so parsing gets past the first checks.
fn format_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("c2sp.org/tlog-proof@v1".to_owned()),
        "extra [A-Za-z0-9+/]{0,16}={0,2}",
        "index (0|[1-9][0-9]{0,20})",
        "[A-Za-z0-9+/]{42,44}={0,2}",
        Just(String::new()),
        Just(ORIGIN.to_owned()),
        "[0-9]{1,21}",
        "\u{2014} [a-z+ ]{0,4} [A-Za-z0-9+/]{0,12}={0,2}",
        ".{0,12}",
    ];
    proptest::collection::vec(line, 0..14).prop_map(|lines| {
        let mut text = lines.join("\n");
        text.push('\n');
        text
    })
}

proptest! {
    #[test]
    fn random_bytes(input in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let log = log();
        exercise(&input, &verifier(&log));
    }

    #[test]
    fn format_shaped_text(input in format_text()) {
        let log = log();
        exercise(input.as_bytes(), &verifier(&log));
    }

    #[test]
    fn edited_receipts(
        edits in proptest::collection::vec((any::<Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let log = log();
        let verifier = verifier(&log);
        let mut receipt = log.receipt(1).into_bytes();
        for (at, byte, op) in edits {
            let i = at.index(receipt.len() + 1);
            match op {
                0 if i < receipt.len() => receipt[i] = byte,
                1 if i < receipt.len() => {
                    receipt.remove(i);
                }
                _ => receipt.insert(i, byte),
            }
        }
        exercise(&receipt, &verifier);
    }
}
