//! `hw-sim card`: a virtual PIV card in a vpcd reader until the process is killed, scripted by
//! control lines (from the binary's standard input):
//!
//! | line | effect |
//! | --- | --- |
//! | `remove` / `insert` | pull the card / put it back |
//! | `remove-on-sign` | pull it when the next private-key operation arrives |
//! | `garbage N [random\|truncated]` | garble the next N answers |
//! | `delay-ms N` | delay every answer by N ms |
//! | `clear` | disarm all faults |
//! | `status` | print `connected=.. pin-tries=.. puk-tries=.. apdus=..` |
//!
//! Each line is answered with one line: `ok`, the status, or `error: ...`. The end of the
//! control input does not stop the card; losing pcscd for longer than the connect timeout
//! does.

use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use crate::Error;
use crate::piv::{CardConfig, PivCard};
use crate::vpcd::{CardHandle, Faults, Garbage};

/// What `hw-sim card` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The state directory.
    pub state: PathBuf,
    /// The vpcd address.
    pub vpcd: SocketAddr,
    /// Used when the state directory holds no card yet.
    pub config: CardConfig,
    /// Faults armed from the start.
    pub faults: Faults,
    /// How long to keep trying to reach vpcd.
    pub connect_timeout: Duration,
}

/// Runs the card: inserts it, prints `inserted serial=N vpcd=ADDR` to `out` once vpcd
/// accepted it, then obeys `control` lines. Returns only on failure.
pub fn serve_card(
    options: ServeOptions,
    control: impl BufRead,
    mut out: impl Write,
) -> Result<(), Error> {
    let card = PivCard::open(&options.state, &options.config)?;
    let serial = card.serial();
    let handle =
        CardHandle::spawn_with_timeout(card, options.vpcd, options.faults, options.connect_timeout);
    handle.wait_connected(options.connect_timeout + Duration::from_secs(1))?;
    let say = |out: &mut dyn Write, line: &str| -> Result<(), Error> {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(Error::Vpcd)
    };
    say(
        &mut out,
        &format!("inserted serial={serial} vpcd={}", options.vpcd),
    )?;
    for line in control.lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let reply = obey(&handle, line.trim()).unwrap_or_else(|e| format!("error: {e}"));
        say(&mut out, &reply)?;
    }
    loop {
        if let Some(reason) = handle.failure() {
            return Err(Error::Vpcd(io::Error::other(reason)));
        }
        thread::sleep(Duration::from_millis(200));
    }
}

fn obey(handle: &CardHandle, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut faults = handle.faults();
    let number = |w: Option<&&str>| -> Result<u64, String> {
        w.ok_or("missing number")?
            .parse()
            .map_err(|e| format!("bad number: {e}"))
    };
    match words.as_slice() {
        ["remove"] => {
            handle.remove();
            return Ok("ok".to_owned());
        }
        ["insert"] => {
            handle.insert();
            return Ok("ok".to_owned());
        }
        ["remove-on-sign"] => faults.remove_on_sign = true,
        ["garbage", rest @ ..] => {
            faults.garbage = u32::try_from(number(rest.first())?).map_err(|e| e.to_string())?;
            faults.garbage_kind = match rest.get(1) {
                None | Some(&"random") => Garbage::Random,
                Some(&"truncated") => Garbage::Truncated,
                Some(other) => return Err(format!("unknown garbage kind {other}")),
            };
        }
        ["delay-ms", rest @ ..] => faults.delay = Duration::from_millis(number(rest.first())?),
        ["clear"] => faults = Faults::default(),
        ["status"] => {
            let (pin, puk) = handle.with_card(|c| (c.pin_tries_left(), c.puk_tries_left()));
            return Ok(format!(
                "connected={} pin-tries={pin} puk-tries={puk} apdus={}",
                handle.is_connected(),
                handle.stats().apdus
            ));
        }
        _ => return Err(format!("unknown command {line:?}")),
    }
    handle.set_faults(faults);
    Ok("ok".to_owned())
}
