//! Typed settings read from `BAZAAR_*` environment variables.
//!
//! Every variable has a default that runs on a developer machine, so `cargo run` needs no set-up.
//! Parsing happens once at start-up: a bad value stops the server with a message naming the
//! variable, instead of surfacing later as a confusing runtime error.

pub use crate::drops::AdmitRate;
pub use crate::orders::{ShippingMethod, ShippingMethods, TaxRates};
pub use crate::outbox::sender::SmtpSettings;
pub use crate::payments::StripeSettings;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server needs to know about its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Address and port to serve on (`BAZAAR_LISTEN`); port 0 picks a free port.
    pub listen: String,
    /// Where Prometheus metrics are served (`/metrics`), apart from the public port; none: not
    /// served.
    pub metrics_listen: Option<String>,
    /// The database (`BAZAAR_DATABASE_URL`): a `sqlite:` file (the embedded database, the
    /// default) or a `postgres:` URL; created if missing.
    pub database_url: String,
    /// Redis URL (`BAZAAR_REDIS_URL`); without one the server runs as one process, with carts
    /// and revocations in the database and live events in memory.
    pub redis_url: Option<String>,
    /// Namespace of every Redis key and channel (`BAZAAR_REDIS_PREFIX`).
    pub redis_prefix: String,
    /// The first admin, created at start-up if absent.
    pub admin: Option<AdminBootstrap>,
    /// Whether self-registered accounts must be activated before they can log in.
    pub require_activation: bool,
    /// The Ed25519 signing key of access tokens, generated on first start if absent.
    pub jwt_key_file: PathBuf,
    /// Lifetime of access tokens.
    pub access_token_ttl: Duration,
    /// How long an unpaid order holds its stock.
    pub hold_ttl: Duration,
    /// The most orders pending payment one customer may have (a business rule, not a rate).
    pub max_unpaid_orders: usize,
    /// Declined payments after which an order refuses further attempts.
    pub max_payment_declines: usize,
    /// How many days after delivery a customer may open a return.
    pub return_window_days: usize,
    /// The SMTP server the outbox is sent through; none: the outbox is the mail sink.
    pub smtp: Option<SmtpSettings>,
    /// The ways orders can be shipped (`BAZAAR_SHIPPING_METHODS`, a JSON array).
    pub shipping_methods: ShippingMethods,
    /// Tax by destination country (`BAZAAR_TAX_RATES`, like `DE=19,FR=5.5`).
    pub tax_rates: TaxRates,
    /// The wallets' currency and the limits on topping them up.
    pub wallet: WalletSettings,
    /// How many customers one batch of a promotion campaign tells (`BAZAAR_PROMOTION_BATCH`).
    pub promotion_batch: usize,
    /// How fast waiting rooms admit (`BAZAAR_QUEUE_ADMIT_PER_SEC`: `auto` or a number).
    pub queue_admit_rate: AdmitRate,
    /// How long an admitted buyer may take to check out (`BAZAAR_QUEUE_ADMISSION_SECS`).
    pub queue_admission: Duration,
    /// How long a unit held for a back-in-stock subscriber waits for their payment
    /// (`BAZAAR_WAITLIST_HOLD_MINUTES`).
    pub waitlist_hold: Duration,
    /// Stripe, when `BAZAAR_STRIPE_SECRET_KEY` is set; else the built-in test gateway.
    pub stripe: Option<StripeSettings>,
    /// Whether rate limits are enforced.
    pub rate_limit: bool,
    /// The rate of each kind of limited request.
    pub rates: Rates,
    /// Directory of the web client served at `/`.
    pub web_dir: PathBuf,
    /// Directory of product images served at `/media/` (`bazaar seed --demo` draws its own there).
    pub media_dir: PathBuf,
    /// The address users reach the server at, used in links of outgoing messages.
    pub public_url: String,
    /// The most units the journal commits in one transaction.
    pub journal_max_batch: usize,
    /// How long the journal waits to fill a batch once a unit arrived.
    pub journal_max_delay: Duration,
    /// How long an inventory or cart actor stays after its last message.
    pub actor_idle: Duration,
    /// How often live sessions are pinged.
    pub ws_ping_interval: Duration,
    /// How long a live session may stay silent before it is closed.
    pub ws_idle_timeout: Duration,
    /// The most live sessions (WebSockets and event streams) one user holds in one process.
    pub live_sessions_per_user: usize,
    /// The most live sessions one client address (an IPv6 /64) holds in one process.
    pub live_sessions_per_address: usize,
}

/// The wallets' currency and the limits on topping them up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletSettings {
    /// The currency wallets hold (`BAZAAR_WALLET_CURRENCY`); orders in it may be paid from one.
    pub currency: String,
    /// The least and the most one top-up credits, in minor units.
    pub top_up_min_cents: i64,
    pub top_up_max_cents: i64,
    /// The most top-ups one customer makes in 24 hours.
    pub top_ups_per_day: i64,
    /// The most a wallet holds.
    pub max_balance_cents: i64,
}

/// A rate limit: `count` requests at once, then the allowance refills evenly over `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub period: Duration,
}

impl Rate {
    pub const fn per_minute(count: u32) -> Self {
        Self {
            count,
            period: Duration::from_secs(60),
        }
    }

    pub const fn per_hour(count: u32) -> Self {
        Self {
            count,
            period: Duration::from_secs(3600),
        }
    }

    /// Parses `<count>/<s|min|h>`, such as `30/min`.
    fn parse(text: &str) -> Option<Self> {
        let (count, unit) = text.trim().split_once('/')?;
        let count: u32 = count.trim().parse().ok()?;
        let period = match unit.trim() {
            "s" => Duration::from_secs(1),
            "min" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            _ => return None,
        };
        (1..=MAX_RATE_COUNT)
            .contains(&count)
            .then_some(Self { count, period })
    }
}

/// The largest count of a rate: a million a second is already no limit at all.
const MAX_RATE_COUNT: u32 = 1_000_000;

/// The rate of each kind of limited request: per client address for sign-in (`sign_in`: register,
/// activate, login, password reset) and for refresh and logout (`session`); per account and
/// address for login attempts; per user for the rest (search: per user or, signed out, per
/// address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    pub sign_in: Rate,
    pub login: Rate,
    pub session: Rate,
    pub checkout: Rate,
    pub pay: Rate,
    pub cart_write: Rate,
    pub review: Rate,
    pub search: Rate,
    /// Activation and reset links asked for one mailbox.
    pub mail: Rate,
}

/// Credentials of the admin account created at start-up.
#[derive(Clone)]
pub struct AdminBootstrap {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for AdminBootstrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminBootstrap")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A variable whose value cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    variable: &'static str,
    message: String,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings from any source of variables (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let string = |name: &str, default: &str| var(name).unwrap_or_else(|| default.to_owned());

        let admin = match (var("BAZAAR_ADMIN_EMAIL"), var("BAZAAR_ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some(AdminBootstrap { email, password }),
            (None, None) => None,
            (Some(_), None) => return Err(missing_pair("BAZAAR_ADMIN_PASSWORD")),
            (None, Some(_)) => return Err(missing_pair("BAZAAR_ADMIN_EMAIL")),
        };
        let smtp = match var("BAZAAR_SMTP_URL") {
            None => None,
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => {
                Some(SmtpSettings {
                    url,
                    from: string("BAZAAR_MAIL_FROM", "Bazaar <noreply@localhost>"),
                    retry_base: seconds("BAZAAR_SMTP_RETRY_SECS", var, 30)?,
                    max_attempts: u32::try_from(limit("BAZAAR_SMTP_MAX_ATTEMPTS", var, 12)?)
                        .unwrap_or(u32::MAX),
                })
            }
            // The URL is not echoed: it may hold the server's password.
            Some(_) => {
                return Err(ConfigError {
                    variable: "BAZAAR_SMTP_URL",
                    message: "expected smtp://... or smtps://...".to_owned(),
                });
            }
        };
        let listen = string("BAZAAR_LISTEN", "127.0.0.1:8080");
        let public_url = var("BAZAAR_PUBLIC_URL").unwrap_or_else(|| format!("http://{listen}"));

        Ok(Self {
            database_url: string("BAZAAR_DATABASE_URL", "sqlite://./data/bazaar.db"),
            redis_url: var("BAZAAR_REDIS_URL").filter(|url| !url.trim().is_empty()),
            redis_prefix: string("BAZAAR_REDIS_PREFIX", "bazaar"),
            admin,
            require_activation: flag("BAZAAR_REQUIRE_ACTIVATION", var, true)?,
            jwt_key_file: PathBuf::from(string("BAZAAR_JWT_KEY_FILE", "./data/jwt-ed25519.pem")),
            access_token_ttl: seconds("BAZAAR_ACCESS_TOKEN_TTL_SECS", var, 900)?,
            hold_ttl: seconds("BAZAAR_HOLD_TTL_SECS", var, 900)?,
            max_unpaid_orders: limit("BAZAAR_MAX_UNPAID_ORDERS", var, 3)?,
            max_payment_declines: limit("BAZAAR_MAX_PAYMENT_DECLINES", var, 5)?,
            return_window_days: days("BAZAAR_RETURN_WINDOW_DAYS", var, 30)?,
            smtp,
            shipping_methods: match var("BAZAAR_SHIPPING_METHODS") {
                Some(json) => ShippingMethods::parse(&json).map_err(|message| ConfigError {
                    variable: "BAZAAR_SHIPPING_METHODS",
                    message,
                })?,
                None => ShippingMethods::default(),
            },
            tax_rates: TaxRates::parse(&string("BAZAAR_TAX_RATES", "")).map_err(|message| {
                ConfigError {
                    variable: "BAZAAR_TAX_RATES",
                    message,
                }
            })?,
            wallet: wallet(&var)?,
            promotion_batch: limit("BAZAAR_PROMOTION_BATCH", var, 200)?,
            queue_admit_rate: AdmitRate::parse(&string("BAZAAR_QUEUE_ADMIT_PER_SEC", "auto"))
                .map_err(|message| ConfigError {
                    variable: "BAZAAR_QUEUE_ADMIT_PER_SEC",
                    message,
                })?,
            queue_admission: at_most(
                "BAZAAR_QUEUE_ADMISSION_SECS",
                seconds("BAZAAR_QUEUE_ADMISSION_SECS", var, 300)?,
                Duration::from_secs(86_400),
            )?,
            waitlist_hold: at_most(
                "BAZAAR_WAITLIST_HOLD_MINUTES",
                Duration::from_secs(
                    u64::try_from(limit("BAZAAR_WAITLIST_HOLD_MINUTES", var, 30)?)
                        .unwrap_or(u64::MAX)
                        .saturating_mul(60),
                ),
                Duration::from_secs(7 * 86_400),
            )?,
            stripe: match var("BAZAAR_STRIPE_SECRET_KEY") {
                Some(secret_key) => Some(StripeSettings {
                    secret_key,
                    api_base: string("BAZAAR_STRIPE_API_BASE", "https://api.stripe.com"),
                    webhook_secret: var("BAZAAR_STRIPE_WEBHOOK_SECRET"),
                    timeout: seconds("BAZAAR_STRIPE_TIMEOUT_SECS", var, 20)?,
                    webhook_tolerance: seconds("BAZAAR_STRIPE_WEBHOOK_TOLERANCE_SECS", var, 300)?,
                }),
                None => None,
            },
            rate_limit: flag("BAZAAR_RATE_LIMIT", var, true)?,
            rates: Rates {
                sign_in: rate("BAZAAR_RATE_SIGN_IN", var, Rate::per_minute(60))?,
                login: rate("BAZAAR_RATE_LOGIN", var, Rate::per_minute(10))?,
                session: rate("BAZAAR_RATE_SESSION", var, Rate::per_minute(600))?,
                checkout: rate("BAZAAR_RATE_CHECKOUT", var, Rate::per_minute(30))?,
                pay: rate("BAZAAR_RATE_PAY", var, Rate::per_minute(30))?,
                cart_write: rate("BAZAAR_RATE_CART", var, Rate::per_minute(120))?,
                review: rate("BAZAAR_RATE_REVIEW", var, Rate::per_minute(10))?,
                search: rate("BAZAAR_RATE_SEARCH", var, Rate::per_minute(300))?,
                mail: rate("BAZAAR_RATE_MAIL", var, Rate::per_hour(5))?,
            },
            web_dir: PathBuf::from(string("BAZAAR_WEB_DIR", "./web-client")),
            media_dir: PathBuf::from(string("BAZAAR_MEDIA_DIR", "./data/media")),
            public_url: public_url.trim_end_matches('/').to_owned(),
            journal_max_batch: usize::try_from(count("BAZAAR_JOURNAL_MAX_BATCH", var, 512)?)
                .unwrap_or(512),
            journal_max_delay: Duration::from_millis(count("BAZAAR_JOURNAL_MAX_DELAY_MS", var, 0)?),
            actor_idle: seconds("BAZAAR_ACTOR_IDLE_SECS", var, 60)?,
            ws_ping_interval: seconds("BAZAAR_WS_PING_SECS", var, 15)?,
            ws_idle_timeout: seconds("BAZAAR_WS_TIMEOUT_SECS", var, 45)?,
            live_sessions_per_user: limit("BAZAAR_LIVE_SESSIONS_PER_USER", var, 16)?,
            live_sessions_per_address: limit("BAZAAR_LIVE_SESSIONS_PER_ADDRESS", var, 256)?,
            metrics_listen: match string("BAZAAR_METRICS_LISTEN", "127.0.0.1:9464") {
                off if off.trim().eq_ignore_ascii_case("off") => None,
                address => Some(address),
            },
            listen,
        })
    }
}

fn wallet(var: &impl Fn(&str) -> Option<String>) -> Result<WalletSettings, ConfigError> {
    let cents = |variable, default| {
        count(variable, var, default).map(|cents| i64::try_from(cents).unwrap_or(i64::MAX))
    };
    let currency = var("BAZAAR_WALLET_CURRENCY").unwrap_or_else(|| "EUR".into());
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ConfigError {
            variable: "BAZAAR_WALLET_CURRENCY",
            message: format!("expected an ISO 4217 code like EUR, got {currency:?}"),
        });
    }
    let settings = WalletSettings {
        currency,
        top_up_min_cents: cents("BAZAAR_WALLET_TOP_UP_MIN_CENTS", 100)?,
        top_up_max_cents: cents("BAZAAR_WALLET_TOP_UP_MAX_CENTS", 50_000)?,
        top_ups_per_day: i64::try_from(limit("BAZAAR_WALLET_TOP_UPS_PER_DAY", var, 5)?)
            .unwrap_or(i64::MAX),
        max_balance_cents: cents("BAZAAR_WALLET_MAX_BALANCE_CENTS", 200_000)?,
    };
    if settings.top_up_min_cents < 1 || settings.top_up_min_cents > settings.top_up_max_cents {
        return Err(ConfigError {
            variable: "BAZAAR_WALLET_TOP_UP_MIN_CENTS",
            message: "expected at least 1 and at most BAZAAR_WALLET_TOP_UP_MAX_CENTS".into(),
        });
    }
    if settings.max_balance_cents < settings.top_up_max_cents {
        return Err(ConfigError {
            variable: "BAZAAR_WALLET_MAX_BALANCE_CENTS",
            message: "expected at least BAZAAR_WALLET_TOP_UP_MAX_CENTS".into(),
        });
    }
    Ok(settings)
}

fn missing_pair(variable: &'static str) -> ConfigError {
    ConfigError {
        variable,
        message: "BAZAAR_ADMIN_EMAIL and BAZAAR_ADMIN_PASSWORD must be set together".into(),
    }
}

fn flag(
    variable: &'static str,
    var: impl Fn(&str) -> Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    let Some(value) = var(variable) else {
        return Ok(default);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => Err(ConfigError {
            variable,
            message: format!("expected on/off (or true/false), got {value:?}"),
        }),
    }
}

fn count(
    variable: &'static str,
    var: impl Fn(&str) -> Option<String>,
    default: u64,
) -> Result<u64, ConfigError> {
    let Some(value) = var(variable) else {
        return Ok(default);
    };
    value.trim().parse::<u64>().map_err(|_| ConfigError {
        variable,
        message: format!("expected a whole number, got {value:?}"),
    })
}

/// `value`, unless it is longer than `max`.
fn at_most(
    variable: &'static str,
    value: Duration,
    max: Duration,
) -> Result<Duration, ConfigError> {
    if value <= max {
        Ok(value)
    } else {
        Err(ConfigError {
            variable,
            message: format!("at most {} seconds", max.as_secs()),
        })
    }
}

/// A positive whole number: a cap.
fn limit(
    variable: &'static str,
    var: impl Fn(&str) -> Option<String>,
    default: usize,
) -> Result<usize, ConfigError> {
    let Some(value) = var(variable) else {
        return Ok(default);
    };
    match value.trim().parse::<usize>() {
        Ok(limit) if limit > 0 => Ok(limit),
        _ => Err(ConfigError {
            variable,
            message: format!("expected a positive whole number, got {value:?}"),
        }),
    }
}

/// A number of days from 1 to ten years.
fn days(
    variable: &'static str,
    var: impl Fn(&str) -> Option<String>,
    default: usize,
) -> Result<usize, ConfigError> {
    match limit(variable, var, default)? {
        days @ 1..=3650 => Ok(days),
        _ => Err(ConfigError {
            variable,
            message: "expected a number of days from 1 to 3650".to_owned(),
        }),
    }
}

fn rate(
    variable: &'static str,
    var: impl Fn(&str) -> Option<String>,
    default: Rate,
) -> Result<Rate, ConfigError> {
    let Some(value) = var(variable) else {
        return Ok(default);
    };
    Rate::parse(&value).ok_or_else(|| ConfigError {
        variable,
        message: format!(
            "expected <count>/<s|min|h> with a count from 1 to {MAX_RATE_COUNT}, like 30/min; got \
             {value:?}"
        ),
    })
}

fn seconds(
    variable: &'static str,
    var: impl Fn(&str) -> Option<String>,
    default: u64,
) -> Result<Duration, ConfigError> {
    let Some(value) = var(variable) else {
        return Ok(Duration::from_secs(default));
    };
    match value.trim().parse::<u64>() {
        Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
        _ => Err(ConfigError {
            variable,
            message: format!("expected a positive number of seconds, got {value:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_run_on_a_developer_machine() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.metrics_listen.as_deref(), Some("127.0.0.1:9464"));
        let off = settings(&[("BAZAAR_METRICS_LISTEN", "off")]).unwrap();
        assert_eq!(off.metrics_listen, None);
        assert_eq!(s.database_url, "sqlite://./data/bazaar.db");
        assert_eq!(s.redis_url, None);
        assert_eq!(s.redis_prefix, "bazaar");
        assert!(s.require_activation && s.rate_limit && s.admin.is_none());
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.hold_ttl, Duration::from_secs(900));
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn flags_accept_on_and_off() {
        let s = settings(&[
            ("BAZAAR_RATE_LIMIT", "off"),
            ("BAZAAR_REQUIRE_ACTIVATION", "false"),
        ]);
        let s = s.unwrap();
        assert!(!s.rate_limit && !s.require_activation);
    }

    #[test]
    fn rates_read_as_a_count_per_unit() {
        let s = settings(&[
            ("BAZAAR_RATE_CHECKOUT", " 5 / h "),
            ("BAZAAR_RATE_PAY", "2/s"),
        ])
        .unwrap();
        assert_eq!(
            (s.rates.checkout, s.rates.pay, s.rates.search),
            (
                Rate {
                    count: 5,
                    period: Duration::from_secs(3600)
                },
                Rate {
                    count: 2,
                    period: Duration::from_secs(1)
                },
                Rate::per_minute(300)
            )
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases = [
            ("BAZAAR_RATE_LIMIT", "maybe"),
            ("BAZAAR_ACCESS_TOKEN_TTL_SECS", "-5"),
            ("BAZAAR_HOLD_TTL_SECS", "0"),
            ("BAZAAR_ADMIN_EMAIL", "admin@example.com"),
            ("BAZAAR_RATE_CHECKOUT", "30"),
            ("BAZAAR_RATE_SEARCH", "0/min"),
            ("BAZAAR_RATE_PAY", "5/day"),
            ("BAZAAR_LIVE_SESSIONS_PER_USER", "0"),
            ("BAZAAR_SHIPPING_METHODS", "[]"),
            ("BAZAAR_TAX_RATES", "DE=200"),
            ("BAZAAR_WALLET_CURRENCY", "euro"),
            ("BAZAAR_WALLET_TOP_UP_MIN_CENTS", "0"),
            ("BAZAAR_WALLET_MAX_BALANCE_CENTS", "10"),
        ];
        for (variable, value) in cases {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert!(
                error.to_string().contains("BAZAAR_"),
                "{variable}={value} gave {error}"
            );
        }
    }
}
