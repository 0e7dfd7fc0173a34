//! The device's database key: 32 random bytes that SQLCipher uses as a raw key. It lives in the
//! OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows) or,
//! where there is none (a headless tablet, a kiosk session), in a key file readable only by the
//! user (mode 0600). A key is never replaced while its database exists: losing it would lose the
//! data, so a missing key with an existing database is an error, not a fresh start.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A 256-bit SQLCipher raw key. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey([u8; 32]);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

impl DbKey {
    /// A new random key from the OS's random source.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(DbKey(bytes))
    }

    /// A key from fixed bytes (tests, benchmarks).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DbKey(bytes)
    }

    /// Parses 64 hex characters.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let bytes = hex::decode(s.trim()).map_err(|_| KeyError::Malformed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(DbKey(bytes))
    }

    /// 64 lower-case hex characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

/// Where the key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    /// In the OS keyring under service `kadian` and this account name.
    Keyring(String),
    /// In this file (mode 0600).
    File(PathBuf),
}

/// How to find or keep the key of one data folder.
#[derive(Debug, Clone)]
pub struct KeyPolicy {
    /// Try the OS keyring (service `kadian`, account = the data folder's path). Off in tests.
    pub use_keyring: bool,
    /// The key file used when the keyring is unavailable (and always looked for first, so a
    /// device that once fell back to the file keeps using it).
    pub key_file: PathBuf,
}

impl KeyPolicy {
    /// The policy for a data folder: keyring first, `DIR/device.key` otherwise.
    pub fn for_data_dir(dir: &Path) -> Self {
        KeyPolicy {
            use_keyring: true,
            key_file: dir.join("device.key"),
        }
    }

    /// Only the key file, never the keyring.
    pub fn file_only(key_file: PathBuf) -> Self {
        KeyPolicy {
            use_keyring: false,
            key_file,
        }
    }

    fn account(&self) -> String {
        self.key_file.display().to_string()
    }

    /// Loads the key, or creates one when `database_exists` is false.
    ///
    /// Order: the key file if present; then the keyring; else (only for a new database) a new
    /// key, stored in the keyring when it accepts and returns it, otherwise in the key file.
    ///
    /// Errors: [`KeyError::Missing`] when the database exists but no key is found anywhere;
    /// [`KeyError::Malformed`], [`KeyError::Io`] for an unreadable or unwritable key file.
    pub fn load_or_create(&self, database_exists: bool) -> Result<(DbKey, KeyLocation), KeyError> {
        if self.key_file.exists() {
            let text = fs::read_to_string(&self.key_file).map_err(|e| KeyError::Io {
                path: self.key_file.clone(),
                detail: e.to_string(),
            })?;
            return Ok((
                DbKey::from_hex(&text)?,
                KeyLocation::File(self.key_file.clone()),
            ));
        }
        if self.use_keyring {
            if let Some(key) = keyring_get(&self.account()) {
                return Ok((key, KeyLocation::Keyring(self.account())));
            }
        }
        if database_exists {
            return Err(KeyError::Missing {
                key_file: self.key_file.clone(),
            });
        }
        let key = DbKey::generate()?;
        if self.use_keyring && keyring_set(&self.account(), &key) {
            return Ok((key, KeyLocation::Keyring(self.account())));
        }
        write_key_file(&self.key_file, &key)?;
        Ok((key, KeyLocation::File(self.key_file.clone())))
    }
}

/// Writes the key file with mode 0600, atomically (temporary file, fsync, rename).
fn write_key_file(path: &Path, key: &DbKey) -> Result<(), KeyError> {
    let io = |e: std::io::Error| KeyError::Io {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("key.tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp).map_err(io)?;
    f.write_all(key.to_hex().as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn keyring_get(account: &str) -> Option<DbKey> {
    let entry = keyring::Entry::new("kadian", account).ok()?;
    DbKey::from_hex(&entry.get_password().ok()?).ok()
}

/// Stores the key and reads it back; only a key that comes back counts as stored.
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn keyring_set(account: &str, key: &DbKey) -> bool {
    let Ok(entry) = keyring::Entry::new("kadian", account) else {
        return false;
    };
    entry.set_password(&key.to_hex()).is_ok() && keyring_get(account).as_ref() == Some(key)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn keyring_get(_account: &str) -> Option<DbKey> {
    None
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn keyring_set(_account: &str, _key: &DbKey) -> bool {
    false
}

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The database exists but its key is nowhere to be found.
    #[error("the database exists but its key is missing (not in the OS keyring, no {key_file}); restore the key file from a backup or re-enrol the device")]
    Missing {
        /// Where the key file was expected.
        key_file: PathBuf,
    },
    /// The key file does not hold 64 hex characters.
    #[error("the key file is damaged (it must hold 64 hex characters)")]
    Malformed,
    /// The key file cannot be read or written.
    #[error("cannot read or write the key file {path}: {detail}")]
    Io {
        /// Its path.
        path: PathBuf,
        /// What the system said.
        detail: String,
    },
    /// The OS gave no random bytes.
    #[error("no random source: {0}")]
    Random(String),
}
