//! [`TokenWatch`]: ends an authenticated live session when its access token stops counting.
//!
//! A WebSocket or event stream outlives the request that verified its token, so it keeps
//! checking: it ends when the token expires, and at once when the token or its user is revoked
//! (logout, disable, delete, role change, password reset), in this process or, through the
//! revocation bus, in another.

use crate::auth::{AccessClaims, Authenticator};
use std::pin::Pin;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};

/// The token of one live session, once it has one.
pub(super) struct TokenWatch {
    authenticator: Authenticator,
    claims: Option<AccessClaims>,
    revocations: watch::Receiver<u64>,
    expiry: Pin<Box<Sleep>>,
}

impl TokenWatch {
    /// A watch of no token yet: it never lapses until [`TokenWatch::watch`] gives it one.
    pub(super) fn new(authenticator: Authenticator) -> Self {
        let revocations = authenticator.revocations();
        Self {
            authenticator,
            claims: None,
            revocations,
            expiry: Box::pin(tokio::time::sleep_until(Instant::now())),
        }
    }

    /// Watches `claims` from now on. Create the watch before verifying the token: a revocation
    /// between the two is then checked for at once.
    pub(super) fn watch(&mut self, claims: AccessClaims) {
        // Whatever was revoked since this watch subscribed is checked on the first wait.
        self.revocations.mark_changed();
        let left = claims.exp - OffsetDateTime::now_utc().unix_timestamp();
        let left = std::time::Duration::from_secs(u64::try_from(left).unwrap_or(0));
        self.expiry.as_mut().reset(Instant::now() + left);
        self.claims = Some(claims);
    }

    /// Resolves, with why, once the watched token expired or was revoked; never without one.
    pub(super) async fn lapsed(&mut self) -> &'static str {
        let Some(claims) = &self.claims else {
            return std::future::pending().await;
        };
        loop {
            tokio::select! {
                () = &mut self.expiry => return "the access token expired",
                changed = self.revocations.changed() => match changed {
                    Ok(()) if self.authenticator.revoked(claims) => {
                        return "the access token was revoked";
                    }
                    Ok(()) => {}
                    // The revocations are gone with the server: nothing more can be revoked.
                    Err(_) => return std::future::pending().await,
                },
            }
        }
    }
}
