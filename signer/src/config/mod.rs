//! Service configuration: one TOML file whose every key has a documented default.
//!
//! Unknown keys are an error that names the key, so a typo never silently falls back to a
//! default. `dalel config show` prints the effective configuration with every key.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod signing;

pub use self::signing::{KeyConfig, SEAL, SigningConfig, TsaConfig};

/// The default address `dalel serve` listens on: loopback only, so nothing is exposed to the
/// network until a deployment asks for it.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8740,
));

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory that holds the archive, keys and service state. Default: `dalel` under the
    /// user's data directory (`$XDG_DATA_HOME/dalel`, usually `~/.local/share/dalel`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// The HTTP service.
    pub server: ServerConfig,
    /// Logging.
    pub log: LogConfig,
    /// The evidence archive's HTTP endpoints.
    pub archive: ArchiveConfig,
    /// `POST /v1/verify`: what signatures are validated against.
    pub verify: VerifyConfig,
    /// Signing keys and `POST /v1/sign/cms`.
    pub signing: SigningConfig,
    /// The time-stamp authority and upstream authorities.
    pub tsa: TsaConfig,
    /// Sessions opened by EDS login.
    pub auth: AuthConfig,
}

/// `[auth]`: sessions opened by EDS login (`POST /v1/auth/eds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// How long a session lives. Default: `8h` (a working day).
    #[serde(with = "humantime_serde")]
    pub session_lifetime: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_lifetime: crate::eds::DEFAULT_SESSION_LIFETIME,
        }
    }
}

/// `[verify]`: what `POST /v1/verify` trusts and checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifyConfig {
    /// Trust anchors: certificate files (PEM or DER, bundles allowed). Default: none, which
    /// means the embedded default — only this station's development time-stamp authority
    /// (`<data>/archive/tsa/tsa-cert.pem`) is trusted, and every report says so.
    pub trust: Vec<PathBuf>,
    /// Extra intermediate certificates offered for path building (never trusted as such).
    pub intermediates: Vec<PathBuf>,
    /// CRL files (DER or PEM) kept up to date by the operator, for stations that check
    /// revocation without network access. Read at start. Default: none.
    pub crls: Vec<PathBuf>,
    /// Check revocation (CRL/OCSP); when it cannot be done the result is INDETERMINATE.
    /// Default: `true`.
    pub revocation: bool,
    /// Fetch CRLs and OCSP responses over HTTP from the locations certificates name.
    /// Default: `false`.
    pub network: bool,
    /// Largest `POST /v1/verify` body (signature plus detached data), in bytes. Default:
    /// 64 MiB.
    pub max_body_bytes: usize,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        Self {
            trust: Vec::new(),
            intermediates: Vec::new(),
            crls: Vec::new(),
            revocation: true,
            network: false,
            max_body_bytes: 64 << 20,
        }
    }
}

/// `[archive]`: the evidence archive's HTTP endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// Largest item `POST /v1/archive` accepts, in bytes; larger uploads get 413 and nothing
    /// is archived. Default: 64 GiB (hours of interrogation video).
    pub max_upload_bytes: u64,
    /// Longest time one upload may take, replacing `server.request_timeout` for
    /// `POST /v1/archive`. Default: `2h`.
    #[serde(with = "humantime_serde")]
    pub upload_timeout: Duration,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        Self {
            max_upload_bytes: 64 << 30,
            upload_timeout: Duration::from_secs(2 * 3600),
        }
    }
}

/// `[server]`: the HTTP service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on. Default: `127.0.0.1:8740`.
    pub listen: SocketAddr,
    /// Longest time one request may take before it is answered with 408. Default: `30s`.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// How long in-flight requests may run on after SIGINT/SIGTERM before the server stops
    /// anyway. Default: `10s`.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Largest request body, in bytes, for routes that do not set their own limit; larger
    /// requests get 413. Default: 1 MiB.
    pub max_body_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN,
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// `[log]`: logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `human` (coloured when standard error is a terminal) or `json` (one object per line).
    /// Default: `human`.
    pub format: LogFormat,
    /// Which events to log, in `tracing` filter syntax (`info`, `signer=debug,info`, ...).
    /// The `DALEL_LOG` environment variable overrides it. Default: `info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Human,
            level: "info".to_owned(),
        }
    }
}

/// How log events are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, coloured on a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

impl Config {
    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|problem| ConfigError::Invalid {
            path: path.to_owned(),
            problem,
        })
    }

    /// Parses configuration text. The error says where the problem is and which key it
    /// concerns, on one line.
    pub fn parse(text: &str) -> Result<Self, ConfigProblem> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigProblem::from_toml(text, &e))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigProblem> {
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(ConfigProblem {
                location: None,
                key: Some("log.level".to_owned()),
                message: format!("`{}` is not a valid log filter", self.log.level),
            });
        }
        if self.server.max_body_bytes == 0 {
            return Err(ConfigProblem {
                location: None,
                key: Some("server.max_body_bytes".to_owned()),
                message: "must be greater than zero".to_owned(),
            });
        }
        if self.signing.max_body_bytes == 0 {
            return Err(ConfigProblem {
                location: None,
                key: Some("signing.max_body_bytes".to_owned()),
                message: "must be greater than zero".to_owned(),
            });
        }
        if const_oid::ObjectIdentifier::new(&self.tsa.policy).is_err() {
            return Err(ConfigProblem {
                location: None,
                key: Some("tsa.policy".to_owned()),
                message: format!("`{}` is not an object identifier", self.tsa.policy),
            });
        }
        if self.archive.max_upload_bytes == 0 {
            return Err(ConfigProblem {
                location: None,
                key: Some("archive.max_upload_bytes".to_owned()),
                message: "must be greater than zero".to_owned(),
            });
        }
        Ok(())
    }

    /// The effective configuration as TOML, every key included.
    pub fn to_toml(&self) -> String {
        // Serializing plain structs of strings, numbers and tables cannot fail.
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was read but is not a valid configuration.
    #[error("config file {}: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: ConfigProblem,
    },
}

/// What is wrong with configuration text, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
    /// The dotted key concerned (`server.listen`), when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ConfigProblem {
    fn from_toml(text: &str, error: &toml::de::Error) -> Self {
        let span = error.span();
        let location = span.as_ref().map(|s| line_and_column(text, s.start));
        let key = span.and_then(|s| key_at(text, s.start));
        // toml's messages may span lines; a config error is reported on one.
        let message = error
            .message()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            location,
            key,
            message,
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.location {
            write!(f, "line {line}, column {column}: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigProblem {}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The dotted key written on the line holding `offset`, prefixed by the nearest table header
/// above it. Good enough to name the key in an error; the line number is authoritative.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let table = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_embedded_default() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
        assert_eq!(
            Config::default().server.listen.to_string(),
            "127.0.0.1:8740"
        );
    }

    #[test]
    fn every_key_round_trips_through_show() {
        let mut config = Config {
            data_dir: Some("/var/lib/dalel".into()),
            ..Config::default()
        };
        config.server.request_timeout = Duration::from_millis(1500);
        config.log.format = LogFormat::Json;
        assert_eq!(Config::parse(&config.to_toml()).unwrap(), config);
    }

    #[test]
    fn values_are_read() {
        let config = Config::parse(
            "data_dir = \"/srv/dalel\"\n[server]\nlisten = \"0.0.0.0:9000\"\nrequest_timeout = \"2m\"\n[log]\nformat = \"json\"\n",
        )
        .unwrap();
        assert_eq!(config.data_dir.as_deref(), Some(Path::new("/srv/dalel")));
        assert_eq!(config.server.listen.port(), 9000);
        assert_eq!(config.server.request_timeout, Duration::from_secs(120));
        assert_eq!(config.log.format, LogFormat::Json);
    }

    #[test]
    fn unknown_key_is_named() {
        let problem = Config::parse("[server]\nlisen = \"127.0.0.1:1\"\n").unwrap_err();
        let line = problem.to_string();
        assert!(line.contains("lisen"), "{line}");
        assert!(line.starts_with("line 2,"), "{line}");
        assert!(!line.contains('\n'), "{line}");
    }

    #[test]
    fn unknown_table_is_named() {
        let line = Config::parse("[sever]\n").unwrap_err().to_string();
        assert!(line.contains("sever"), "{line}");
    }

    #[test]
    fn unparsable_value_names_key_and_line() {
        let problem = Config::parse("[server]\n\nrequest_timeout = \"soon\"\n").unwrap_err();
        assert_eq!(problem.location.map(|l| l.0), Some(3));
        assert_eq!(problem.key.as_deref(), Some("server.request_timeout"));
        let problem = Config::parse("[server]\nlisten = \"localhost\"\n").unwrap_err();
        assert_eq!(problem.key.as_deref(), Some("server.listen"));
    }

    #[test]
    fn invalid_log_filter_and_zero_limit_are_rejected() {
        let problem = Config::parse("[log]\nlevel = \"[[[\"\n").unwrap_err();
        assert_eq!(problem.key.as_deref(), Some("log.level"));
        let problem = Config::parse("[server]\nmax_body_bytes = 0\n").unwrap_err();
        assert_eq!(problem.key.as_deref(), Some("server.max_body_bytes"));
    }

    #[test]
    fn syntax_error_is_one_line() {
        let line = Config::parse("[server\nlisten=").unwrap_err().to_string();
        assert!(line.starts_with("line 1,"), "{line}");
        assert!(!line.contains('\n'));
    }
}
