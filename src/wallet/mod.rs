//! Wallets: a customer's balance, topped up by card and spent on orders, with an append-only
//! ledger whose sum is the balance.
//!
//! A top-up charges the card through the gateway first (outside any transaction), then credits
//! the wallet in one transaction that also records the request's Idempotency-Key and the charge:
//! two requests with one key credit once, and one charge credits once. A charge that cannot be
//! credited (a limit reached meanwhile, a race lost to another charge under the same key) is
//! recorded as given back, then refunded, and never credits later.
//! Paying an order from the wallet debits it inside the payment's journal unit
//! ([`crate::orders`]) with a conditional update, so racing payments never take the balance
//! below zero; refunds of such payments are credited back the same way.

mod store;

pub(crate) use store::{WalletStore, credit, debit};

use store::TopUpRefusal;

use crate::clock;
use crate::error::{Coded, ErrorCode, Members, members};
use crate::orders::Fingerprints;
use crate::payments::{Card, ChargeOutcome, ChargeRequest, DeclineCode, PaymentGateway, Purpose};
use serde::Serialize;
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a ledger entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum TransactionKind {
    TopUp,
    Payment,
    Refund,
}

/// One entry of a wallet's ledger.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct WalletTransaction {
    pub id: Uuid,
    pub kind: TransactionKind,
    /// Positive for money in, negative for money out.
    pub amount_cents: i64,
    pub balance_after_cents: i64,
    pub order_id: Option<Uuid>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A wallet and one page of its ledger, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WalletView {
    pub balance_cents: i64,
    pub currency: String,
    /// `{items: [WalletTransaction], page, per_page, total}`.
    #[schema(value_type = Object)]
    pub transactions: crate::domain::Paged<WalletTransaction>,
}

/// The shop's limits on top-ups.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TopUpLimits {
    /// The least and the most one top-up may credit.
    pub min_cents: i64,
    pub max_cents: i64,
    /// The most top-ups one customer may make in 24 hours.
    pub per_day: i64,
    /// The most a wallet may hold.
    pub max_balance_cents: i64,
}

/// A parsed top-up.
#[derive(Debug)]
pub(crate) struct TopUpRequest {
    pub user: Uuid,
    pub amount_cents: i64,
    pub card: Card,
    /// The Idempotency-Key and the fingerprint of the body.
    pub key: Option<(String, Vec<u8>)>,
}

/// What can go wrong with a wallet.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WalletError {
    #[error(transparent)]
    Invalid(#[from] crate::domain::Invalid),
    #[error("at most {limit} top-ups in 24 hours")]
    TooManyTopUps { limit: i64, retry_after_secs: u64 },
    #[error("the wallet may hold at most {max_cents}")]
    BalanceLimit { max_cents: i64 },
    #[error("the card was declined ({})", code.as_str())]
    Declined { code: DeclineCode },
    #[error("this Idempotency-Key was used for another request")]
    IdempotencyConflict,
    #[error("the charge of this top-up was given back; top up again with a new Idempotency-Key")]
    ChargeReturned,
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Coded for WalletError {
    fn code(&self) -> ErrorCode {
        match self {
            WalletError::Invalid(invalid) => invalid.code(),
            WalletError::TooManyTopUps { .. } => ErrorCode::TooManyTopUps,
            WalletError::BalanceLimit { .. } => ErrorCode::Conflict,
            WalletError::Declined { .. } => ErrorCode::PaymentDeclined,
            WalletError::IdempotencyConflict => ErrorCode::IdempotencyConflict,
            WalletError::ChargeReturned => ErrorCode::Conflict,
            WalletError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            WalletError::Database(error) => error.code(),
        }
    }

    fn members(&self) -> Members {
        match self {
            WalletError::TooManyTopUps { limit, .. } => members([("limit", (*limit).into())]),
            WalletError::BalanceLimit { max_cents } => {
                members([("max_balance_cents", (*max_cents).into())])
            }
            WalletError::Declined { code } => members([("decline_code", code.as_str().into())]),
            _ => Members::new(),
        }
    }

    fn fields(&self) -> Vec<crate::domain::FieldError> {
        match self {
            WalletError::Invalid(invalid) => invalid.fields(),
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            WalletError::TooManyTopUps {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            WalletError::Database(error) => error.retry_after(),
            _ => None,
        }
    }
}

/// The customers' wallets.
#[derive(Clone)]
pub(crate) struct Wallets {
    store: WalletStore,
    gateway: Arc<dyn PaymentGateway>,
    currency: String,
    limits: TopUpLimits,
    fingerprints: Fingerprints,
    /// One top-up per user and key at a time in this process.
    key_locks: Arc<crate::orders::KeyedLocks<(Uuid, String)>>,
}

/// What [`Wallets`] works with.
pub(crate) struct WalletServices {
    pub store: WalletStore,
    pub gateway: Arc<dyn PaymentGateway>,
    pub currency: String,
    pub limits: TopUpLimits,
    pub fingerprints: Fingerprints,
}

impl Wallets {
    pub(crate) fn new(services: WalletServices) -> Self {
        Self {
            store: services.store,
            gateway: services.gateway,
            currency: services.currency,
            limits: services.limits,
            fingerprints: services.fingerprints,
            key_locks: Arc::default(),
        }
    }

    /// The currency wallets hold.
    pub(crate) fn currency(&self) -> &str {
        &self.currency
    }

    pub(crate) fn limits(&self) -> TopUpLimits {
        self.limits
    }

    /// How a top-up's body is fingerprinted for its Idempotency-Key.
    pub(crate) fn fingerprints(&self) -> &Fingerprints {
        &self.fingerprints
    }

    /// `user`'s wallet with one page of its ledger.
    pub(crate) async fn view(
        &self,
        user: Uuid,
        page: crate::domain::Page,
    ) -> sqlx::Result<WalletView> {
        let balance = self.store.balance(user).await?;
        let transactions = self.store.transactions(user, page).await?;
        let (balance_cents, currency) = balance.unwrap_or_else(|| (0, self.currency.clone()));
        Ok(WalletView {
            balance_cents,
            currency,
            transactions,
        })
    }

    /// Charges the card and credits the wallet; a retry with the same key answers the first
    /// top-up. Like a payment, it runs to its end even if the caller stops waiting.
    pub(crate) async fn top_up(
        &self,
        request: TopUpRequest,
    ) -> Result<WalletTransaction, WalletError> {
        let wallets = self.clone();
        let topping_up = async move { wallets.charge_and_credit(request).await };
        tokio::task::spawn_local(topping_up)
            .await
            .map_err(|error| WalletError::Unavailable(error.to_string()))?
    }

    async fn charge_and_credit(
        &self,
        request: TopUpRequest,
    ) -> Result<WalletTransaction, WalletError> {
        let lock = request
            .key
            .as_ref()
            .map(|(key, _)| self.key_locks.lock_for((request.user, key.clone())));
        let _held = match &lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        if let Some(first) = self.replay(&request).await? {
            return Ok(first);
        }
        let now = clock::now();
        self.check_limits(request.user, request.amount_cents, now)
            .await?;
        let entry = Uuid::now_v7();
        // With a client's key, a retry after a lost answer asks the gateway with the same key.
        let idempotency_key = match &request.key {
            Some((key, _)) => format!(
                "top-up-{}-{}",
                request.user,
                self.fingerprints.tag(&[key.as_bytes()])
            ),
            None => format!("top-up-{entry}"),
        };
        let charge = ChargeRequest {
            card: &request.card,
            amount_cents: request.amount_cents,
            currency: &self.currency,
            purpose: Purpose::TopUp(request.user),
            idempotency_key,
        };
        let charged = self
            .gateway
            .charge(&charge)
            .await
            .map_err(|error| WalletError::Unavailable(error.to_string()))?;
        let reference = match charged {
            ChargeOutcome::Approved { reference } => reference,
            ChargeOutcome::Declined { code } => return Err(WalletError::Declined { code }),
        };
        let credit = store::TopUp {
            id: entry,
            user: request.user,
            currency: &self.currency,
            amount_cents: request.amount_cents,
            gateway_ref: &reference,
            card_brand: request.card.brand,
            card_last4: &request.card.last4,
            key: request
                .key
                .as_ref()
                .map(|(key, hash)| (key.as_str(), hash.as_slice())),
            limits: self.limits,
            at: now,
        };
        let not_credited = match self.store.credit_top_up(&credit).await {
            Ok(Ok(entry)) | Ok(Err(TopUpRefusal::Credited(entry))) => return Ok(entry),
            Ok(Err(TopUpRefusal::Returned)) => return Err(WalletError::ChargeReturned),
            Ok(Err(refusal)) => Ok(refusal),
            Err(error) => Err(error),
        };
        // Not credited: give the money back, once it is recorded as given back (if that cannot
        // be recorded, the charge stays, and a retry with the key gets it credited).
        self.store
            .return_charge(request.user, &reference, request.amount_cents)
            .await?;
        let key = format!("return-{reference}");
        if let Err(error) = self
            .gateway
            .refund(&reference, request.amount_cents, &key)
            .await
        {
            tracing::error!(%error, reference, "refund of an uncredited top-up failed: reconcile");
        }
        match not_credited? {
            TopUpRefusal::KeyTaken => self
                .replay(&request)
                .await?
                .ok_or(WalletError::IdempotencyConflict),
            TopUpRefusal::Limit(error) => Err(error),
            TopUpRefusal::Credited(_) | TopUpRefusal::Returned => {
                unreachable!("answered above")
            }
        }
    }

    /// The top-up an earlier request with this key made.
    async fn replay(
        &self,
        request: &TopUpRequest,
    ) -> Result<Option<WalletTransaction>, WalletError> {
        let Some((key, hash)) = &request.key else {
            return Ok(None);
        };
        match self.store.top_up_by_key(request.user, key).await? {
            None => Ok(None),
            Some((stored, _)) if stored != *hash => Err(WalletError::IdempotencyConflict),
            Some((_, entry)) => Ok(Some(entry)),
        }
    }

    /// Refuses a top-up beyond the limits before the card is charged (the credit checks them
    /// again on the locked wallet).
    async fn check_limits(
        &self,
        user: Uuid,
        amount: i64,
        now: OffsetDateTime,
    ) -> Result<(), WalletError> {
        let standing = self.store.standing(user, now).await?;
        store::within_limits(&standing, amount, self.limits, now)
    }
}
