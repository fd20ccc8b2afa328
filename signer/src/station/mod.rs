//! The station's signing stack, assembled from the configuration: its keys, its time-stamp
//! authority, where signatures get their time-stamps and revocation values, and the archive
//! stamped by the same authority. `dalel serve` and the CLI open it the same way.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use const_oid::ObjectIdentifier;
use verifier::path::{TrustAnchor, parse_certificates};
use verifier::revocation::NetworkOptions;
use verifier::validation::ValidationPolicy;
use x509_cert::Certificate;

use crate::cades::{FetchingRevocation, RevocationValues, SuppliedRevocation};
use crate::config::{Config, KeyConfig, SEAL};
use crate::dev_pki::DevPki;
use crate::keys::SignatureKey;
use crate::keys::pkcs11::Pkcs11Key;
use crate::keys::software::SoftwareKey;
use crate::tsa::{Authority, AuthoritySettings, Timestamper, TsaClient, TsaSource, Upstream};

mod stamps;

use stamps::ArchiveStamps;
pub use stamps::DeferredStamps;

/// The directory of the development PKI inside the data directory.
pub const PKI_DIR: &str = "pki";
/// The state of a configured (non-development) time-stamp authority.
pub const TSA_STATE_DIR: &str = "tsa-state";

/// The opened signing stack.
pub struct Station {
    /// The keys requests may name.
    pub keys: BTreeMap<String, Arc<dyn SignatureKey>>,
    /// The key used when a request names none.
    pub default_key: String,
    /// The local authority, when `[tsa] enabled`.
    pub authority: Option<Arc<Authority>>,
    /// Where signatures and checkpoints get time-stamps: upstream authorities in order, then
    /// the local one (`[tsa]`).
    pub timestamper: Option<Arc<dyn Timestamper>>,
    /// Where B-LT revocation values come from.
    pub revocation: Arc<dyn RevocationValues>,
    /// The development PKI, when the configuration leaves anything to the embedded default.
    pub dev_pki: Option<DevPki>,
    /// The local authority's key.
    tsa_key: Option<Arc<dyn SignatureKey>>,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("default_key", &self.default_key)
            .field("authority", &self.authority.is_some())
            .field("timestamper", &self.timestamper.is_some())
            .finish_non_exhaustive()
    }
}

impl Station {
    /// Opens the keys and authority `config` names, under the data directory `data`; what
    /// it leaves to the embedded default comes from the development PKI in `data/pki`,
    /// created on first use.
    ///
    /// # Errors
    /// When a key, the authority or a revocation file cannot be opened; the message names it.
    pub fn open(data: &Path, config: &Config) -> anyhow::Result<Self> {
        let uses_dev =
            config.signing.keys.is_empty() || (config.tsa.enabled && config.tsa.key.is_none());
        let dev_pki =
            if uses_dev {
                let dir = data.join(PKI_DIR);
                Some(DevPki::open_or_create(&dir).with_context(|| {
                    format!("cannot open the development PKI {}", dir.display())
                })?)
            } else {
                None
            };

        let mut keys: BTreeMap<String, Arc<dyn SignatureKey>> = BTreeMap::new();
        for (name, key) in &config.signing.keys {
            keys.insert(name.clone(), open_key(name, key)?);
        }
        if let (true, Some(dev)) = (keys.is_empty(), &dev_pki) {
            keys.insert(SEAL.to_owned(), dev.seal());
        }
        if !keys.contains_key(&config.signing.default_key) {
            anyhow::bail!(
                "[signing] default_key `{}` is not among the keys ({})",
                config.signing.default_key,
                keys.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }

        let local = local_authority(data, config, || match &dev_pki {
            Some(dev) => Ok((dev.tsa() as Arc<dyn SignatureKey>, dev.tsa_state_dir())),
            None => anyhow::bail!("[tsa] has no key"),
        })?;
        let (authority, tsa_key) = local.unzip();
        let timestamper = timestamper(config, authority.as_ref())?;

        let revocation: Arc<dyn RevocationValues> = if config.signing.network {
            Arc::new(FetchingRevocation::new(NetworkOptions::default()))
        } else {
            let mut crls = config.signing.crls.clone();
            if let Some(dev) = &dev_pki {
                crls.push(dev.crl_path());
            }
            Arc::new(
                SuppliedRevocation::from_files(&crls, &config.signing.ocsp_responses)
                    .context("[signing] revocation files")?,
            )
        };

        Ok(Self {
            keys,
            default_key: config.signing.default_key.clone(),
            authority,
            timestamper,
            revocation,
            dev_pki,
            tsa_key,
        })
    }

    /// The keys as the HTTP handler takes them.
    #[must_use]
    pub fn key_map(&self) -> Arc<HashMap<String, Arc<dyn SignatureKey>>> {
        Arc::new(
            self.keys
                .iter()
                .map(|(name, key)| (name.clone(), Arc::clone(key)))
                .collect(),
        )
    }

    /// The issuers of the local authority's certificate, which its tokens leave out: embedded
    /// at B-LT so that the time-stamp's path can be validated from the signature alone.
    #[must_use]
    pub fn tsa_issuers(&self) -> Vec<Certificate> {
        self.tsa_key
            .as_ref()
            .map(|k| k.certificate_chain().iter().skip(1).cloned().collect())
            .unwrap_or_default()
    }

    /// Where the archive's checkpoints get their time-stamps: [`Self::timestamper`], if any.
    #[must_use]
    pub fn archive_stamps(&self) -> Option<Box<dyn archive::timestamp::TimestampSource>> {
        Some(ArchiveStamps::boxed(
            self.timestamper.as_ref()?,
            self.tsa_key.as_ref(),
        ))
    }

    /// What [`Self::archive_stamps`] returns, opening only the time-stamping part of the
    /// station: the local authority's key alone is decrypted (scrypt), not the signing keys
    /// or the development root, and no CRL is issued. `dalel archive put` uses it.
    ///
    /// # Errors
    /// As [`Self::open`], for the `[tsa]` part.
    pub fn open_archive_stamps(
        data: &Path,
        config: &Config,
    ) -> anyhow::Result<Option<Box<dyn archive::timestamp::TimestampSource>>> {
        let local = local_authority(data, config, || {
            let dir = data.join(PKI_DIR);
            let (key, state) = DevPki::open_tsa(&dir)
                .with_context(|| format!("cannot open the development PKI {}", dir.display()))?;
            Ok((key as Arc<dyn SignatureKey>, state))
        })?;
        let (authority, tsa_key) = local.unzip();
        let timestamper = timestamper(config, authority.as_ref())?;
        Ok(timestamper.map(|t| ArchiveStamps::boxed(&t, tsa_key.as_ref())))
    }

    /// Opens the archive in `dir` with its checkpoints time-stamped by [`Self::timestamper`].
    ///
    /// # Errors
    /// As [`archive::Archive::open_with`].
    pub fn open_archive(&self, dir: &Path) -> Result<archive::Archive, archive::ArchiveError> {
        archive::Archive::open_with(dir, self.archive_stamps())
    }
}

/// The local time-stamp authority and its key.
type LocalAuthority = (Arc<Authority>, Arc<dyn SignatureKey>);

/// The local authority and its key when `[tsa] enabled`: the configured key, or else the
/// development PKI's with its state directory, from `dev_tsa`.
fn local_authority(
    data: &Path,
    config: &Config,
    dev_tsa: impl FnOnce() -> anyhow::Result<(Arc<dyn SignatureKey>, PathBuf)>,
) -> anyhow::Result<Option<LocalAuthority>> {
    if !config.tsa.enabled {
        return Ok(None);
    }
    let (key, state) = match &config.tsa.key {
        Some(key) => (open_key("tsa", key)?, data.join(TSA_STATE_DIR)),
        None => dev_tsa()?,
    };
    let policy = ObjectIdentifier::new(&config.tsa.policy)
        .with_context(|| format!("[tsa] policy `{}`", config.tsa.policy))?;
    let mut settings = AuthoritySettings::new(policy);
    settings.accuracy = config.tsa.accuracy;
    let authority = Authority::open(&state, Arc::clone(&key), settings).with_context(|| {
        format!(
            "cannot open the time-stamp authority in {}",
            state.display()
        )
    })?;
    Ok(Some((Arc::new(authority), key)))
}

fn open_key(name: &str, config: &KeyConfig) -> anyhow::Result<Arc<dyn SignatureKey>> {
    Ok(match config {
        KeyConfig::Software {
            key,
            chain,
            passphrase,
        } => {
            let passphrase = passphrase
                .read("passphrase")
                .with_context(|| format!("key `{name}`"))?;
            Arc::new(
                SoftwareKey::open(name, key, chain, &passphrase)
                    .with_context(|| format!("key `{name}`"))?,
            )
        }
        KeyConfig::Pkcs11(pkcs11) => {
            Arc::new(Pkcs11Key::open(name, pkcs11).with_context(|| format!("key `{name}`"))?)
        }
    })
}

/// Whether a station opened with `config` time-stamps (has a [`Station::timestamper`]),
/// known without opening it.
#[must_use]
pub fn stamps_with(config: &Config) -> bool {
    config.tsa.enabled || !config.tsa.upstream.is_empty()
}

/// Upstream authorities in order, then the local one if `fallback_local`; the local one
/// alone when there are no upstream authorities.
fn timestamper(
    config: &Config,
    authority: Option<&Arc<Authority>>,
) -> anyhow::Result<Option<Arc<dyn Timestamper>>> {
    let tsa = &config.tsa;
    if tsa.upstream.is_empty() {
        return Ok(authority.map(|a| Arc::clone(a) as Arc<dyn Timestamper>));
    }
    let mut trust = ValidationPolicy::default();
    for path in &tsa.upstream_trust {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read [tsa] upstream_trust {}", path.display()))?;
        let certificates = parse_certificates(&bytes)
            .with_context(|| format!("[tsa] upstream_trust {}", path.display()))?;
        trust
            .anchors
            .extend(certificates.into_iter().map(TrustAnchor::from_certificate));
    }
    let mut sources: Vec<TsaSource> = tsa
        .upstream
        .iter()
        .map(|url| {
            let mut upstream = Upstream::new(url.clone());
            upstream.timeout = tsa.upstream_timeout;
            upstream.retries = tsa.upstream_retries;
            TsaSource::Upstream(upstream)
        })
        .collect();
    if let (true, Some(authority)) = (tsa.fallback_local, authority) {
        sources.push(TsaSource::Local(Arc::clone(authority)));
    }
    Ok(Some(Arc::new(TsaClient::new(sources, trust))))
}
