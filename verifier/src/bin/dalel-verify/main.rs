//! `dalel-verify`: offline verification of Dälel evidence. Argument parsing and reporting
//! only; the work is done by the `verifier` library.
//!
//! `dalel-verify FILE`: 0 TOTAL-PASSED, 1 TOTAL-FAILED, 2 INDETERMINATE, 64 usage error.
//! Subcommands `merkle` and `receipt`: 0 valid, 1 invalid (a failed check or malformed evidence), 2 usage error
//! (bad arguments or unreadable input files). Verdicts go to stdout; usage errors go to
//! stderr as one `error: ...` line. `cert` has its own statuses, which need one for
//! INDETERMINATE: 0 valid, 1 invalid, 2 indeterminate, 64 usage error (see [`cert`]).

mod cert;
mod cli;
mod merkle_cmd;
mod receipt_cmd;
mod report;
mod verify_cmd;

use std::io::{self, Write as _};
use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command};

/// A problem with the request rather than with the evidence: exit status 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

fn main() -> ExitCode {
    // clap answers --help and --version, and exits 2 on its own usage errors (64 for
    // `cert`).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => return cert::parse_error(&error, &args),
    };
    if cli.command.is_some() && cli.verify.is_given() {
        // `dalel-verify --trust X cert ...`: the options belong to the other form.
        let _ignored = writeln!(
            io::stderr().lock(),
            "error: FILE and its options cannot be combined with a subcommand (see dalel-verify --help)"
        );
        return ExitCode::from(cert::EXIT_USAGE);
    }
    let outcome = match &cli.command {
        None => return verify_cmd::run(&cli.verify, cli.json),
        Some(Command::Merkle(command)) => merkle_cmd::run(command),
        Some(Command::Receipt(args)) => receipt_cmd::run(args),
        Some(Command::Cert(args)) => return cert::run(args, cli.json),
    };
    match outcome {
        Ok(outcome) => outcome.finish(cli.json),
        Err(UsageError(message)) => {
            // One line, whatever an underlying error message contains.
            let message = message.replace(['\n', '\r'], " ");
            let _ignored = writeln!(io::stderr().lock(), "error: {message}");
            ExitCode::from(2)
        }
    }
}
