//! `dalel`: the Dälel service and its command-line tools. This file parses arguments, calls the
//! `signer` library and decides exit codes; nothing else.
//!
//! Exit status: 0 success, 1 runtime failure, 2 invalid usage or configuration.

mod archive;
mod cli;
mod login;
mod piv;
mod sign;
mod sign_pdf;
mod token;
mod token_key;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, ConfigCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // One line, the whole cause chain, no backtrace.
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}

/// An error with the exit status it deserves.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    fn config(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 2,
            error: error.into(),
        }
    }

    fn runtime(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 1,
            error: error.into(),
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let config = cli.global.load_config().map_err(Failure::config)?;
    match cli.command {
        Command::Serve(args) => serve(&cli.global, args, config),
        Command::Archive(command) => {
            let data = cli.global.data_dir(&config).map_err(Failure::config)?;
            let data = signer::data_dir::DataDir::open(&data).map_err(Failure::runtime)?;
            match archive::run(data.path(), &config, command) {
                Ok(true) => Ok(()),
                // The audit printed its discrepancies; exit 1 without another line.
                Ok(false) => Err(Failure {
                    code: 1,
                    error: anyhow::anyhow!("the archive audit found discrepancies"),
                }),
                Err(e) => Err(Failure::runtime(e)),
            }
        }
        Command::Token(command) => {
            let data = cli.global.data_dir(&config).map_err(Failure::config)?;
            let data = signer::data_dir::DataDir::open(&data).map_err(Failure::runtime)?;
            token::run(data.path(), command).map_err(Failure::runtime)
        }
        Command::Sign(command) => {
            let data = cli.global.data_dir(&config).map_err(Failure::config)?;
            let data = signer::data_dir::DataDir::open(&data).map_err(Failure::runtime)?;
            sign::run_sign(data.path(), &config, command).map_err(Failure::runtime)
        }
        Command::Tsa(command) => {
            let data = cli.global.data_dir(&config).map_err(Failure::config)?;
            let data = signer::data_dir::DataDir::open(&data).map_err(Failure::runtime)?;
            sign::run_tsa(data.path(), &config, command).map_err(Failure::runtime)
        }
        Command::Piv(command) => piv::run(command).map_err(Failure::runtime),
        Command::Login(args) => {
            let data = cli.global.data_dir(&config).map_err(Failure::config)?;
            login::run(&data, &args).map_err(Failure::runtime)
        }
        Command::Config(ConfigCommand::Show) => {
            let mut config = config;
            config.data_dir = Some(cli.global.data_dir(&config).map_err(Failure::config)?);
            print!("{}", config.to_toml());
            Ok(())
        }
    }
}

fn serve(
    global: &cli::GlobalArgs,
    args: cli::ServeArgs,
    mut config: signer::config::Config,
) -> Result<(), Failure> {
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if let Some(format) = global.log_format {
        config.log.format = format;
    }
    signer::logging::init(config.log.format, &config.log.level);

    let data_path = global.data_dir(&config).map_err(Failure::config)?;
    let data = signer::data_dir::DataDir::open(&data_path).map_err(Failure::runtime)?;
    let _lock = data.lock_for_serve().map_err(Failure::runtime)?;
    let services = signer::http::Services::open(data.path(), &config).map_err(Failure::runtime)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(anyhow::Error::new(e).context("cannot start the runtime")))?;
    runtime.block_on(async {
        let listen = config.server.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot listen on {listen}: {e}")))?;
        let local = listener.local_addr().map_err(Failure::runtime)?;
        tracing::info!(
            addr = %local,
            data_dir = %data.path().display(),
            version = signer::VERSION,
            "listening"
        );
        let router = signer::http::app(services);
        signer::http::serve(
            listener,
            router,
            signer::http::shutdown_signal(),
            config.server.shutdown_grace,
        )
        .await
        .map_err(|e| Failure::runtime(anyhow::Error::new(e).context("server failed")))?;
        tracing::info!("stopped");
        Ok(())
    })
}
