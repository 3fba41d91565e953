//! The province's signing key, its public half, and the checkpoints it signs.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use nguon_domain::OrganisationId;
use nguon_store::{Checkpoint, Store, StoreError, now_utc};
use sha2::{Digest, Sha256};

/// Why a key could not be read, made or parsed; each names the file and the rule.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file does not exist.
    #[error("signing key file {0} does not exist")]
    Missing(PathBuf),
    /// The key file exists but cannot be read or written.
    #[error("signing key file {path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The key file does not hold 64 hexadecimal digits.
    #[error("signing key file {0} must hold the 32-byte secret key as 64 hexadecimal digits")]
    Malformed(PathBuf),
    /// A public key given as text is not 64 hexadecimal digits of a valid ed25519 point.
    #[error("public key must be 64 hexadecimal digits of an ed25519 public key")]
    BadPublicKey,
}

/// The province's ed25519 signing key. Its Debug form never shows the secret.
pub struct ProvinceKey {
    signing: SigningKey,
}

impl fmt::Debug for ProvinceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProvinceKey")
            .field("public", &self.public().to_hex())
            .finish_non_exhaustive()
    }
}

impl ProvinceKey {
    /// Reads the key from `path`, which must exist.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::Missing(path.to_owned()));
            }
            Err(error) => return Err(io_error(path, &error)),
        };
        let secret =
            parse_hex32(text.trim()).ok_or_else(|| KeyError::Malformed(path.to_owned()))?;
        Ok(Self {
            signing: SigningKey::from_bytes(&secret),
        })
    }

    /// Reads the key from `path`, or makes a new one there (readable by its owner only) when the
    /// file does not exist; the flag says whether it was made.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyError> {
        match Self::load(path) {
            Err(KeyError::Missing(_)) => {}
            loaded => return loaded.map(|key| (key, false)),
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| KeyError::Io {
            path: path.to_owned(),
            reason: format!("no random bytes for a new key: {e}"),
        })?;
        let key = Self {
            signing: SigningKey::from_bytes(&secret),
        };
        let mut options = std::fs::OpenOptions::new();
        // create_new: two processes starting at once must not both write a key.
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options
            .open(path)
            .and_then(|mut file| writeln!(file, "{}", hex(&secret)).and_then(|()| file.sync_all()));
        match written {
            Ok(()) => Ok((key, true)),
            // Another process made it first: use theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::load(path).map(|key| (key, false))
            }
            Err(error) => Err(io_error(path, &error)),
        }
    }

    /// The public half, which anyone may hold.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    /// A checkpoint of `owner`'s chain at `position`, where its link is `link`, signed now.
    pub fn sign(&self, owner: OrganisationId, position: i64, link: &[u8]) -> Checkpoint {
        let signature = self
            .signing
            .sign(checkpoint_message(owner, position, link).as_bytes());
        Checkpoint {
            owner,
            position,
            link: link.to_vec(),
            signed_at: now_utc(),
            signature: signature.to_bytes().to_vec(),
        }
    }
}

/// The public half of the province's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// A public key from its 64 hexadecimal digits.
    pub fn parse_hex(text: &str) -> Result<Self, KeyError> {
        parse_hex32(text.trim())
            .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
            .map(Self)
            .ok_or(KeyError::BadPublicKey)
    }

    /// The 32 bytes as lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        hex(self.0.as_bytes())
    }

    /// SHA-256 of the 32 key bytes, lower-case hexadecimal: what a person compares.
    pub fn fingerprint(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }

    /// Whether `checkpoint` carries this key's valid signature over its organisation, position
    /// and link.
    pub fn signed(&self, checkpoint: &Checkpoint) -> bool {
        let Ok(signature) = Signature::from_slice(&checkpoint.signature) else {
            return false;
        };
        let message = checkpoint_message(checkpoint.owner, checkpoint.position, &checkpoint.link);
        self.0.verify(message.as_bytes(), &signature).is_ok()
    }
}

/// The exact text a checkpoint's signature covers: a version tag, then the organisation's id,
/// the position and the link (hexadecimal), one per line.
pub fn checkpoint_message(owner: OrganisationId, position: i64, link: &[u8]) -> String {
    format!(
        "nguon-checkpoint-v1\norganisation {owner}\nposition {position}\nlink {}\n",
        hex(link)
    )
}

/// Signs a checkpoint at the head of every organisation's chain that has moved since its last
/// one; returns how many were stored.
pub async fn sign_checkpoints(store: &dyn Store, key: &ProvinceKey) -> Result<u64, StoreError> {
    let checkpoints: Vec<Checkpoint> = store
        .chain_heads()
        .await?
        .iter()
        .map(|head| key.sign(head.owner, head.position, &head.link))
        .collect();
    store.add_checkpoints(&checkpoints).await
}

/// Bytes as lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 bytes from exactly 64 hexadecimal digits.
fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(bytes)
}

fn io_error(path: &Path, error: &std::io::Error) -> KeyError {
    KeyError::Io {
        path: path.to_owned(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> OrganisationId {
        OrganisationId::parse("0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f").unwrap()
    }

    #[test]
    fn a_new_key_is_written_once_for_its_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nguon-signing.key");
        let (made, created) = ProvinceKey::load_or_create(&path).unwrap();
        assert!(created);
        let (again, created) = ProvinceKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(made.public(), again.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{made:?}").contains(std::fs::read_to_string(&path).unwrap().trim()));
    }

    #[test]
    fn a_missing_or_malformed_key_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.key");
        assert!(matches!(ProvinceKey::load(&path), Err(KeyError::Missing(p)) if p == path));
        std::fs::write(&path, "not hex").unwrap();
        let error = ProvinceKey::load(&path).unwrap_err();
        assert!(
            error.to_string().contains("64 hexadecimal digits"),
            "{error}"
        );
    }

    #[test]
    fn a_signature_covers_the_organisation_the_position_and_the_link() {
        let key = ProvinceKey {
            signing: SigningKey::from_bytes(&[7; 32]),
        };
        let public = PublicKey::parse_hex(&key.public().to_hex()).unwrap();
        let checkpoint = key.sign(owner(), 12, &[1; 32]);
        assert!(public.signed(&checkpoint));
        for forged in [
            Checkpoint {
                position: 13,
                ..checkpoint.clone()
            },
            Checkpoint {
                link: vec![2; 32],
                ..checkpoint.clone()
            },
            Checkpoint {
                signature: vec![0; 64],
                ..checkpoint.clone()
            },
            Checkpoint {
                signature: vec![1, 2, 3],
                ..checkpoint.clone()
            },
        ] {
            assert!(!public.signed(&forged), "{forged:?}");
        }
        let other = ProvinceKey {
            signing: SigningKey::from_bytes(&[8; 32]),
        };
        assert!(!other.public().signed(&checkpoint));
    }

    #[test]
    fn the_signed_text_is_fixed() {
        assert_eq!(
            checkpoint_message(owner(), 3, &[0xab; 2]),
            "nguon-checkpoint-v1\norganisation 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f\n\
             position 3\nlink abab\n"
        );
    }

    #[test]
    fn a_public_key_must_be_64_hex_digits() {
        assert!(PublicKey::parse_hex("abc").is_err());
        assert!(PublicKey::parse_hex(&"zz".repeat(32)).is_err());
    }
}
