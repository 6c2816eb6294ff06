//! The bot report of a drop (`GET /admin/flash/{product_id}/report`): the accounts that queued
//! for or checked out the product, each with the signals that fired for it:
//! - `new_account`: created shortly before the sale started (or before it first acted);
//! - `shared_address`: one of many accounts whose queue entries or checkouts came from one
//!   client address;
//! - `too_fast`: checked out sooner after its admission (or the sale's start) than a person
//!   could;
//! - `failed_payments`: several declined payments for the product's orders.
//!
//! Signals are hints for a person to judge, not verdicts: a family behind one router shares an
//! address, and a fast checkout may be a well-filled browser.

use super::DropError;
use super::store::{DropStore, Participant};
use crate::catalog::Catalog;
use crate::domain::{AllValid, Caller, Parsed, field};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The thresholds of the signals, as the admin asks (each optional).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ThresholdParams {
    /// An account this many hours old or younger at the drop is new (default 24).
    pub new_account_hours: Option<i64>,
    /// This many accounts or more behind one address fire `shared_address` (default 3).
    pub shared_address_accounts: Option<i64>,
    /// A checkout sooner than this many milliseconds after admission is too fast (default 2000).
    pub min_human_ms: Option<i64>,
    /// This many declined payments or more fire `failed_payments` (default 2).
    pub failed_payments: Option<i64>,
}

/// Valid thresholds.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub(crate) struct Thresholds {
    pub new_account_hours: i64,
    pub shared_address_accounts: i64,
    pub min_human_ms: i64,
    pub failed_payments: i64,
}

impl Thresholds {
    pub(crate) fn parse(params: &ThresholdParams) -> Parsed<Self> {
        let within = |name: &str, raw: Option<i64>, default: i64, max: i64| {
            let value = raw.unwrap_or(default);
            field(
                name,
                if (1..=max).contains(&value) {
                    Ok(value)
                } else {
                    Err(format!("must be from 1 to {max}"))
                },
            )
        };
        let (new_account_hours, shared_address_accounts, min_human_ms, failed_payments) = (
            within("new_account_hours", params.new_account_hours, 24, 24 * 365),
            within(
                "shared_address_accounts",
                params.shared_address_accounts,
                3,
                1_000_000,
            ),
            within("min_human_ms", params.min_human_ms, 2_000, 600_000),
            within("failed_payments", params.failed_payments, 2, 1_000),
        )
            .all_valid()?;
        Ok(Self {
            new_account_hours,
            shared_address_accounts,
            min_human_ms,
            failed_payments,
        })
    }
}

/// A signal that fired for an account.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Signal {
    /// `new_account`, `shared_address`, `too_fast` or `failed_payments`.
    pub signal: &'static str,
    pub detail: String,
}

/// An account with at least one signal.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Flagged {
    pub user_id: Uuid,
    pub email: String,
    /// Its orders of the product.
    pub checkouts: i64,
    pub signals: Vec<Signal>,
}

/// The report.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FlashReport {
    pub product_id: Uuid,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sale_starts_at: Option<OffsetDateTime>,
    pub thresholds: Thresholds,
    /// Accounts that queued for or checked out the product.
    pub participants: usize,
    pub flagged: Vec<Flagged>,
}

/// Builds the report of `product`.
pub(crate) async fn report(
    store: &DropStore,
    catalog: &Catalog,
    admin: Caller,
    product: Uuid,
    thresholds: Thresholds,
) -> Result<FlashReport, DropError> {
    let starts_at = catalog
        .product(Some(admin), product)
        .await?
        .product
        .sale_starts_at;
    let participants = store.participants(product).await?;
    let mut accounts_by_address: BTreeMap<String, BTreeSet<Uuid>> = BTreeMap::new();
    for used in store.addresses(product).await? {
        accounts_by_address
            .entry(used.client_address)
            .or_default()
            .insert(used.user_id);
    }
    // Each account's crowded addresses, found once: (address, accounts behind it).
    let mut crowded: HashMap<Uuid, Vec<(&str, usize)>> = HashMap::new();
    for (address, accounts) in &accounts_by_address {
        let many = i64::try_from(accounts.len()).unwrap_or(i64::MAX);
        if many >= thresholds.shared_address_accounts {
            for account in accounts {
                crowded
                    .entry(*account)
                    .or_default()
                    .push((address.as_str(), accounts.len()));
            }
        }
    }
    let flagged = participants
        .iter()
        .filter_map(|participant| {
            let addresses = crowded
                .get(&participant.user_id)
                .map_or(&[][..], Vec::as_slice);
            let signals = signals_of(participant, starts_at, addresses, &thresholds);
            (!signals.is_empty()).then(|| Flagged {
                user_id: participant.user_id,
                email: participant.email.clone(),
                checkouts: participant.checkouts,
                signals,
            })
        })
        .collect();
    Ok(FlashReport {
        product_id: product,
        sale_starts_at: starts_at,
        thresholds,
        participants: participants.len(),
        flagged,
    })
}

/// The signals that fire for `who`, whose crowded addresses are `crowded` (address, accounts).
fn signals_of(
    who: &Participant,
    starts_at: Option<OffsetDateTime>,
    crowded: &[(&str, usize)],
    thresholds: &Thresholds,
) -> Vec<Signal> {
    let mut signals = Vec::new();
    let first_act = [who.joined_at, who.first_checkout_at]
        .into_iter()
        .flatten()
        .min();
    if let (Some(created), Some(drop)) = (who.created_at, starts_at.or(first_act)) {
        let age = drop - created;
        if age < time::Duration::hours(thresholds.new_account_hours) {
            signals.push(Signal {
                signal: "new_account",
                detail: format!("created {} minutes before the drop", age.whole_minutes()),
            });
        }
    }
    for (address, many) in crowded {
        signals.push(Signal {
            signal: "shared_address",
            detail: format!("{many} accounts came from {address}"),
        });
    }
    let gate = who.admitted_at.or(starts_at);
    if let (Some(gate), Some(checkout)) = (gate, who.first_checkout_at)
        && checkout >= gate
    {
        let after = (checkout - gate).whole_milliseconds();
        if after < i128::from(thresholds.min_human_ms) {
            let since = if who.admitted_at.is_some() {
                "its admission"
            } else {
                "the start"
            };
            signals.push(Signal {
                signal: "too_fast",
                detail: format!("checked out {after} ms after {since}"),
            });
        }
    }
    if who.failed_payments >= thresholds.failed_payments {
        signals.push(Signal {
            signal: "failed_payments",
            detail: format!("{} declined payments", who.failed_payments),
        });
    }
    signals
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn each_signal_fires_on_its_own_evidence() {
        let thresholds = Thresholds::parse(&ThresholdParams::default()).unwrap();
        let start = datetime!(2026-12-24 10:00 UTC);
        let bot = Participant {
            user_id: Uuid::now_v7(),
            email: "bot@example.com".into(),
            created_at: Some(start - time::Duration::minutes(30)),
            joined_at: Some(start - time::Duration::minutes(1)),
            admitted_at: Some(start + time::Duration::seconds(5)),
            first_checkout_at: Some(start + time::Duration::milliseconds(5_200)),
            checkouts: 1,
            failed_payments: 3,
        };
        let person = Participant {
            user_id: Uuid::now_v7(),
            email: "person@example.com".into(),
            created_at: Some(start - time::Duration::days(200)),
            admitted_at: Some(start),
            first_checkout_at: Some(start + time::Duration::seconds(40)),
            failed_payments: 1,
            ..Participant::default()
        };
        let fired: Vec<&str> = signals_of(&bot, Some(start), &[("10.0.0.9", 3)], &thresholds)
            .iter()
            .map(|signal| signal.signal)
            .collect();
        assert_eq!(
            fired,
            [
                "new_account",
                "shared_address",
                "too_fast",
                "failed_payments"
            ]
        );
        assert!(signals_of(&person, Some(start), &[], &thresholds).is_empty());
        assert!(
            Thresholds::parse(&ThresholdParams {
                min_human_ms: Some(0),
                ..ThresholdParams::default()
            })
            .is_err()
        );
    }
}
