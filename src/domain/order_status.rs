//! [`OrderStatus`]: where an order is in its life, and which statuses mean what.
//!
//! The variants are the values of the `orders.status` column (its CHECK constraint lists the
//! same names); every rule about statuses is a method here, so a status is written in one place.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an order is: `pending_payment → paid → processing → shipped → out_for_delivery →
/// delivered`, or `cancelled`, `expired` (not paid in time), `refunded`, `partially_refunded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(crate) enum OrderStatus {
    PendingPayment,
    Paid,
    Processing,
    Shipped,
    OutForDelivery,
    Delivered,
    Cancelled,
    Expired,
    Refunded,
    PartiallyRefunded,
}

impl OrderStatus {
    /// Every status, in the order of an order's life.
    pub(crate) const ALL: [OrderStatus; 10] = [
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::OutForDelivery,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Expired,
        OrderStatus::Refunded,
        OrderStatus::PartiallyRefunded,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Processing => "processing",
            OrderStatus::Shipped => "shipped",
            OrderStatus::OutForDelivery => "out_for_delivery",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Expired => "expired",
            OrderStatus::Refunded => "refunded",
            OrderStatus::PartiallyRefunded => "partially_refunded",
        }
    }

    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|status| status.as_str()).collect();
                format!("must be one of {}", names.join(", "))
            })
    }

    /// The units of an order in this status count toward a product's per-customer limit: it is
    /// held for the customer or on its way to them.
    pub(crate) fn counts_toward_limits(self) -> bool {
        self.is_bought() || self == OrderStatus::PendingPayment
    }

    /// The customer has paid for it and kept it, or some of it (a review of its products is a
    /// verified purchase).
    pub(crate) fn is_bought(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::Processing
                | OrderStatus::Shipped
                | OrderStatus::OutForDelivery
                | OrderStatus::Delivered
                | OrderStatus::PartiallyRefunded
        )
    }

    /// It was paid for at some point (and may since have been refunded, in part or whole).
    pub(crate) fn was_paid(self) -> bool {
        self.is_bought() || matches!(self, OrderStatus::PartiallyRefunded | OrderStatus::Refunded)
    }

    /// The customer may still cancel it: it has not shipped.
    pub(crate) fn is_cancellable(self) -> bool {
        matches!(
            self,
            OrderStatus::PendingPayment | OrderStatus::Paid | OrderStatus::Processing
        )
    }

    /// How far along fulfilment this status is (paid 0, processing 1, shipped 2, out for
    /// delivery 3, delivered 4); none outside fulfilment. A shipment is always in one of these.
    pub(crate) fn fulfilment_stage(self) -> Option<u8> {
        match self {
            OrderStatus::Paid => Some(0),
            OrderStatus::Processing => Some(1),
            OrderStatus::Shipped => Some(2),
            OrderStatus::OutForDelivery => Some(3),
            OrderStatus::Delivered => Some(4),
            _ => None,
        }
    }

    /// The fulfilment step a shipment takes to reach this status from the one before it.
    pub(crate) fn previous_in_fulfilment(self) -> Option<OrderStatus> {
        match self {
            OrderStatus::Processing => Some(OrderStatus::Paid),
            OrderStatus::Shipped => Some(OrderStatus::Processing),
            OrderStatus::OutForDelivery => Some(OrderStatus::Shipped),
            OrderStatus::Delivered => Some(OrderStatus::OutForDelivery),
            _ => None,
        }
    }

    /// The statuses for which `keep` holds, as the column stores them.
    pub(crate) fn names_where(keep: fn(OrderStatus) -> bool) -> Vec<&'static str> {
        Self::ALL
            .into_iter()
            .filter(|status| keep(*status))
            .map(OrderStatus::as_str)
            .collect()
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Ok(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert!(OrderStatus::parse("lost").is_err());
    }

    #[test]
    fn the_rules_agree_with_the_life_of_an_order() {
        assert!(OrderStatus::PendingPayment.counts_toward_limits());
        assert!(!OrderStatus::PendingPayment.is_bought());
        assert!(!OrderStatus::Expired.counts_toward_limits());
        assert!(OrderStatus::Processing.is_cancellable());
        assert!(!OrderStatus::Shipped.is_cancellable());
        assert_eq!(OrderStatus::names_where(OrderStatus::is_bought).len(), 6);
        let fulfilment: Vec<OrderStatus> = OrderStatus::ALL
            .into_iter()
            .filter(|status| status.fulfilment_stage().is_some())
            .collect();
        for pair in fulfilment.windows(2) {
            assert_eq!(pair[1].previous_in_fulfilment(), Some(pair[0]));
            assert!(pair[0].fulfilment_stage() < pair[1].fulfilment_stage());
        }
        assert_eq!(OrderStatus::Paid.previous_in_fulfilment(), None);
    }
}
