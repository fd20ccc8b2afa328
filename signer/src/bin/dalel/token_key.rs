//! Token keys on the command line: `--key piv:<reader>/<slot>` and the PIN it needs, read
//! from the terminal without echo, or from standard input when that is not a terminal (one
//! line). Never from an argument: arguments are visible to every user of the machine.

use std::io::{self, BufRead as _, IsTerminal as _};

use anyhow::Context as _;
use devices::piv::Pin;
use signer::keys::piv::{PivKey, PivKeyRef};
use zeroize::Zeroizing;

/// Opens the PIV key `reference` with a PIN read as the module documentation says.
pub(crate) fn open_piv_key(reference: &str) -> anyhow::Result<PivKey> {
    let reference: PivKeyRef = reference.parse()?;
    let pin = read_pin(&format!("PIN for {reference}: "))?;
    Ok(PivKey::open(&reference, pin)?)
}

/// Reads a PIN: from the terminal without echo, else one line of standard input.
pub(crate) fn read_pin(prompt: &str) -> anyhow::Result<Pin> {
    let line = if io::stdin().is_terminal() {
        Zeroizing::new(rpassword::prompt_password(prompt).context("cannot read the PIN")?)
    } else {
        let mut line = Zeroizing::new(String::new());
        io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the PIN from standard input")?;
        line
    };
    let pin = line.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!pin.is_empty(), "no PIN was given");
    Pin::new(pin.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))
}
