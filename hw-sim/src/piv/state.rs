//! What the card keeps across power cycles: PIN, PUK and their retry counters, the management
//! key, private keys and data objects. A real card keeps this in EEPROM; the virtual card keeps
//! it in one JSON file, rewritten atomically after every change so that a crash (or SIGKILL)
//! leaves either the old or the new state, never a torn one.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use devices::piv::wire::alg;
use serde::{Deserialize, Serialize};

use crate::Error;

/// The state file inside a state directory.
pub(crate) const STATE_FILE: &str = "card.json";
/// Version of the state file format.
const FORMAT: u32 = 1;

/// The PIV default PIN (SP 800-73-4 leaves it to the issuer; every YubiKey ships with it).
pub const DEFAULT_PIN: &[u8] = b"123456";
/// The default PIN unblocking key.
pub const DEFAULT_PUK: &[u8] = b"12345678";
/// The default 3DES card management key of YubiKeys and of yubico-piv-tool's `-k`.
pub const DEFAULT_MANAGEMENT_KEY: [u8; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
];

/// A card management key (key reference 9B): algorithm and key bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagementKey {
    algorithm: u8,
    #[serde(with = "hex::serde")]
    key: Vec<u8>,
}

impl ManagementKey {
    /// A key of `algorithm` ([`alg::TDES`], [`alg::AES_128`], [`alg::AES_192`] or
    /// [`alg::AES_256`]); `None` if the length does not fit the algorithm.
    pub fn new(algorithm: u8, key: &[u8]) -> Option<ManagementKey> {
        (key_len(algorithm) == Some(key.len())).then(|| ManagementKey {
            algorithm,
            key: key.to_vec(),
        })
    }

    /// The factory default: 3DES `010203040506070801020304050607080102030405060708`.
    pub fn default_3des() -> ManagementKey {
        ManagementKey {
            algorithm: alg::TDES,
            key: DEFAULT_MANAGEMENT_KEY.to_vec(),
        }
    }

    /// The algorithm identifier.
    pub fn algorithm(&self) -> u8 {
        self.algorithm
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }

    pub(crate) fn is_default(&self) -> bool {
        *self == ManagementKey::default_3des()
    }
}

impl fmt::Debug for ManagementKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ManagementKey {{ algorithm: {:02X}, .. }}",
            self.algorithm
        )
    }
}

/// Key length in bytes of a management-key algorithm.
pub(crate) fn key_len(algorithm: u8) -> Option<usize> {
    match algorithm {
        alg::TDES | alg::AES_192 => Some(24),
        alg::AES_128 => Some(16),
        alg::AES_256 => Some(32),
        _ => None,
    }
}

/// The settings of a card created from nothing (the first use of a state directory).
#[derive(Clone)]
pub struct CardConfig {
    /// The PIN, 6-8 bytes.
    pub pin: Vec<u8>,
    /// The PUK, 6-8 bytes.
    pub puk: Vec<u8>,
    /// PIN retries before it blocks (1-15).
    pub pin_tries: u8,
    /// PUK retries before it blocks (1-15).
    pub puk_tries: u8,
    /// The card management key.
    pub management_key: ManagementKey,
    /// The serial number answered to GET SERIAL and encoded in the CHUID.
    pub serial: u32,
    /// The firmware version answered to GET VERSION.
    pub version: [u8; 3],
}

impl Default for CardConfig {
    fn default() -> Self {
        CardConfig {
            pin: DEFAULT_PIN.to_vec(),
            puk: DEFAULT_PUK.to_vec(),
            pin_tries: 3,
            puk_tries: 3,
            management_key: ManagementKey::default_3des(),
            serial: 10_000_001,
            version: [5, 4, 3],
        }
    }
}

impl fmt::Debug for CardConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardConfig")
            .field("pin_tries", &self.pin_tries)
            .field("puk_tries", &self.puk_tries)
            .field("management_key", &self.management_key)
            .field("serial", &self.serial)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl CardConfig {
    fn validate(&self) -> Result<(), Error> {
        for (name, value) in [("PIN", &self.pin), ("PUK", &self.puk)] {
            // SP 800-73-4 Part 2 §2.4.3: 6-8 bytes, sent padded with FF.
            if !(6..=8).contains(&value.len()) || value.contains(&0xFF) {
                return Err(Error::Config(format!(
                    "the {name} must be 6-8 bytes, none FF"
                )));
            }
        }
        for (name, tries) in [("PIN", self.pin_tries), ("PUK", self.puk_tries)] {
            // 63Cx carries the count in four bits.
            if !(1..=15).contains(&tries) {
                return Err(Error::Config(format!(
                    "{name} retries must be 1-15, not {tries}"
                )));
            }
        }
        Ok(())
    }
}

/// A reference value with its retry counter (the PIN or the PUK).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Reference {
    #[serde(with = "hex::serde")]
    pub(crate) value: Vec<u8>,
    pub(crate) max_tries: u8,
    pub(crate) tries_left: u8,
}

/// A private key in a slot, as PKCS#8 DER, with its Yubico attributes.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct StoredKey {
    pub(crate) algorithm: u8,
    /// Yubico PIN policy: 1 never, 2 once, 3 always.
    pub(crate) pin_policy: u8,
    /// Yubico origin: 1 generated on the card, 2 imported.
    pub(crate) origin: u8,
    #[serde(with = "hex::serde")]
    pub(crate) pkcs8: Vec<u8>,
}

/// Bytes stored as a hex string.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Hex(#[serde(with = "hex::serde")] pub(crate) Vec<u8>);

/// Everything the card remembers.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct CardState {
    format: u32,
    pub(crate) serial: u32,
    pub(crate) version: [u8; 3],
    pub(crate) pin: Reference,
    pub(crate) puk: Reference,
    pub(crate) management_key: ManagementKey,
    /// Keyed by slot, lower-case hex (`9c`).
    pub(crate) keys: BTreeMap<String, StoredKey>,
    /// Keyed by object identifier, lower-case hex (`5fc10a`): the value of the `53` wrapper.
    pub(crate) objects: BTreeMap<String, Hex>,
}

impl CardState {
    /// A fresh card as `config` describes it, with the default CHUID and CCC.
    pub(crate) fn new(config: &CardConfig) -> Result<CardState, Error> {
        config.validate()?;
        let mut state = CardState {
            format: FORMAT,
            serial: config.serial,
            version: config.version,
            pin: Reference {
                value: config.pin.clone(),
                max_tries: config.pin_tries,
                tries_left: config.pin_tries,
            },
            puk: Reference {
                value: config.puk.clone(),
                max_tries: config.puk_tries,
                tries_left: config.puk_tries,
            },
            management_key: config.management_key.clone(),
            keys: BTreeMap::new(),
            objects: BTreeMap::new(),
        };
        super::data::add_default_objects(&mut state);
        Ok(state)
    }
}

impl fmt::Debug for CardState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardState")
            .field("serial", &self.serial)
            .field("pin_tries_left", &self.pin.tries_left)
            .field("puk_tries_left", &self.puk.tries_left)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("objects", &self.objects.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Where the state lives: a directory, or nowhere (a card for unit tests).
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: Option<PathBuf>,
}

impl Store {
    pub(crate) fn in_memory() -> Store {
        Store { dir: None }
    }

    /// Loads the state of `dir`, creating the directory and a fresh card if it has none.
    pub(crate) fn open(dir: &Path, config: &CardConfig) -> Result<(Store, CardState), Error> {
        let store = Store {
            dir: Some(dir.to_path_buf()),
        };
        let path = dir.join(STATE_FILE);
        match fs::read(&path) {
            Ok(bytes) => {
                let state: CardState =
                    serde_json::from_slice(&bytes).map_err(|e| Error::CorruptState {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                if state.format != FORMAT {
                    return Err(Error::CorruptState {
                        path,
                        reason: format!("format {} is not {FORMAT}", state.format),
                    });
                }
                Ok((store, state))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Owner only: the state holds the PIN, PUK and keys in the clear.
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|source| Error::State {
                        path: dir.to_path_buf(),
                        source,
                    })?;
                let state = CardState::new(config)?;
                store.save(&state)?;
                Ok((store, state))
            }
            Err(source) => Err(Error::State { path, source }),
        }
    }

    /// Replaces the state file: write a temporary file, fsync it, rename it over the old one
    /// and fsync the directory, so that the rename itself is durable.
    pub(crate) fn save(&self, state: &CardState) -> Result<(), Error> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let path = dir.join(STATE_FILE);
        let tmp = dir.join(format!("{STATE_FILE}.tmp"));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::State { path, source }
        };
        let bytes = serde_json::to_vec_pretty(state).map_err(|e| Error::CorruptState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io(&tmp))?;
        file.write_all(&bytes).map_err(io(&tmp))?;
        file.sync_all().map_err(io(&tmp))?;
        drop(file);
        fs::rename(&tmp, &path).map_err(io(&path))?;
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
        Ok(())
    }
}
