//! Password hashing with argon2id (the crate's default parameters, OWASP's minimum: 19 MiB,
//! two passes). Hashing takes tens of milliseconds of CPU on purpose, so it runs on tokio's
//! blocking pool and never stalls the threads that serve requests.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use nguon_domain::{Password, PasswordHash};

/// Why a password could not be hashed: the system has no randomness for a salt, or the task was
/// cancelled. Neither is the user's fault.
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// Hashes a password into an argon2id PHC string with a fresh random salt.
pub async fn hash(password: Password) -> Result<PasswordHash, HashError> {
    tokio::task::spawn_blocking(move || hash_now(password.expose()))
        .await
        .map_err(|e| HashError(e.to_string()))?
}

fn hash_now(password: &str) -> Result<PasswordHash, HashError> {
    let phc = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| HashError(e.to_string()))?
        .to_string();
    PasswordHash::parse(&phc).map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches `stored`. With no stored hash (an unknown address) it still
/// spends the time of one verification against a fixed hash and answers `false`, so the answer
/// time does not tell whether an address has an account.
pub async fn verify(password: String, stored: Option<PasswordHash>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let target = stored.unwrap_or_else(|| DECOY.clone());
        let matches = argon2::password_hash::phc::PasswordHash::new(target.as_str())
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        matches && known
    })
    .await
    .unwrap_or(false)
}

/// A hash no password is checked against on purpose: it only makes an unknown address cost what
/// a known one does.
static DECOY: LazyLock<PasswordHash> = LazyLock::new(|| {
    hash_now("nguon decoy password, never a real one")
        .expect("hashing a constant with system randomness works")
});

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let password = Password::parse(SecretString::from("mật khẩu đủ dài")).unwrap();
        let stored = hash(password).await.unwrap();
        assert!(stored.as_str().starts_with("$argon2id$v=19$"));
        assert!(verify("mật khẩu đủ dài".into(), Some(stored.clone())).await);
        assert!(!verify("mật khẩu sai rồi".into(), Some(stored)).await);
        assert!(!verify("nguon decoy password, never a real one".into(), None).await);
    }
}
