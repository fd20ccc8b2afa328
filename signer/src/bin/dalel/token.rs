//! `dalel token ...`: API tokens for the HTTP service.

use clap::Subcommand;
use signer::tokens::TokenStore;

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token and print it once; only its hash is stored.
    Create {
        /// Who will hold it (a case module, an operator): 1–64 of A-Z a-z 0-9 . _ -
        name: String,
    },
    /// List tokens by name and creation time (never the tokens themselves).
    List,
    /// Revoke a token; the running service refuses it from its next request on.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// Runs one token command on the store of data directory `data`.
pub(crate) fn run(data: &std::path::Path, command: TokenCommand) -> anyhow::Result<()> {
    let store = TokenStore::new(data);
    match command {
        TokenCommand::Create { name } => println!("{}", store.create(&name)?),
        TokenCommand::List => {
            for record in store.list()? {
                println!("{}\t{}", record.name, record.created);
            }
        }
        TokenCommand::Revoke { name } => store.revoke(&name)?,
    }
    Ok(())
}
