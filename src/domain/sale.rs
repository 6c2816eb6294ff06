//! A product's flash-sale terms: the window it sells in, its price there, its waiting room and
//! its per-order limit, parsed from the product's fields (create and patch), and the moment
//! parser every RFC 3339 field uses.

use super::{AllValid, Parsed, Price, field, optional};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The most units one order may take of a product with `max_per_order`.
const MAX_PER_ORDER: i32 = 1_000;

/// An RFC 3339 moment, at the millisecond precision the server keeps.
pub(crate) fn moment(raw: &str) -> Result<OffsetDateTime, String> {
    let at = OffsetDateTime::parse(raw, &Rfc3339)
        .map_err(|_| "must be an RFC 3339 time, like 2026-12-24T00:00:00Z".to_owned())?;
    let at = at
        .checked_to_offset(time::UtcOffset::UTC)
        .ok_or_else(|| "must be a time from year 1 to 9999 in UTC".to_owned())?;
    Ok(at
        .replace_nanosecond(at.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(at))
}

/// Where a product's sale stands at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SalePhase {
    /// Its window has not started: it cannot be bought yet.
    Upcoming,
    /// It can be bought (inside its window, or it has none).
    Open,
    /// Its window has ended: it cannot be bought any more.
    Ended,
}

impl SalePhase {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SalePhase::Upcoming => "upcoming",
            SalePhase::Open => "open",
            SalePhase::Ended => "ended",
        }
    }
}

/// A product's flash-sale terms (all optional: a product without them is always on sale).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SaleTerms {
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    /// The unit price inside the window.
    pub sale_price: Option<Price>,
    /// Buyers queue first and check out only once admitted.
    pub waiting_room: bool,
    pub max_per_order: Option<i32>,
}

impl SaleTerms {
    /// Parses the terms of a new product; `sale_ends_at` must come after `sale_starts_at`.
    pub(crate) fn parse(
        starts_at: Option<&str>,
        ends_at: Option<&str>,
        sale_price_cents: Option<i64>,
        waiting_room: Option<bool>,
        max_per_order: Option<i32>,
    ) -> Parsed<Self> {
        let (starts_at, ends_at, sale_price, max_per_order) = (
            optional("sale_starts_at", starts_at, moment),
            optional("sale_ends_at", ends_at, moment),
            optional("sale_price_cents", sale_price_cents, Price::try_from),
            optional("max_per_order", max_per_order, per_order_limit),
        )
            .all_valid()?;
        let terms = SaleTerms {
            starts_at,
            ends_at,
            sale_price,
            waiting_room: waiting_room.unwrap_or(false),
            max_per_order,
        };
        field("sale_ends_at", terms.window_is_ordered())?;
        Ok(terms)
    }

    /// `Ok` unless the window ends before it starts.
    pub(crate) fn window_is_ordered(&self) -> Result<(), String> {
        match (self.starts_at, self.ends_at) {
            (Some(starts), Some(ends)) if ends <= starts => {
                Err("must be after sale_starts_at".to_owned())
            }
            _ => Ok(()),
        }
    }

    /// The most units of one order: `max_per_order`, or one through a waiting room, whose
    /// admissions each stand for a unit of the stock left.
    pub(crate) fn units_per_order(&self) -> Option<i64> {
        match self.max_per_order {
            Some(limit) => Some(i64::from(limit)),
            None if self.waiting_room => Some(1),
            None => None,
        }
    }

    /// Where the sale stands at `now`.
    pub(crate) fn phase(&self, now: OffsetDateTime) -> SalePhase {
        if self.starts_at.is_some_and(|starts| now < starts) {
            SalePhase::Upcoming
        } else if self.ends_at.is_some_and(|ends| now >= ends) {
            SalePhase::Ended
        } else {
            SalePhase::Open
        }
    }

    /// The unit price at `now`: the sale price inside the window, else `regular`.
    pub(crate) fn price_at(&self, regular: i64, now: OffsetDateTime) -> i64 {
        match self.sale_price {
            Some(price) if self.phase(now) == SalePhase::Open => price.cents(),
            _ => regular,
        }
    }
}

/// A partial update of the terms: absent stays, `null` clears.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SaleTermsPatch {
    pub starts_at: Option<Option<OffsetDateTime>>,
    pub ends_at: Option<Option<OffsetDateTime>>,
    pub sale_price: Option<Option<Price>>,
    pub waiting_room: Option<bool>,
    pub max_per_order: Option<Option<i32>>,
}

impl SaleTermsPatch {
    pub(crate) fn parse(
        starts_at: Option<Option<String>>,
        ends_at: Option<Option<String>>,
        sale_price_cents: Option<Option<i64>>,
        waiting_room: Option<bool>,
        max_per_order: Option<Option<i32>>,
    ) -> Parsed<Self> {
        let nullable_moment = |raw: Option<String>| raw.as_deref().map(moment).transpose();
        let (starts_at, ends_at, sale_price, max_per_order) = (
            optional("sale_starts_at", starts_at, nullable_moment),
            optional("sale_ends_at", ends_at, nullable_moment),
            optional("sale_price_cents", sale_price_cents, |raw| {
                raw.map(Price::try_from).transpose()
            }),
            optional("max_per_order", max_per_order, |raw| {
                raw.map(per_order_limit).transpose()
            }),
        )
            .all_valid()?;
        Ok(Self {
            starts_at,
            ends_at,
            sale_price,
            waiting_room,
            max_per_order,
        })
    }

    /// Whether the patch changes when the product sells.
    pub(crate) fn moves_the_window(&self) -> bool {
        self.starts_at.is_some() || self.ends_at.is_some()
    }
}

fn per_order_limit(limit: i32) -> Result<i32, String> {
    if (1..=MAX_PER_ORDER).contains(&limit) {
        Ok(limit)
    } else {
        Err(format!("must be from 1 to {MAX_PER_ORDER}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_phase_follows_the_window_and_the_price_follows_the_phase() {
        let terms = SaleTerms {
            starts_at: Some(datetime!(2026-12-24 10:00 UTC)),
            ends_at: Some(datetime!(2026-12-24 11:00 UTC)),
            sale_price: Some(Price::try_from(500).unwrap()),
            ..SaleTerms::default()
        };
        let before = datetime!(2026-12-24 09:59:59.999 UTC);
        let at_start = datetime!(2026-12-24 10:00 UTC);
        let at_end = datetime!(2026-12-24 11:00 UTC);
        assert_eq!(terms.phase(before), SalePhase::Upcoming);
        assert_eq!(terms.phase(at_start), SalePhase::Open);
        assert_eq!(terms.phase(at_end), SalePhase::Ended);
        assert_eq!(terms.price_at(900, before), 900);
        assert_eq!(terms.price_at(900, at_start), 500);
        assert_eq!(terms.price_at(900, at_end), 900);
        assert_eq!(SaleTerms::default().phase(before), SalePhase::Open);
    }

    #[test]
    fn bad_terms_name_their_field() {
        let problems = |terms: Parsed<SaleTerms>| terms.unwrap_err().to_string();
        let reversed = SaleTerms::parse(
            Some("2026-12-24T11:00:00Z"),
            Some("2026-12-24T10:00:00Z"),
            None,
            None,
            None,
        );
        assert!(problems(reversed).contains("sale_ends_at"));
        let bad = SaleTerms::parse(Some("tomorrow"), None, Some(0), None, Some(0));
        let text = problems(bad);
        for name in ["sale_starts_at", "sale_price_cents", "max_per_order"] {
            assert!(text.contains(name), "{text}");
        }
        let beyond = SaleTerms::parse(Some("9999-12-31T23:30:00-01:00"), None, None, None, None);
        assert!(
            problems(beyond).contains("sale_starts_at"),
            "no panic, a field error"
        );
        let offset = SaleTerms::parse(
            Some("2026-12-24T12:00:00.1234+02:00"),
            None,
            None,
            None,
            None,
        );
        assert_eq!(
            offset.unwrap().starts_at,
            Some(datetime!(2026-12-24 10:00:00.123 UTC))
        );
    }
}
