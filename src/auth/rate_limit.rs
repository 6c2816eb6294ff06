//! Rate limits: how often one client may sign in, refresh, check out, pay, write to a cart, post
//! a review or search.
//!
//! Each kind of request ([`RateClass`]) has its own rate from configuration and counts against a
//! [`RateKey`]: the signed-in user where there is one, else the client's address (an IPv6 /64). The
//! sign-in routes count per address generously enough for an office behind one NAT, and each
//! login attempt also counts against the account *at that address*: a stranger who guesses a
//! victim's password from elsewhere exhausts only their own attempts, never the victim's. Refresh
//! and logout are not guesses and have their own, generous rate.
//!
//! The limiters are built once per application (outside `HttpServer::new`, so all workers share
//! them) and pruned periodically so that keys seen once do not accumulate forever.
//! `BAZAAR_RATE_LIMIT=off` switches every one of them off; business rules (caps on unpaid orders
//! and on declined payments) are not rate limits and stay.

use super::AuthUser;
use crate::client_address::ClientAddress;
use crate::config::{Rate, Rates};
use crate::error::{ApiError, ErrorCode};
use actix_web::HttpRequest;
use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A kind of request with a rate of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RateClass {
    /// Registration, activation, login and password reset, per address.
    SignIn,
    /// Login attempts per account at one address.
    Login,
    /// Refresh and logout, per address.
    Session,
    Checkout,
    Pay,
    /// Adding, changing and removing cart lines, and clearing the cart.
    CartWrite,
    Review,
    Search,
    /// Activation and reset links asked for one mailbox, from anywhere.
    Mail,
}

impl RateClass {
    const ALL: [RateClass; 9] = [
        RateClass::SignIn,
        RateClass::Login,
        RateClass::Session,
        RateClass::Checkout,
        RateClass::Pay,
        RateClass::CartWrite,
        RateClass::Review,
        RateClass::Search,
        RateClass::Mail,
    ];

    fn rate(self, rates: &Rates) -> Rate {
        match self {
            RateClass::SignIn => rates.sign_in,
            RateClass::Login => rates.login,
            RateClass::Session => rates.session,
            RateClass::Checkout => rates.checkout,
            RateClass::Pay => rates.pay,
            RateClass::CartWrite => rates.cart_write,
            RateClass::Review => rates.review,
            RateClass::Search => rates.search,
            RateClass::Mail => rates.mail,
        }
    }
}

/// Who a request counts against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum RateKey {
    User(Uuid),
    Address(ClientAddress),
    /// An account (its normalized email) as tried from one address.
    AccountAt(String, ClientAddress),
    /// A mailbox (a normalized email) links are sent to.
    Mailbox(String),
}

impl RateKey {
    /// The signed-in user of `req` if it carries a valid access token, else its address: for
    /// public routes, which serve both and must not refuse a stale token.
    pub(crate) fn of_caller(req: &HttpRequest) -> Self {
        match AuthUser::authenticate(req) {
            Ok(user) => RateKey::User(user.id),
            Err(_) => RateKey::Address(ClientAddress::of(req)),
        }
    }
}

/// The limiters of one application.
#[derive(Clone)]
pub(crate) struct RateLimits {
    enabled: bool,
    limiters: Arc<[DefaultKeyedRateLimiter<RateKey>; RateClass::ALL.len()]>,
}

impl RateLimits {
    pub(crate) fn new(enabled: bool, rates: &Rates) -> Self {
        Self {
            enabled,
            limiters: Arc::new(
                RateClass::ALL.map(|class| RateLimiter::keyed(quota(class.rate(rates)))),
            ),
        }
    }

    /// Counts one request of `class` against `key`: 429 with `Retry-After` past its rate.
    pub(crate) fn check(&self, class: RateClass, key: RateKey) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        self.limiter(class)
            .check_key(&key)
            .map_err(|not_until| limited(not_until.wait_time_from(DefaultClock::default().now())))
    }

    fn limiter(&self, class: RateClass) -> &DefaultKeyedRateLimiter<RateKey> {
        &self.limiters[class as usize]
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
                for limiter in limits.limiters.iter() {
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
            }
        });
    }
}

/// Middleware of the sign-in routes: their rate per client address.
pub(crate) async fn limit_sign_in(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    limit_per_address(RateClass::SignIn, req, next).await
}

/// Middleware of refresh and logout: their own, generous rate per client address.
pub(crate) async fn limit_session(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    limit_per_address(RateClass::Session, req, next).await
}

/// Counts `req` against its address's rate of `class`; past it, answers 429 itself (an answer,
/// not an error, so the outer middleware still add their headers to it).
async fn limit_per_address<B: MessageBody>(
    class: RateClass,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let checked = match req.app_data::<web::Data<RateLimits>>() {
        Some(limits) => limits.check(class, RateKey::Address(ClientAddress::of(req.request()))),
        None => Ok(()),
    };
    match checked {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(refused) => Ok(req
            .into_response(refused.error_response())
            .map_into_right_body()),
    }
}

/// `count` requests at once, then one every `period / count`.
fn quota(rate: Rate) -> Quota {
    // Configuration only accepts rates whose replenish interval is at least a nanosecond and
    // whose count is at least one; the fallbacks cannot be reached.
    let count = NonZeroU32::new(rate.count).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(rate.period / count.get())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(count)
}

fn limited(wait: Duration) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::new(
        ErrorCode::RateLimited,
        "too many requests; wait before trying again",
    )
    .retry_after(secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn rates(rate: Rate) -> Rates {
        Rates {
            sign_in: rate,
            login: rate,
            session: rate,
            checkout: rate,
            pay: rate,
            cart_write: rate,
            review: rate,
            search: rate,
            mail: rate,
        }
    }

    #[test]
    fn each_class_has_its_own_limiter() {
        for (index, class) in RateClass::ALL.into_iter().enumerate() {
            assert_eq!(class as usize, index, "{class:?} indexes its own limiter");
        }
    }

    const THREE_AN_HOUR: Rate = Rate {
        count: 3,
        period: Duration::from_secs(3600),
    };

    #[test]
    fn a_burst_is_allowed_then_limited_with_a_retry_time() {
        let limits = RateLimits::new(true, &rates(THREE_AN_HOUR));
        let ada = RateKey::User(Uuid::now_v7());
        for _ in 0..3 {
            limits.check(RateClass::Checkout, ada.clone()).unwrap();
        }
        let error = limits.check(RateClass::Checkout, ada.clone()).unwrap_err();
        assert_eq!(error.problem().code, "rate_limited");
        limits
            .check(RateClass::Pay, ada)
            .expect("each class counts alone");
        limits
            .check(RateClass::Checkout, RateKey::User(Uuid::now_v7()))
            .expect("other users are unaffected");
    }

    #[test]
    fn an_account_counts_per_address() {
        let limits = RateLimits::new(true, &rates(THREE_AN_HOUR));
        let at = |last: u8| {
            let address = ClientAddress::from(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)));
            RateKey::AccountAt("ada@example.com".into(), address)
        };
        for _ in 0..3 {
            limits.check(RateClass::Login, at(1)).unwrap();
        }
        assert!(limits.check(RateClass::Login, at(1)).is_err());
        limits
            .check(RateClass::Login, at(2))
            .expect("the account is not locked elsewhere");
    }

    #[test]
    fn disabled_limits_never_refuse() {
        let limits = RateLimits::new(false, &rates(THREE_AN_HOUR));
        let here = RateKey::Address(ClientAddress::from(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        for _ in 0..1000 {
            limits.check(RateClass::SignIn, here.clone()).unwrap();
        }
    }
}
