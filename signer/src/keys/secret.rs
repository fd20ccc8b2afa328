//! Passphrases and PINs: where they come from ([`SecretSource`]) and how they are held
//! ([`Secret`]).
//!
//! Security properties:
//! - A secret comes from a file or an environment variable, never from the command line,
//!   where every user of the machine could read it in the process list.
//! - A [`Secret`] is wiped from memory when dropped, cannot be cloned, and its `Debug` output
//!   is `Secret(..)`. The only way to its bytes is [`Secret::expose`], so each use can be
//!   found with grep.
//! - No error says what a secret is, only where it was looked for.

use std::fmt;
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::KeyError;

/// The longest secret read: a passphrase or PIN is far shorter, so a longer file is a
/// configuration mistake (a key or certificate named by accident), not a secret.
pub const MAX_SECRET_LEN: usize = 4096;

/// Where a passphrase or PIN comes from, as written in the configuration:
/// `{ file = "/etc/dalel/seal.pass" }` or `{ env = "DALEL_SEAL_PASSPHRASE" }`.
///
/// There is deliberately no variant holding the secret itself: a configuration file is
/// copied, logged and committed far more freely than a secret may be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretSource {
    /// A file holding the secret; one trailing line ending is not part of it. It should be
    /// readable by the service's user only.
    File(PathBuf),
    /// An environment variable holding the secret, byte for byte. The value stays in the
    /// process environment (readable by the same user under `/proc`), so a file is better.
    Env(String),
}

impl SecretSource {
    /// Reads the secret; `what` ("passphrase", "PIN") names it in errors.
    ///
    /// # Errors
    /// As [`Secret::from_file`] and [`Secret::from_env`].
    pub fn read(&self, what: &'static str) -> Result<Secret, KeyError> {
        match self {
            Self::File(path) => Secret::from_file(path, what),
            Self::Env(name) => Secret::from_env(name, what),
        }
    }
}

/// Read by hand so that no error ever repeats what was written: serde's own messages quote
/// an unexpected string, which here could be a passphrase typed in by mistake.
impl<'de> Deserialize<'de> for SecretSource {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SourceVisitor)
    }
}

struct SourceVisitor;

const SOURCE_FORM: &str = "a secret is never written in the configuration: give { file = \"PATH\" } or { env = \"VARIABLE\" }";

impl<'de> serde::de::Visitor<'de> for SourceVisitor {
    type Value = SecretSource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{ file = \"PATH\" } or { env = \"VARIABLE\" }")
    }

    fn visit_str<E: serde::de::Error>(self, _value: &str) -> Result<Self::Value, E> {
        Err(E::custom(SOURCE_FORM))
    }

    fn visit_i64<E: serde::de::Error>(self, _value: i64) -> Result<Self::Value, E> {
        Err(E::custom(SOURCE_FORM))
    }

    fn visit_u64<E: serde::de::Error>(self, _value: u64) -> Result<Self::Value, E> {
        Err(E::custom(SOURCE_FORM))
    }

    fn visit_f64<E: serde::de::Error>(self, _value: f64) -> Result<Self::Value, E> {
        Err(E::custom(SOURCE_FORM))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error as _;
        let mut source = None;
        while let Some(key) = map.next_key::<String>()? {
            let value = match key.as_str() {
                "file" => SecretSource::File(map.next_value()?),
                "env" => SecretSource::Env(map.next_value()?),
                // The key is named, its value is not read.
                other => {
                    return Err(A::Error::custom(format!(
                        "unknown key `{other}`: {SOURCE_FORM}"
                    )));
                }
            };
            if source.replace(value).is_some() {
                return Err(A::Error::custom(format!(
                    "both file and env: {SOURCE_FORM}"
                )));
            }
        }
        source.ok_or_else(|| A::Error::custom(SOURCE_FORM))
    }
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "file {}", path.display()),
            Self::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

/// A passphrase or PIN in memory: zeroed when dropped, never cloned, never printed.
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Takes `bytes` as a secret (for a caller that obtained it some other way, e.g. a
    /// prompt). The vector is moved, not copied.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Reads the secret in the file `path`, less one trailing `\n` or `\r\n`.
    ///
    /// # Errors
    /// [`KeyError::Read`] if the file cannot be read, [`KeyError::NoSecret`] if it is empty
    /// (after the line ending) or longer than [`MAX_SECRET_LEN`].
    pub fn from_file(path: &Path, what: &'static str) -> Result<Self, KeyError> {
        let read_error = |source| KeyError::Read {
            what: format!("{what} file {}", path.display()),
            source,
        };
        // Room for the whole secret up front: a growing vector would leave copies behind
        // in freed memory that nothing wipes.
        let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_SECRET_LEN + 1));
        File::open(path)
            .and_then(|file| file.take(MAX_SECRET_LEN as u64 + 1).read_to_end(&mut bytes))
            .map_err(read_error)?;
        if bytes.len() > MAX_SECRET_LEN {
            return Err(KeyError::NoSecret {
                what,
                reason: format!(
                    "file {} is longer than {MAX_SECRET_LEN} bytes",
                    path.display()
                ),
            });
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        if bytes.is_empty() {
            return Err(KeyError::NoSecret {
                what,
                reason: format!("file {} is empty", path.display()),
            });
        }
        Ok(Self(bytes))
    }

    /// Reads the secret in the environment variable `name`, exactly as it is.
    ///
    /// # Errors
    /// [`KeyError::NoSecret`] if the variable is not set, is empty or is longer than
    /// [`MAX_SECRET_LEN`].
    pub fn from_env(name: &str, what: &'static str) -> Result<Self, KeyError> {
        let no_secret = |problem: &str| KeyError::NoSecret {
            what,
            reason: format!("environment variable {name} {problem}"),
        };
        let value = std::env::var_os(name).ok_or_else(|| no_secret("is not set"))?;
        let bytes = Zeroizing::new(value.into_encoded_bytes());
        if bytes.is_empty() {
            return Err(no_secret("is empty"));
        }
        if bytes.len() > MAX_SECRET_LEN {
            return Err(no_secret(&format!("is longer than {MAX_SECRET_LEN} bytes")));
        }
        Ok(Self(bytes))
    }

    /// The secret's bytes, for the one call that needs them.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Whether the secret is empty (only possible through [`Secret::new`]).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}
