//! Rate limits on the authentication routes, per client address and per account.
//!
//! The limiters are built once per application (outside `HttpServer::new`, so all workers share
//! them) and pruned periodically so that addresses seen once do not accumulate forever.

use crate::error::{ApiError, ErrorCode};
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Requests to the auth routes per client address: a burst of 20, then one every 2 s.
const PER_ADDRESS_BURST: u32 = 20;
const PER_ADDRESS_PERIOD: Duration = Duration::from_secs(2);
/// Login attempts per account: a burst of 10, then one every 6 s.
const PER_ACCOUNT_BURST: u32 = 10;
const PER_ACCOUNT_PERIOD: Duration = Duration::from_secs(6);

/// The limiters of one application.
#[derive(Clone)]
pub(crate) struct RateLimits {
    enabled: bool,
    per_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    per_account: Arc<DefaultKeyedRateLimiter<String>>,
}

impl RateLimits {
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            enabled,
            per_address: Arc::new(RateLimiter::keyed(quota(
                PER_ADDRESS_PERIOD,
                PER_ADDRESS_BURST,
            ))),
            per_account: Arc::new(RateLimiter::keyed(quota(
                PER_ACCOUNT_PERIOD,
                PER_ACCOUNT_BURST,
            ))),
        }
    }

    /// Counts one request to an auth route from `address`.
    pub(crate) fn check_address(&self, address: IpAddr) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        self.per_address
            .check_key(&address)
            .map_err(|not_until| limited(not_until.wait_time_from(DefaultClock::default().now())))
    }

    /// Counts one login attempt for the account `email` (normalized).
    pub(crate) fn check_account(&self, email: &str) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        self.per_account
            .check_key(&email.to_owned())
            .map_err(|not_until| limited(not_until.wait_time_from(DefaultClock::default().now())))
    }

    /// Starts the periodic pruning of keys whose limits have fully replenished.
    pub(crate) fn spawn_pruning(&self) {
        if !self.enabled {
            return;
        }
        let limits = self.clone();
        actix_web::rt::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                limits.per_address.retain_recent();
                limits.per_account.retain_recent();
                limits.per_address.shrink_to_fit();
                limits.per_account.shrink_to_fit();
            }
        });
    }
}

fn quota(period: Duration, burst: u32) -> Quota {
    // Both constants above are non-zero.
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

fn limited(wait: Duration) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::new(
        ErrorCode::RateLimited,
        "too many attempts; wait before trying again",
    )
    .retry_after(secs)
}

/// The address of the connected peer. Forwarded headers are deliberately ignored: any client can
/// forge them, which would let it escape its own limit.
pub(crate) fn client_ip(req: &HttpRequest) -> IpAddr {
    req.peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_limited_with_a_retry_time() {
        let limits = RateLimits::new(true);
        for _ in 0..PER_ACCOUNT_BURST {
            limits.check_account("ada@example.com").unwrap();
        }
        let error = limits.check_account("ada@example.com").unwrap_err();
        assert_eq!(error.problem().code, "rate_limited");
        // Other accounts are unaffected.
        limits.check_account("grace@example.com").unwrap();
    }

    #[test]
    fn disabled_limits_never_refuse() {
        let limits = RateLimits::new(false);
        for _ in 0..1000 {
            limits
                .check_address(IpAddr::V4(Ipv4Addr::LOCALHOST))
                .unwrap();
        }
    }
}
