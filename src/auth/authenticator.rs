//! [`Authenticator`]: whether an access token is ours, unexpired and unrevoked, without I/O.

use super::{AccessClaims, JwtKeys, Revocations};
use std::sync::Arc;
use tokio::sync::watch;

/// Why a presented access token does not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenRefused {
    /// Not signed by us, of another algorithm, malformed or expired.
    Invalid,
    /// Logged out, or its user was disabled, deleted, reset or given another role since.
    Revoked,
}

/// Checks access tokens against the signing key and the revocations.
#[derive(Clone)]
pub(crate) struct Authenticator {
    keys: Arc<JwtKeys>,
    revocations: Arc<Revocations>,
}

impl Authenticator {
    pub(crate) fn new(keys: Arc<JwtKeys>, revocations: Arc<Revocations>) -> Self {
        Self { keys, revocations }
    }

    /// The claims of `token` if it still counts.
    pub(crate) fn verify(&self, token: &str) -> Result<AccessClaims, TokenRefused> {
        let claims = self.keys.verify(token).ok_or(TokenRefused::Invalid)?;
        if self.revocations.is_revoked(&claims) {
            Err(TokenRefused::Revoked)
        } else {
            Ok(claims)
        }
    }

    /// Whether a token verified earlier has been revoked since.
    pub(crate) fn revoked(&self, claims: &AccessClaims) -> bool {
        self.revocations.is_revoked(claims)
    }

    /// A receiver told of every revocation, for sessions that outlast the request that verified
    /// their token.
    pub(crate) fn revocations(&self) -> watch::Receiver<u64> {
        self.revocations.subscribe()
    }
}
