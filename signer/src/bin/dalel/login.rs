//! `dalel login --key piv:<reader>/9a --url URL`: the client side of EDS login. Asks the
//! service for a challenge, signs it with the token's authentication key (the PIN read as
//! [`crate::token_key`] says), sends certificate and signature, and prints the session.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use clap::Args;
use der::Encode as _;
use serde_json::{Value, json};
use signer::keys::SignatureKey as _;

#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// The token key to log in with, e.g. `piv:Virtual PCD 00 00/9a` (the authentication
    /// slot).
    #[arg(long, value_name = "KEY")]
    key: String,
    /// The Dälel service, e.g. http://127.0.0.1:8740
    #[arg(long, value_name = "URL")]
    url: String,
    /// File holding the terminal's API token [default: $DALEL_TOKEN, else the data
    /// directory's auth/initial-token if present]
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
}

/// Runs `dalel login`; prints `{"token": ..., "session": ...}`.
pub(crate) fn run(data: &Path, args: &LoginArgs) -> anyhow::Result<()> {
    let token = crate::sign::bearer_token(data, args.token_file.as_deref())?
        .context("an API token is needed: --token-file, $DALEL_TOKEN or the data directory's")?;
    let bearer = format!(
        "Bearer {}",
        std::str::from_utf8(token.expose())
            .context("the API token is not text")?
            .trim()
    );
    let base = args.url.trim_end_matches('/');
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    // Open the key first: a wrong reader or a missing card is reported before the PIN.
    let key = crate::token_key::open_piv_key(&args.key)?;

    let challenge: Value = answer(
        agent
            .post(&format!("{base}/v1/auth/eds/challenge"))
            .header("Authorization", &bearer)
            .send_empty(),
        "challenge",
    )?;
    let to_sign = challenge["to_sign"]
        .as_str()
        .and_then(|s| B64.decode(s).ok())
        .context("the service's challenge has no to_sign")?;
    let signature = key.sign_message(&to_sign)?;
    let certificate = key
        .certificate_chain()
        .first()
        .context("the token key has no certificate")?
        .to_der()?;
    let body = json!({
        "challenge": challenge["challenge"],
        "certificate": B64.encode(certificate),
        "signature": B64.encode(signature),
    });
    let login: Value = answer(
        agent
            .post(&format!("{base}/v1/auth/eds"))
            .header("Authorization", &bearer)
            .send_json(&body),
        "login",
    )?;
    println!(
        "{}",
        json!({ "token": login["token"], "session": login["session"] })
    );
    Ok(())
}

/// The JSON of a 200 answer; otherwise the service's error message.
fn answer(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    what: &str,
) -> anyhow::Result<Value> {
    let mut response = response.with_context(|| format!("the {what} request failed"))?;
    let status = response.status();
    let body: Value = response
        .body_mut()
        .read_json()
        .with_context(|| format!("the {what} answer is not JSON (status {status})"))?;
    if !status.is_success() {
        bail!(
            "{what} refused ({status}): {}",
            body["message"].as_str().unwrap_or("no message")
        );
    }
    Ok(body)
}
