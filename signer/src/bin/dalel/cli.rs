//! Command-line arguments. Options shared by every subcommand (`--data`, `--config`) are
//! global, so the CLI and the service always see one store.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use signer::config::{Config, LogFormat};
use signer::data_dir::DataDir;

/// Dälel: document signing and evidence integrity for electronic criminal cases.
#[derive(Debug, Parser)]
#[command(name = "dalel", version = signer::VERSION)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Data directory holding the archive, keys and state [default: data_dir from the config
    /// file, else ~/.local/share/dalel]
    #[arg(long, global = true, value_name = "DIR", env = "DALEL_DATA")]
    pub(crate) data: Option<PathBuf>,
    /// Configuration file (TOML); every key has a default, see `dalel config show`
    #[arg(long, global = true, value_name = "FILE", env = "DALEL_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Log format on standard error [default: log.format from the config file, else human]
    #[arg(long, global = true, value_enum)]
    pub(crate) log_format: Option<LogFormat>,
}

impl GlobalArgs {
    /// The configuration file's contents, or the embedded default when none is given.
    pub(crate) fn load_config(&self) -> anyhow::Result<Config> {
        match &self.config {
            Some(path) => Ok(Config::load(path)?),
            None => Ok(Config::default()),
        }
    }

    /// The data directory this invocation uses.
    pub(crate) fn data_dir(&self, config: &Config) -> anyhow::Result<PathBuf> {
        DataDir::resolve(self.data.as_deref(), config.data_dir.as_deref())
            .context("choosing the data directory")
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the HTTP service until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The evidence archive: put, get, proofs, checkpoints, audit.
    #[command(subcommand)]
    Archive(crate::archive::ArchiveCommand),
    /// API tokens for the HTTP service: create, list, revoke.
    #[command(subcommand)]
    Token(crate::token::TokenCommand),
    /// Sign files with the station's keys.
    #[command(subcommand)]
    Sign(crate::sign::SignCommand),
    /// RFC 3161 time-stamps: ask the station's authority or another one.
    #[command(subcommand)]
    Tsa(crate::sign::TsaCommand),
    /// Log in to a Dälel service with the authentication key of an EDS token (PIV slot 9A);
    /// prints the session token.
    Login(crate::login::LoginArgs),
    /// PIV tokens (EDS): list readers and cards; generate a key in a slot and import its
    /// certificate (behind the card's management key).
    #[command(subcommand)]
    Piv(crate::piv::PivCommand),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on [default: server.listen from the config file, else 127.0.0.1:8740]
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the effective configuration, every key included, as TOML.
    Show,
}
