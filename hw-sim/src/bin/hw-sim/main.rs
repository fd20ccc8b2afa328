//! `hw-sim`: runs simulated devices. Argument parsing only; simulators live in the library.

use clap::Parser;

/// Run simulated Dälel hardware (virtual PIV card, STU tablet, fingerprint reader).
///
/// Simulators arrive with the device issues; this build only answers --help and --version.
#[derive(Debug, Parser)]
#[command(name = "hw-sim", version = hw_sim::VERSION, arg_required_else_help = true)]
struct Cli {}

fn main() {
    // clap answers --help/--version and rejects anything else (exit 2) before this returns.
    let Cli {} = Cli::parse();
}
