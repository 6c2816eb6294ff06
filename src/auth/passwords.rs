//! argon2id password hashing off the async executor.
//!
//! One hash costs 19 MiB and tens of milliseconds of CPU: it runs on the blocking pool, behind a
//! semaphore sized to the cores, so a burst of logins queues instead of exhausting memory or
//! starving the reactor.

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Hashes and verifies passwords with argon2id and the OWASP parameters (19 MiB, t=2, p=1).
#[derive(Clone)]
pub(crate) struct PasswordHasher {
    permits: Arc<Semaphore>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl PasswordHasher {
    /// The PHC string of a fresh salted hash of `password`.
    pub(crate) async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|error| anyhow::anyhow!("argon2 hash: {error}"))
        })
        .await
    }

    /// Whether `password` matches `hash`. With no hash (unknown account) it still spends the
    /// same work, so response times do not reveal which accounts exist.
    pub(crate) async fn verify(&self, password: &str, hash: Option<&str>) -> anyhow::Result<bool> {
        let password = password.to_owned();
        let known = hash.is_some();
        let hash = hash.map_or_else(|| dummy_hash().to_owned(), str::to_owned);
        self.run(move || {
            let matches = Argon2::default()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok();
            Ok(matches && known)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await?;
        tokio::task::spawn_blocking(work).await?
    }
}

/// A hash of a random password, verified against when the account does not exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"no account has this password")
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id_with_owasp_parameters() {
        let hasher = PasswordHasher::default();
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("no account has this password", None)
                .await
                .unwrap()
        );
    }
}
