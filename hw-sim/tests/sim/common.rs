//! Shared rig: a private pcscd, a virtual card in its vpcd reader, a scratch directory, and
//! a runner for the real tools with a timeout.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use devices::piv::wire::{KeyAlgorithm, Slot};
use devices::tlv;
use hw_sim::{CardConfig, CardHandle, Faults, PivCard, PrivatePcscd};

/// OpenSC's PKCS#11 module as Debian installs it (package opensc-pkcs11).
pub(crate) const OPENSC_PKCS11: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
/// How long one tool invocation may take.
pub(crate) const TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// What a tool printed and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn ok(&self) -> bool {
        self.status.success()
    }

    /// Both streams, for assertions and failure messages.
    pub(crate) fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A pcscd of the test's own with a card inserted; everything goes on drop (the card first,
/// then pcscd, then the scratch directory).
pub(crate) struct Rig {
    pub(crate) card: CardHandle,
    pub(crate) pcscd: PrivatePcscd,
    pub(crate) dir: tempfile::TempDir,
}

impl Rig {
    /// A card with default PIN, PUK and management key and a random serial (so that no
    /// middleware cache keyed by serial mixes two tests' cards), state under the scratch
    /// directory.
    pub(crate) fn start() -> Rig {
        Rig::start_with(CardConfig::default())
    }

    pub(crate) fn start_with(mut config: CardConfig) -> Rig {
        let mut serial = [0u8; 4];
        getrandom::fill(&mut serial).expect("randomness");
        config.serial = u32::from_be_bytes(serial) % 90_000_000 + 10_000_000;
        let dir = scratch();
        let pcscd = PrivatePcscd::start().expect("private pcscd");
        let card = PivCard::open(&dir.path().join("card"), &config).expect("card state");
        let card = CardHandle::spawn(card, pcscd.vpcd_addr(), Faults::default());
        card.wait_present(Duration::from_secs(20))
            .expect("card in the vpcd reader");
        let rig = Rig { card, pcscd, dir };
        assert!(
            rig.card_present(),
            "pcscd reports the card once it powered it up"
        );
        rig
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `program` against this rig's pcscd (and OpenSC configuration).
    pub(crate) fn run(&self, program: &str, args: &[&str]) -> Run {
        tool(&self.pcscd, self.dir.path(), program, args)
    }

    /// yubico-piv-tool on this rig's reader.
    pub(crate) fn yubico(&self, args: &[&str]) -> Run {
        let mut all = vec!["-r", hw_sim::pcscd::READER_NAME];
        all.extend_from_slice(args);
        self.run("yubico-piv-tool", &all)
    }

    /// pkcs11-tool with OpenSC's module.
    pub(crate) fn pkcs11(&self, args: &[&str]) -> Run {
        assert!(
            Path::new(OPENSC_PKCS11).exists(),
            "{OPENSC_PKCS11} is missing: install opensc-pkcs11 (run scripts/setup)"
        );
        let mut all = vec!["--module", OPENSC_PKCS11];
        all.extend_from_slice(args);
        self.run("pkcs11-tool", &all)
    }

    pub(crate) fn card_present(&self) -> bool {
        card_present(&self.pcscd, self.dir.path())
    }

    pub(crate) fn wait_card_absent(&self) {
        wait_card(&self.pcscd, self.dir.path(), false);
    }

    /// Puts a PEM certificate file of the scratch directory into `slot`'s certificate object
    /// (`70{cert} 71{00} FE{}`, SP 800-73-4 Part 1 Table 10), bypassing the APDUs.
    pub(crate) fn install_certificate(&self, slot: Slot, pem_name: &str) {
        let der_name = format!("{pem_name}.der");
        openssl(
            self.dir.path(),
            &[
                "x509", "-in", pem_name, "-outform", "DER", "-out", &der_name,
            ],
        );
        let cert = fs::read(self.path(&der_name)).expect("certificate DER");
        let mut object = tlv::encode(0x70, &cert);
        tlv::write(&mut object, 0x71, &[0]);
        tlv::write(&mut object, 0xFE, &[]);
        self.card
            .with_card(|c| c.put_object(slot.certificate_object(), &object))
            .expect("object");
    }

    /// Generates a key in `slot` through the card's API and gives it a certificate issued by
    /// OpenSSL; the public key is left in `<name>.pem`, the certificate in `<name>-cert.pem`.
    pub(crate) fn key_with_certificate(&self, slot: Slot, algorithm: KeyAlgorithm, name: &str) {
        let public = self
            .card
            .with_card(|c| c.generate_key(slot, algorithm))
            .expect("key");
        let pem = format!("{name}.pem");
        let cert = format!("{name}-cert.pem");
        write_public_pem(self.dir.path(), &public, &pem);
        issue_certificate(self.dir.path(), &pem, &format!("/CN={name}"), &cert);
        self.install_certificate(slot, &cert);
    }
}

/// A scratch directory with a private OpenSC configuration (no file caching, nothing from
/// the host's).
pub(crate) fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("scratch directory");
    fs::write(
        dir.path().join("opensc.conf"),
        "app default {\n  use_file_caching = no;\n  framework pkcs15 {\n  }\n}\n",
    )
    .expect("opensc.conf");
    dir
}

/// Runs `program` in `dir` against `pcscd`, with the OpenSC configuration of `dir`.
pub(crate) fn tool(pcscd: &PrivatePcscd, dir: &Path, program: &str, args: &[&str]) -> Run {
    let mut command = pcscd.command(program);
    command
        .args(args)
        .env("OPENSC_CONF", dir.join("opensc.conf"));
    run(command, dir)
}

/// Whether pcscd reports a card in the first reader (`opensc-tool -l`: the Card column).
pub(crate) fn card_present(pcscd: &PrivatePcscd, dir: &Path) -> bool {
    let run = tool(pcscd, dir, "opensc-tool", &["-l"]);
    assert!(run.ok(), "opensc-tool -l: {}", run.text());
    run.stdout.lines().any(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        cols.len() >= 2 && cols[0] == "0" && cols[1] == "Yes"
    })
}

/// Waits until pcscd has polled the reader and sees the card (or sees it gone).
pub(crate) fn wait_card(pcscd: &PrivatePcscd, dir: &Path, present: bool) {
    wait(
        || card_present(pcscd, dir) == present,
        if present { "the card" } else { "no card" },
    );
}

fn wait(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if done() {
            return;
        }
        thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for pcscd to report {what}");
}

/// Runs `command` in `dir` with a timeout, capturing both streams; a missing program is a
/// test failure that says how to install it.
pub(crate) fn run(mut command: Command, dir: &Path) -> Run {
    let program = command.get_program().to_string_lossy().into_owned();
    let mut id = [0u8; 8];
    getrandom::fill(&mut id).expect("randomness");
    let id = hex::encode(id);
    let out_path = dir.join(format!("{id}.out"));
    let err_path = dir.join(format!("{id}.err"));
    let out = fs::File::create(&out_path).expect("stdout file");
    let err = fs::File::create(&err_path).expect("stderr file");
    let mut child = match command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("{program} is not installed: run scripts/setup ({e})")
        }
        Err(e) => panic!("cannot run {program}: {e}"),
    };
    let deadline = Instant::now() + TOOL_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{program} did not finish within {TOOL_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let stdout = fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = fs::read_to_string(&err_path).unwrap_or_default();
    let _ = fs::remove_file(out_path);
    let _ = fs::remove_file(err_path);
    Run {
        status,
        stdout,
        stderr,
    }
}

/// `openssl ARGS` in `dir`; panics with its output if it fails.
pub(crate) fn openssl(dir: &Path, args: &[&str]) -> Run {
    let mut command = Command::new("openssl");
    command.args(args);
    let run = run(command, dir);
    assert!(run.ok(), "openssl {args:?}: {}", run.text());
    run
}

/// A certificate for `public_pem` (a PEM public key file in `dir`), issued by a throwaway
/// CA key, written to `cert_name`. yubico-piv-tool 2.2.0 cannot self-sign under OpenSSL 3
/// (Yubico/yubico-piv-tool#388), so OpenSSL issues the certificate instead.
pub(crate) fn issue_certificate(dir: &Path, public_pem: &str, subject: &str, cert_name: &str) {
    if !dir.join("ca.key").exists() {
        openssl(
            dir,
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                "ca.key",
            ],
        );
    }
    openssl(
        dir,
        &[
            "x509",
            "-new",
            "-subj",
            subject,
            "-key",
            "ca.key",
            "-force_pubkey",
            public_pem,
            "-days",
            "30",
            "-out",
            cert_name,
        ],
    );
}

/// Writes a `SubjectPublicKeyInfo` DER as a PEM file.
pub(crate) fn write_public_pem(dir: &Path, der: &[u8], name: &str) {
    let der_name = format!("{name}.der");
    fs::write(dir.join(&der_name), der).expect("public key");
    openssl(
        dir,
        &[
            "pkey", "-pubin", "-inform", "DER", "-in", &der_name, "-out", name,
        ],
    );
}
