//! `dalel-verify`: offline verification of Dälel evidence. Argument parsing only; the work is
//! done by the `verifier` library.

use clap::Parser;

/// Verify Dälel evidence offline: signatures, time-stamps, archive receipts and proofs.
///
/// Works without devices and without network access unless asked. Exit status: 0 valid,
/// 1 invalid, 2 usage error. Verification commands arrive with the archive and verifier
/// issues; this build only answers --help and --version.
#[derive(Debug, Parser)]
#[command(name = "dalel-verify", version = verifier::VERSION, arg_required_else_help = true)]
struct Cli {}

fn main() {
    // With no commands defined yet, clap answers --help/--version and rejects everything else
    // with a usage error (exit 2) before this returns.
    let Cli {} = Cli::parse();
}
