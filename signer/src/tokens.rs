//! API tokens: the credentials HTTP clients (the case modules) present as `Authorization:
//! Bearer <token>`.
//!
//! Security properties:
//! - only the SHA-256 of each token is stored (`auth/tokens.json`, mode 0600), so a copy of
//!   the data directory does not hand out credentials; a token is shown once, when created;
//! - tokens are 256 random bits, so guessing is hopeless and a hash lookup leaks nothing
//!   useful through timing;
//! - a revocation takes effect on the next request: the service re-reads the file whenever
//!   it changes.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use archive::durable::FileError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The directory under the data directory that holds credentials.
pub const AUTH_DIR: &str = "auth";
/// The token file, under [`AUTH_DIR`].
pub const TOKENS_FILE: &str = "tokens.json";
/// Where `dalel serve` writes the token it creates on first start, under [`AUTH_DIR`].
pub const INITIAL_TOKEN_FILE: &str = "initial-token";
/// Every token starts with this, so that a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "dalel_";

const MAX_NAME_LEN: usize = 64;

/// Why a token operation failed. Never contains a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token file could not be read or written.
    #[error(transparent)]
    Io(#[from] FileError),
    /// The token file is not what this version writes.
    #[error("{} is damaged: {reason}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A token name is empty, too long or has characters other than `A-Za-z0-9._-`.
    #[error(
        "token name {0:?} is not allowed: use 1 to {MAX_NAME_LEN} characters from A-Z a-z 0-9 . _ -"
    )]
    BadName(String),
    /// A token of that name exists already.
    #[error("a token named {0:?} exists already; revoke it first")]
    Exists(String),
    /// No token has that name.
    #[error("no token is named {0:?}")]
    NoSuchToken(String),
    /// The operating system's random source failed.
    #[error("cannot draw random bytes for a token")]
    Random,
}

/// What is stored of one token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecord {
    /// Who or what holds the token (a case module, an operator); logged with each request.
    pub name: String,
    /// Lower-case hex SHA-256 of the whole token string.
    pub sha256: String,
    /// When it was created (RFC 3339, UTC).
    pub created: String,
}

/// The token file of one data directory.
#[derive(Debug)]
pub struct TokenStore {
    path: PathBuf,
    cache: Mutex<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    stamp: Option<FileStamp>,
    by_hash: BTreeMap<[u8; 32], String>,
}

/// Identifies one version of the file: an atomic rewrite changes the inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    inode: u64,
    modified: Option<SystemTime>,
    len: u64,
}

impl TokenStore {
    /// The token store of the data directory `data`; nothing is read or created yet.
    pub fn new(data: &Path) -> Self {
        Self {
            path: data.join(AUTH_DIR).join(TOKENS_FILE),
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The token file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored tokens, by name. A missing file is an empty store.
    pub fn list(&self) -> Result<Vec<TokenRecord>, TokenError> {
        match fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| TokenError::Damaged {
                path: self.path.clone(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(self.io("cannot read", source)),
        }
    }

    /// Creates a token named `name` and returns it; only its hash is kept.
    pub fn create(&self, name: &str) -> Result<String, TokenError> {
        check_name(name)?;
        let _lock = self.lock()?;
        let mut records = self.list()?;
        if records.iter().any(|r| r.name == name) {
            return Err(TokenError::Exists(name.to_owned()));
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|_| TokenError::Random)?;
        let token = format!("{TOKEN_PREFIX}{}", B64URL.encode(secret));
        records.push(TokenRecord {
            name: name.to_owned(),
            sha256: hex::encode(Sha256::digest(token.as_bytes())),
            created: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        });
        self.save(&records)?;
        Ok(token)
    }

    /// Removes the token named `name`; the service refuses it from its next request on.
    pub fn revoke(&self, name: &str) -> Result<(), TokenError> {
        let _lock = self.lock()?;
        let mut records = self.list()?;
        let before = records.len();
        records.retain(|r| r.name != name);
        if records.len() == before {
            return Err(TokenError::NoSuchToken(name.to_owned()));
        }
        self.save(&records)
    }

    /// The name of the holder of `token`, or `None` when it is not a current token.
    pub fn authenticate(&self, token: &str) -> Result<Option<String>, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| self.io("cannot read", io::Error::other("token cache poisoned")))?;
        let stamp = match fs::metadata(&self.path) {
            Ok(meta) => Some(FileStamp::of(&meta)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(source) => return Err(self.io("cannot read", source)),
        };
        if cache.stamp != stamp || stamp.is_none() {
            let mut by_hash = BTreeMap::new();
            for record in self.list()? {
                let mut hash = [0u8; 32];
                hex::decode_to_slice(&record.sha256, &mut hash).map_err(|_| {
                    TokenError::Damaged {
                        path: self.path.clone(),
                        reason: format!("token {:?} has no valid SHA-256", record.name),
                    }
                })?;
                by_hash.insert(hash, record.name);
            }
            *cache = Cache { stamp, by_hash };
        }
        Ok(cache.by_hash.get(&digest).cloned())
    }

    fn save(&self, records: &[TokenRecord]) -> Result<(), TokenError> {
        let bytes = serde_json::to_vec_pretty(records)
            .map_err(|e| self.io("cannot encode", io::Error::other(e)))?;
        archive::durable::write_atomic(&self.path, &bytes, 0o600)
            .map_err(|source| self.io("cannot write", source))
    }

    /// Serialises changes between concurrent `dalel token` commands.
    fn lock(&self) -> Result<File, TokenError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(FileError::at("cannot create", dir))?;
        let lock_path = dir.join("tokens.lock");
        let file = File::create(&lock_path).map_err(FileError::at("cannot open", &lock_path))?;
        file.lock()
            .map_err(FileError::at("cannot lock", lock_path))?;
        Ok(file)
    }

    fn io(&self, context: &'static str, source: io::Error) -> TokenError {
        TokenError::Io(FileError::new(context, self.path.clone(), source))
    }
}

impl FileStamp {
    fn of(meta: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            inode: meta.ino(),
            modified: meta.modified().ok(),
            len: meta.len(),
        }
    }
}

/// Creates the first token on first start, writing it to `auth/initial-token` (0600) for the
/// operator to pick up. Returns that file's path when a token was created. Does nothing once
/// any token exists, or has ever been revoked into an empty file.
pub fn create_initial_token(store: &TokenStore) -> Result<Option<PathBuf>, TokenError> {
    if store.path().exists() {
        return Ok(None);
    }
    let token = store.create("initial")?;
    let path = store
        .path()
        .with_file_name(INITIAL_TOKEN_FILE)
        .to_path_buf();
    archive::durable::write_atomic(&path, format!("{token}\n").as_bytes(), 0o600)
        .map_err(|source| TokenError::Io(FileError::new("cannot write", path.clone(), source)))?;
    Ok(Some(path))
}

fn check_name(name: &str) -> Result<(), TokenError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(TokenError::BadName(name.to_owned()))
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_tokens_authenticate_until_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path());
        assert_eq!(store.authenticate("dalel_nothing").unwrap(), None);
        let token = store.create("case-module").unwrap();
        assert!(token.starts_with(TOKEN_PREFIX));
        assert_eq!(
            store.authenticate(&token).unwrap().as_deref(),
            Some("case-module")
        );
        assert_eq!(store.authenticate(&format!("{token}x")).unwrap(), None);

        // Another process (the CLI) revokes it: the running store sees the change.
        TokenStore::new(dir.path()).revoke("case-module").unwrap();
        assert_eq!(store.authenticate(&token).unwrap(), None);
    }

    #[test]
    fn only_hashes_are_stored_privately() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path());
        let token = store.create("a").unwrap();
        let text = fs::read_to_string(store.path()).unwrap();
        assert!(!text.contains(&token[TOKEN_PREFIX.len()..]));
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn names_are_checked_and_unique() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path());
        assert!(matches!(store.create(""), Err(TokenError::BadName(_))));
        assert!(matches!(store.create("a b"), Err(TokenError::BadName(_))));
        store.create("a").unwrap();
        assert!(matches!(store.create("a"), Err(TokenError::Exists(_))));
        assert!(matches!(store.revoke("b"), Err(TokenError::NoSuchToken(_))));
    }

    #[test]
    fn initial_token_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path());
        let path = create_initial_token(&store).unwrap().unwrap();
        let token = fs::read_to_string(&path).unwrap();
        assert_eq!(
            store.authenticate(token.trim()).unwrap().as_deref(),
            Some("initial")
        );
        assert_eq!(create_initial_token(&store).unwrap(), None);
    }

    #[test]
    fn a_damaged_file_is_an_error_not_an_open_door() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path());
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        fs::write(store.path(), b"{not json").unwrap();
        assert!(matches!(
            store.authenticate("dalel_x"),
            Err(TokenError::Damaged { .. })
        ));
    }
}
