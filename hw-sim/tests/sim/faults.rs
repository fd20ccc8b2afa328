//! Faults seen by real clients: a card pulled mid-signature, garbage, slowness.

use std::time::{Duration, Instant};

use devices::piv::wire::{KeyAlgorithm, Slot};
use hw_sim::{Faults, Garbage};

use crate::common::Rig;

fn test_signature(rig: &Rig) -> crate::common::Run {
    rig.yubico(&[
        "-a",
        "verify-pin",
        "-P",
        "123456",
        "-a",
        "test-signature",
        "-s",
        "9c",
        "-i",
        "ec-cert.pem",
    ])
}

#[test]
fn remove_on_sign_pulls_the_card_until_it_is_reinserted() {
    let rig = Rig::start();
    rig.key_with_certificate(Slot::Signature, KeyAlgorithm::EccP256, "ec");
    assert!(test_signature(&rig).ok());

    rig.card.set_faults(Faults {
        remove_on_sign: true,
        ..Faults::default()
    });
    let run = test_signature(&rig);
    assert!(
        !run.ok(),
        "signed although the card was pulled: {}",
        run.text()
    );
    rig.card.wait_disconnected(Duration::from_secs(5)).unwrap();
    assert_eq!(rig.card.stats().fault_removals, 1);
    assert!(!rig.card.faults().remove_on_sign, "one-shot");
    // pcscd and its clients see an empty reader.
    rig.wait_card_absent();
    let run = rig.yubico(&["-a", "status"]);
    assert!(!run.ok(), "status without a card: {}", run.text());
    let run = rig.run("pcsc_scan", &["-c", "-t", "1"]);
    assert!(run.stdout.contains("Card removed"), "{}", run.text());

    rig.card.insert();
    rig.card.wait_present(Duration::from_secs(10)).unwrap();
    assert!(rig.card_present());
    let run = test_signature(&rig);
    assert!(run.ok(), "after re-insertion: {}", run.text());
}

#[test]
fn remove_on_sign_with_automatic_reinsertion() {
    let rig = Rig::start();
    rig.key_with_certificate(Slot::Signature, KeyAlgorithm::EccP256, "ec");
    rig.card.set_faults(Faults {
        remove_on_sign: true,
        reinsert_after: Some(Duration::from_millis(500)),
        ..Faults::default()
    });
    assert!(!test_signature(&rig).ok());
    rig.card.wait_present(Duration::from_secs(10)).unwrap();
    assert!(rig.card_present());
    assert!(test_signature(&rig).ok());
    assert_eq!(rig.card.stats().connections, 2);
}

#[test]
fn garbage_answers_fail_the_exchange_without_touching_the_card() {
    let rig = Rig::start();
    for kind in [Garbage::Random, Garbage::Truncated] {
        rig.card.set_faults(Faults {
            garbage: 1,
            garbage_kind: kind,
            ..Faults::default()
        });
        let run = rig.yubico(&["-a", "verify-pin", "-P", "000000"]);
        assert!(!run.ok(), "{kind:?}: {}", run.text());
        assert!(
            !run.text().contains("tries left"),
            "{kind:?}: {}",
            run.text()
        );
        assert_eq!(rig.card.faults().garbage, 0);
        let run = rig.yubico(&["-a", "status"]);
        assert!(run.ok(), "{kind:?} then a clean exchange: {}", run.text());
        // A garbled command was not executed: no PIN try was spent.
        assert_eq!(rig.card.with_card(|c| c.pin_tries_left()), 3);
    }
    assert_eq!(rig.card.stats().garbage_sent, 2);
}

#[test]
fn delayed_answers_slow_the_client_down() {
    let rig = Rig::start();
    let start = Instant::now();
    assert!(rig.yubico(&["-a", "version"]).ok());
    let fast = start.elapsed();
    let before = rig.card.stats().apdus;
    rig.card.set_faults(Faults {
        delay: Duration::from_millis(250),
        ..Faults::default()
    });
    let start = Instant::now();
    let run = rig.yubico(&["-a", "version"]);
    let slow = start.elapsed();
    assert!(run.ok(), "{}", run.text());
    let apdus = u32::try_from(rig.card.stats().apdus - before).unwrap();
    assert!(
        apdus >= 3,
        "SELECT, VERIFY, GET VERSION, GET SERIAL: {apdus}"
    );
    assert!(
        slow >= Duration::from_millis(250) * apdus,
        "{slow:?} for {apdus} APDUs (undelayed {fast:?})"
    );
}
