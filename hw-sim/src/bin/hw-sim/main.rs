//! `hw-sim`: runs simulated devices. Argument parsing only; simulators live in the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use hw_sim::{CardConfig, Faults, Garbage, ServeOptions};

/// Run simulated Dälel hardware (virtual PIV card, STU tablet, fingerprint reader).
#[derive(Debug, Parser)]
#[command(name = "hw-sim", version = hw_sim::VERSION, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Device,
}

#[derive(Debug, Subcommand)]
enum Device {
    /// A virtual PIV card in a vpcd reader of pcscd, until killed.
    ///
    /// Prints `inserted serial=N vpcd=ADDR` once vpcd accepted it, then reads control lines
    /// from standard input: remove, insert, remove-on-sign, garbage N [random|truncated],
    /// delay-ms N, clear, status.
    Card(CardArgs),
}

#[derive(Debug, clap::Args)]
struct CardArgs {
    /// State directory (keys, objects, PIN/PUK and counters); created with defaults if new.
    #[arg(long)]
    state: PathBuf,
    /// vpcd address (pcscd's vpcd reader listens there).
    #[arg(long, value_name = "HOST:PORT")]
    vpcd: SocketAddr,
    /// Pull the card when the first private-key operation arrives.
    #[arg(long)]
    remove_on_sign: bool,
    /// Insert the card again this long after a remove-on-sign.
    #[arg(long, value_name = "MS")]
    reinsert_after_ms: Option<u64>,
    /// Delay every answer by this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Answer the first N command APDUs with random garbage.
    #[arg(long, value_name = "N", default_value_t = 0)]
    garbage: u32,
    /// Make the garbage one-byte truncated answers instead of random bytes.
    #[arg(long)]
    truncated: bool,
    /// Serial number of a new card.
    #[arg(long)]
    serial: Option<u32>,
    /// PIN and PUK retries of a new card.
    #[arg(long, value_name = "N")]
    tries: Option<u8>,
    /// Seconds to keep trying to reach vpcd.
    #[arg(long, value_name = "S", default_value_t = 20)]
    connect_timeout: u64,
}

fn main() -> ExitCode {
    let Cli {
        command: Device::Card(args),
    } = Cli::parse();
    let mut config = CardConfig::default();
    if let Some(serial) = args.serial {
        config.serial = serial;
    }
    if let Some(tries) = args.tries {
        config.pin_tries = tries;
        config.puk_tries = tries;
    }
    let options = ServeOptions {
        state: args.state,
        vpcd: args.vpcd,
        config,
        faults: Faults {
            remove_on_sign: args.remove_on_sign,
            reinsert_after: args.reinsert_after_ms.map(Duration::from_millis),
            garbage: args.garbage,
            garbage_kind: if args.truncated {
                Garbage::Truncated
            } else {
                Garbage::Random
            },
            delay: Duration::from_millis(args.delay_ms),
        },
        connect_timeout: Duration::from_secs(args.connect_timeout),
    };
    let stdin = std::io::stdin().lock();
    match hw_sim::serve_card(options, stdin, std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hw-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
