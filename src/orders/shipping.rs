//! Where an order goes and how it travels: the shipping methods and tax rates of the shop's
//! configuration (`BAZAAR_SHIPPING_METHODS`, `BAZAAR_TAX_RATES`), and choosing a method for a
//! destination at checkout.

use super::pricing::TaxRate;
use crate::domain::AddressInput;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where the order goes.
#[derive(Clone, Debug)]
pub(crate) enum Shipping {
    /// An address from the customer's address book.
    Saved(Uuid),
    /// An address given with the checkout.
    Inline(AddressInput),
}

/// A way to ship, as configured and as `GET /shipping-methods` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingMethod {
    /// What a checkout names it by: 1 to 64 of `a-z`, `0-9`, `-`, `_`.
    pub id: String,
    pub name: String,
    /// Its price, before tax, in minor units of `currency`.
    pub price_cents: i64,
    /// Orders in this currency only; none (only for a free method): orders in any currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Days from shipping to delivery, as the shop estimates it.
    pub estimate_days: u32,
    /// The countries it serves (ISO 3166-1 alpha-2); none: every country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub countries: Option<Vec<String>>,
}

impl ShippingMethod {
    fn serves(&self, country: &str) -> bool {
        self.countries
            .as_ref()
            .is_none_or(|countries| countries.iter().any(|served| served == country))
    }

    fn ships_in(&self, currency: &str) -> bool {
        self.currency.as_deref().is_none_or(|own| own == currency)
    }
}

/// The shop's shipping methods, in the order configured (the first that serves a destination is
/// a checkout's default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShippingMethods(Arc<[ShippingMethod]>);

impl Default for ShippingMethods {
    /// Standard (free, 5 days, any currency) and express (15.00 euros, 1 day), to every
    /// country.
    fn default() -> Self {
        let method = |id: &str, name: &str, price_cents, currency: Option<&str>, estimate_days| {
            ShippingMethod {
                id: id.into(),
                name: name.into(),
                price_cents,
                currency: currency.map(Into::into),
                estimate_days,
                countries: None,
            }
        };
        Self(Arc::from([
            method("standard", "Standard", 0, None, 5),
            method("express", "Express", 1_500, Some("EUR"), 1),
        ]))
    }
}

impl ShippingMethods {
    /// Reads a JSON array of methods, checking each field.
    pub fn parse(json: &str) -> Result<Self, String> {
        let methods: Vec<ShippingMethod> = serde_json::from_str(json)
            .map_err(|error| format!("expected a JSON array: {error}"))?;
        if methods.is_empty() {
            return Err("configure at least one shipping method".into());
        }
        let mut ids = HashSet::new();
        for method in &methods {
            check_method(method).map_err(|problem| format!("method {:?}: {problem}", method.id))?;
            if !ids.insert(method.id.as_str()) {
                return Err(format!("method {:?} is configured twice", method.id));
            }
        }
        Ok(Self(methods.into()))
    }

    pub(crate) fn all(&self) -> &[ShippingMethod] {
        &self.0
    }

    /// The method `id` (or, without one, the first that fits) for an order in `currency` to
    /// `country`; the error says why it does not fit.
    pub(crate) fn choose(
        &self,
        id: Option<&str>,
        country: &str,
        currency: &str,
    ) -> Result<&ShippingMethod, String> {
        let Some(id) = id else {
            return self
                .0
                .iter()
                .find(|method| method.ships_in(currency) && method.serves(country))
                .ok_or_else(|| format!("no shipping method serves {country} in {currency}"));
        };
        let method = self
            .0
            .iter()
            .find(|method| method.id == id)
            .ok_or_else(|| format!("no such shipping method: {id}"))?;
        if !method.serves(country) {
            return Err(format!("{id} does not ship to {country}"));
        }
        if let Some(own) = method.currency.as_deref().filter(|own| *own != currency) {
            return Err(format!(
                "{id} ships orders in {own}; this order is in {currency}"
            ));
        }
        Ok(method)
    }
}

fn check_method(method: &ShippingMethod) -> Result<(), String> {
    let id_ok = (1..=64).contains(&method.id.len())
        && method
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !id_ok {
        return Err("id must be 1 to 64 of a-z, 0-9, - and _".into());
    }
    if method.name.trim().is_empty() || method.name.chars().count() > 100 {
        return Err("name must be 1 to 100 characters".into());
    }
    if !(0..=100_000_000).contains(&method.price_cents) {
        return Err("price_cents must be from 0 to 100000000".into());
    }
    match &method.currency {
        Some(code) if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) => {
            return Err("currency must be an ISO 4217 code, like EUR".into());
        }
        None if method.price_cents != 0 => {
            return Err("a method with a price needs the currency of its price".into());
        }
        _ => {}
    }
    if method.estimate_days > 365 {
        return Err("estimate_days must be at most 365".into());
    }
    if let Some(countries) = &method.countries {
        if countries.is_empty() {
            return Err("countries, when given, must name at least one country".into());
        }
        if let Some(bad) = countries.iter().find(|c| !is_country(c)) {
            return Err(format!("{bad:?} is not a two-letter country code like DE"));
        }
    }
    Ok(())
}

fn is_country(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// The tax rate of each destination country; countries not listed pay none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaxRates(Arc<BTreeMap<String, TaxRate>>);

impl TaxRates {
    /// Reads `DE=19,FR=5.5`: a country and a percentage from 0 to 100 with at most two decimals.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut rates = BTreeMap::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (country, percent) = entry
                .split_once('=')
                .ok_or_else(|| format!("expected COUNTRY=PERCENT, got {entry:?}"))?;
            let country = country.trim().to_ascii_uppercase();
            if !is_country(&country) {
                return Err(format!(
                    "{country:?} is not a two-letter country code like DE"
                ));
            }
            let rate = basis_points(percent.trim())
                .ok_or_else(|| format!("{percent:?} is not a percentage from 0 to 100"))?;
            if rates.insert(country.clone(), rate).is_some() {
                return Err(format!("{country} is given twice"));
            }
        }
        Ok(Self(Arc::new(rates)))
    }

    /// The rate of `country`.
    pub(crate) fn of(&self, country: &str) -> TaxRate {
        self.0.get(country).copied().unwrap_or_default()
    }
}

/// `19` or `5.5` or `7.25` as basis points.
fn basis_points(percent: &str) -> Option<TaxRate> {
    let (whole, fraction) = percent.split_once('.').unwrap_or((percent, ""));
    if whole.is_empty() || fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = format!("{fraction:0<2}").parse().ok()?;
    let points = whole.checked_mul(100)?.checked_add(fraction)?;
    (points <= 10_000).then_some(TaxRate(points))
}

/// The address an order is shipped to, as snapshotted into it.
pub(crate) fn address_snapshot(address: &AddressInput) -> serde_json::Value {
    serde_json::json!({
        "label": address.label, "name": address.name, "line1": address.line1,
        "line2": address.line2, "city": address.city, "region": address.region,
        "postal_code": address.postal_code, "country": address.country.as_str(),
        "phone": address.phone.as_ref().map(|p| p.as_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_chosen_by_id_country_and_currency() {
        let methods = ShippingMethods::parse(
            r#"[{"id":"post","name":"Post","price_cents":490,"currency":"EUR","estimate_days":3,
                 "countries":["DE","AT"]},
                {"id":"world","name":"World","price_cents":2500,"currency":"EUR","estimate_days":9}]"#,
        )
        .unwrap();
        assert_eq!(methods.choose(None, "DE", "EUR").unwrap().id, "post");
        assert_eq!(methods.choose(None, "US", "EUR").unwrap().id, "world");
        assert_eq!(
            methods.choose(Some("world"), "DE", "EUR").unwrap().id,
            "world"
        );
        let free = ShippingMethods::default();
        assert_eq!(free.choose(None, "US", "USD").unwrap().id, "standard");
        assert!(free.choose(Some("express"), "US", "USD").is_err());
        for (id, country, currency, error) in [
            (Some("post"), "US", "EUR", "post does not ship to US"),
            (Some("boat"), "DE", "EUR", "no such shipping method: boat"),
            (
                Some("post"),
                "DE",
                "USD",
                "post ships orders in EUR; this order is in USD",
            ),
            (None, "DE", "USD", "no shipping method serves DE in USD"),
        ] {
            assert_eq!(methods.choose(id, country, currency).unwrap_err(), error);
        }
    }

    #[test]
    fn bad_methods_are_refused_with_the_reason() {
        for (json, error) in [
            ("[]", "at least one"),
            ("{}", "JSON array"),
            (
                r#"[{"id":"A b","name":"x","price_cents":0,"currency":"EUR","estimate_days":1}]"#,
                "id must be",
            ),
            (
                r#"[{"id":"a","name":"x","price_cents":-1,"currency":"EUR","estimate_days":1}]"#,
                "price_cents",
            ),
            (
                r#"[{"id":"a","name":"x","price_cents":1,"currency":"eur","estimate_days":1}]"#,
                "currency",
            ),
            (
                r#"[{"id":"a","name":"x","price_cents":1,"estimate_days":1}]"#,
                "currency of its price",
            ),
            (
                r#"[{"id":"a","name":"x","price_cents":1,"currency":"EUR","estimate_days":1,
                     "countries":["DEU"]}]"#,
                "two-letter",
            ),
            (
                r#"[{"id":"a","name":"x","price_cents":1,"currency":"EUR","estimate_days":1},
                    {"id":"a","name":"y","price_cents":1,"currency":"EUR","estimate_days":1}]"#,
                "twice",
            ),
        ] {
            let refused = ShippingMethods::parse(json).unwrap_err();
            assert!(refused.contains(error), "{json}: {refused}");
        }
    }

    #[test]
    fn tax_rates_read_as_percentages() {
        let rates = TaxRates::parse("DE=19, fr=5.5,AT=20.00,US=0").unwrap();
        assert_eq!(rates.of("DE"), TaxRate(1_900));
        assert_eq!(rates.of("FR"), TaxRate(550));
        assert_eq!(rates.of("AT"), TaxRate(2_000));
        assert_eq!(rates.of("US"), TaxRate(0));
        assert_eq!(rates.of("JP"), TaxRate(0));
        for bad in [
            "DE",
            "DE=101",
            "DE=1.234",
            "DEU=5",
            "DE=-1",
            "DE=5,DE=6",
            "DE=.5",
        ] {
            assert!(TaxRates::parse(bad).is_err(), "{bad}");
        }
    }
}
