//! Opaque secrets handed to clients (refresh, activation and reset tokens).
//!
//! 256 random bits, URL-safe base64; only their SHA-256 is stored, so a database leak reveals no
//! usable token. Also the keyed MAC the server derives its other secrets with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A freshly generated secret and the hash under which it is stored.
pub(crate) struct OpaqueToken {
    pub token: String,
    pub hash: Vec<u8>,
}

impl OpaqueToken {
    pub(crate) fn generate() -> anyhow::Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("getrandom: {error}"))?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash_secret(&token);
        Ok(Self { token, hash })
    }
}

/// HMAC-SHA256 keyed with `key`.
pub(crate) fn keyed_sha256(key: &[u8]) -> hmac::Hmac<Sha256> {
    use hmac::Mac;
    // HMAC accepts a key of any length (a long one is hashed first): this cannot fail.
    hmac::Hmac::<Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

/// The stored form of a secret.
pub(crate) fn hash_secret(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = OpaqueToken::generate().unwrap();
        let b = OpaqueToken::generate().unwrap();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 43);
        assert_eq!(a.hash, hash_secret(&a.token));
        assert_ne!(a.hash, a.token.as_bytes());
    }
}
