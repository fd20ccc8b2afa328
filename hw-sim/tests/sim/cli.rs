//! The `hw-sim card` binary: a card in another process, scripted through standard input, and
//! its state surviving a SIGKILL.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use hw_sim::PrivatePcscd;

use crate::common::{issue_certificate, scratch, tool, wait_card};

struct CardProcess {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl CardProcess {
    fn start(pcscd: &PrivatePcscd, state: &std::path::Path, extra: &[&str]) -> CardProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hw-sim"))
            .args(["card", "--state"])
            .arg(state)
            .args(["--vpcd", &pcscd.vpcd_addr().to_string()])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut card = CardProcess {
            child,
            stdin,
            lines,
        };
        let first = card.line();
        assert!(first.starts_with("inserted serial=4242"), "{first}");
        card
    }

    fn line(&mut self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .expect("a line from hw-sim card")
    }

    fn say(&mut self, command: &str) -> String {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
        self.line()
    }
}

impl Drop for CardProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn hw_sim_card_binary_faults_control_lines_and_persistence() {
    let pcscd = PrivatePcscd::start().unwrap();
    let dir = scratch();
    let d = dir.path();
    let state = d.join("card");
    let yubico = |args: &[&str]| {
        let mut all = vec!["-r", pcscd.reader_name()];
        all.extend_from_slice(args);
        tool(&pcscd, d, "yubico-piv-tool", &all)
    };
    let mut card = CardProcess::start(&pcscd, &state, &["--serial", "4242", "--remove-on-sign"]);
    wait_card(&pcscd, d, true);
    let run = yubico(&[
        "-a", "generate", "-s", "9c", "-A", "ECCP256", "-o", "pub.pem",
    ]);
    assert!(run.ok(), "generate: {}", run.text());
    issue_certificate(d, "pub.pem", "/CN=cli", "cert.pem");
    assert!(yubico(&["-a", "import-certificate", "-s", "9c", "-i", "cert.pem"]).ok());
    let sign = [
        ("-a"),
        "verify-pin",
        "-P",
        "123456",
        "-a",
        "test-signature",
        "-s",
        "9c",
        "-i",
        "cert.pem",
    ];
    assert!(
        !yubico(&sign).ok(),
        "--remove-on-sign pulls the card at the signature"
    );
    wait_card(&pcscd, d, false);
    assert!(card.say("status").starts_with("connected=false"));
    assert_eq!(card.say("insert"), "ok");
    wait_card(&pcscd, d, true);
    assert!(yubico(&sign).ok(), "signs after re-insertion");
    assert_eq!(card.say("garbage 1 truncated"), "ok");
    assert!(!yubico(&["-a", "status"]).ok());
    assert!(card.say("bogus").starts_with("error: "));

    // A wrong PIN, then SIGKILL: the counter was on disk before the answer went out.
    assert!(!yubico(&["-a", "verify-pin", "-P", "000000"]).ok());
    let status = card.say("status");
    assert!(status.contains("pin-tries=2"), "{status}");
    drop(card);
    wait_card(&pcscd, d, false);
    let mut card = CardProcess::start(&pcscd, &state, &["--serial", "4242"]);
    wait_card(&pcscd, d, true);
    let status = card.say("status");
    assert!(status.contains("pin-tries=2"), "{status}");
    let run = yubico(&["-a", "status"]);
    assert!(
        run.stdout.contains("PIN tries left:\t2") && run.stdout.contains("CN=cli"),
        "{}",
        run.stdout
    );
    assert!(yubico(&sign).ok(), "the key survived the restart");
}
