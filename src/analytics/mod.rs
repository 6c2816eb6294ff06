//! Seller analytics: a seller's sales, refunds, orders by status, best sellers and products low
//! on stock over a range of days, correct to the cent.
//!
//! The figures come from daily aggregates that triggers keep in the transaction of every change
//! (migrations `*_seller_analytics.sql`): a report reads a few rows per day of its range, however
//! many orders the seller has. Days are UTC. Money is per currency: a seller selling in two
//! currencies gets two totals, never a sum of both.

mod store;

pub(crate) use store::AnalyticsStore;

use crate::domain::{Caller, Role};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

/// A range of days, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Days {
    pub from: Date,
    pub to: Date,
}

impl Days {
    /// The longest range a report covers.
    pub(crate) const MAX_DAYS: i64 = 3_660;
}

/// Sales and refunds in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Figures {
    pub currency: String,
    /// Orders paid (with a line of the seller's).
    pub orders: i64,
    /// Units of the seller's products in them.
    pub units: i64,
    /// The seller's lines, less discounts, before tax.
    pub revenue_cents: i64,
    /// Tax on those lines.
    pub tax_cents: i64,
    /// Refunds that name the seller (theirs, approved returns) and cancellations of paid orders.
    pub refunds: i64,
    /// What those refunds gave back.
    pub refunded_cents: i64,
}

/// The figures of one day in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct Day {
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "iso_day")]
    pub day: Date,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub figures: Figures,
}

/// A product among the seller's best sellers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct TopProduct {
    pub product_id: Uuid,
    pub name: String,
    pub currency: String,
    pub units: i64,
    pub revenue_cents: i64,
}

/// A product at or below its low-stock threshold now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct LowStock {
    pub product_id: Uuid,
    pub name: String,
    pub available: i64,
    pub threshold: i64,
}

/// A seller's report.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub(crate) struct Report {
    pub seller_id: Uuid,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "iso_day")]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "iso_day")]
    pub to: Date,
    /// The range's figures, one entry per currency sold in.
    pub totals: Vec<Figures>,
    /// Each day with sales or refunds, per currency, in day order.
    pub by_day: Vec<Day>,
    /// The ten products with the most revenue in the range (per currency), most first.
    pub top_products: Vec<TopProduct>,
    /// The seller's orders placed in the range, by their status now.
    pub statuses: BTreeMap<String, i64>,
    /// The seller's published products at or below their low-stock threshold now.
    pub low_stock: Vec<LowStock>,
}

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AnalyticsError {
    #[error(transparent)]
    Invalid(#[from] crate::domain::Invalid),
    #[error("no such seller")]
    NoSuchSeller,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl crate::error::Coded for AnalyticsError {
    fn code(&self) -> crate::error::ErrorCode {
        match self {
            AnalyticsError::Invalid(invalid) => invalid.code(),
            AnalyticsError::NoSuchSeller => crate::error::ErrorCode::NotFound,
            AnalyticsError::Database(error) => error.code(),
        }
    }

    fn fields(&self) -> Vec<crate::domain::FieldError> {
        match self {
            AnalyticsError::Invalid(invalid) => invalid.fields(),
            _ => Vec::new(),
        }
    }
}

/// Sellers' reports.
#[derive(Clone)]
pub(crate) struct SellerAnalytics {
    store: AnalyticsStore,
}

impl SellerAnalytics {
    pub(crate) fn new(store: AnalyticsStore) -> Self {
        Self { store }
    }

    /// The report of `seller` (a seller: their own; an admin: anyone's) over `days`.
    pub(crate) async fn report(
        &self,
        caller: Caller,
        seller: Option<Uuid>,
        days: Days,
    ) -> Result<Report, AnalyticsError> {
        let seller = match (caller.role, seller) {
            (Role::Admin, Some(seller)) => {
                if !self.store.is_seller(seller).await? {
                    return Err(AnalyticsError::NoSuchSeller);
                }
                seller
            }
            (Role::Admin, None) => {
                return Err(
                    crate::domain::Invalid::field("seller_id", "is required for an admin").into(),
                );
            }
            (_, Some(seller)) if seller != caller.id => {
                return Err(crate::domain::Invalid::field(
                    "seller_id",
                    "a seller sees only their own figures",
                )
                .into());
            }
            _ => caller.id,
        };
        let by_day = self.store.by_day(seller, days).await?;
        Ok(Report {
            seller_id: seller,
            from: days.from,
            to: days.to,
            totals: totals(&by_day),
            top_products: self.store.top_products(seller, days, 10).await?,
            statuses: self
                .store
                .statuses(seller, days)
                .await?
                .into_iter()
                .collect(),
            low_stock: self.store.low_stock(seller).await?,
            by_day,
        })
    }
}

/// A day as `YYYY-MM-DD`.
fn iso_day<S: serde::Serializer>(day: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(day)
}

/// The sum of `days`, per currency.
fn totals(days: &[Day]) -> Vec<Figures> {
    let mut totals: BTreeMap<&str, Figures> = BTreeMap::new();
    for day in days {
        let total = totals
            .entry(&day.figures.currency)
            .or_insert_with(|| Figures {
                currency: day.figures.currency.clone(),
                ..Figures::default()
            });
        total.orders += day.figures.orders;
        total.units += day.figures.units;
        total.revenue_cents += day.figures.revenue_cents;
        total.tax_cents += day.figures.tax_cents;
        total.refunds += day.figures.refunds;
        total.refunded_cents += day.figures.refunded_cents;
    }
    totals.into_values().collect()
}
