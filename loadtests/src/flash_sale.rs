//! `flash-sale`: B buyers check out one hot product of S units at once (each optionally with one
//! of the extra products too), then the run is verified against the database: nothing oversold,
//! every acknowledged order and payment stored, stock, holds and ledger agree, every wallet's
//! balance is the sum of its ledger. A share of the buyers pays by a declined card, and a share
//! from a wallet topped up with their order's total before the sale.

use crate::api::post;
use crate::order::{DECLINED_CARD, GOOD_CARD, Pays, Request, card};
use crate::records::Records;
use crate::sale::{self, Schedule, Summary};
use crate::setup::{Plan, Shop};
use crate::verify::{self, Check, Stock};
use serde_json::{Value, json};
use std::time::Duration;

/// How a flash sale is set up.
pub struct FlashSale {
    pub server: String,
    pub admin: (String, String),
    pub stock: i64,
    /// Extra products (each with `stock` units); buyer n also takes one of extra product n mod E.
    pub extra_products: usize,
    pub buyers: usize,
    pub units: i64,
    /// The share of buyers whose card is declined (0 to 1).
    pub declined_share: f64,
    /// The share of buyers who pay from their wallet (0 to 1).
    pub wallet_share: f64,
    pub schedule: Schedule,
    pub report: Option<std::path::PathBuf>,
}

impl FlashSale {
    /// The plan of the shop to make.
    pub fn plan(&self) -> Plan {
        Plan {
            stocks: vec![self.stock; 1 + self.extra_products],
            buyers: self.buyers,
            price_cents: 1999,
        }
    }

    /// One request per buyer, each with its own idempotency key.
    pub fn requests(&self, shop: &Shop) -> Vec<Request> {
        let every = |share: f64| (share > 0.0).then(|| (1.0 / share).round().max(1.0) as usize);
        let (declined_every, wallet_every) = (every(self.declined_share), every(self.wallet_share));
        let extras = &shop.products[1..];
        shop.buyers
            .iter()
            .enumerate()
            .map(|(n, buyer)| {
                let mut lines = vec![(shop.hot().id, self.units)];
                if !extras.is_empty() {
                    lines.push((extras[n % extras.len()].id, 1));
                }
                let declined = declined_every.is_some_and(|every| n % every == 0);
                // Offset by one: a wallet buyer is never also a declined card's.
                let wallet = wallet_every.is_some_and(|every| (n + 1) % every == 0);
                let pays = match (wallet, declined) {
                    (true, _) => Pays::Wallet,
                    (false, true) => Pays::Card(DECLINED_CARD),
                    (false, false) => Pays::Card(GOOD_CARD),
                };
                Request {
                    buyer: buyer.id,
                    token: buyer.token.clone(),
                    key: format!("sale-{n}"),
                    lines,
                    pays,
                    queue_ticket: None,
                }
            })
            .collect()
    }

    /// The run's settings, for the report.
    pub fn json(&self) -> Value {
        json!({
            "buyers": self.buyers, "units_each": self.units, "stock": self.stock,
            "extra_products": self.extra_products, "declined_share": self.declined_share,
            "wallet_share": self.wallet_share,
            "arrivals_per_second": self.schedule.rate,
            "concurrency": self.schedule.concurrency,
        })
    }
}

/// Tops up the wallet of each request that pays from it with what its order costs (the shop's
/// default shipping is free and it charges no tax).
pub async fn top_up_wallets(
    shop: &Shop,
    requests: &[Request],
    price_cents: i64,
) -> anyhow::Result<()> {
    for request in requests.iter().filter(|r| r.pays == Pays::Wallet) {
        let units: i64 = request.lines.iter().map(|(_, qty)| qty).sum();
        post(
            &shop.client,
            format!("{}/api/v1/wallet/top-up", shop.server),
            Some(&request.token),
            json!({"amount_cents": units * price_cents, "card": card(GOOD_CARD)}),
        )
        .await?;
    }
    Ok(())
}

/// Runs the sale and verifies it; `Ok(false)` when a check failed.
pub async fn run(sale: &FlashSale, records: &Records) -> anyhow::Result<bool> {
    let shop = Shop::prepare(&sale.server, &sale.admin, &sale.plan()).await?;
    eprintln!(
        "selling {} units of the hot product to {} buyers ({} each)...",
        sale.stock, sale.buyers, sale.units
    );
    let requests = sale.requests(&shop);
    top_up_wallets(&shop, &requests, sale.plan().price_cents).await?;
    let (outcomes, started) =
        sale::run(&shop.client, &shop.server, requests, sale.schedule).await?;
    let summary = Summary::of(&outcomes, started);
    let (stock, checks) = verify::run(records, &shop, &outcomes).await?;

    println!(
        "\nflash sale: {} buyers x {} unit(s) of a product of {} units{}",
        sale.buyers,
        sale.units,
        sale.stock,
        if sale.extra_products > 0 {
            format!(", plus one of {} extra products each", sale.extra_products)
        } else {
            String::new()
        }
    );
    summary.print();
    let passed = print_checks(&stock, &checks);
    if let Some(path) = &sale.report {
        write_report(path, sale.json(), &summary, &stock, &checks)?;
    }
    Ok(passed)
}

/// Prints the stock and every check with its violations; whether all passed.
pub fn print_checks(stock: &[Stock], checks: &[Check]) -> bool {
    for after in stock {
        println!(
            "stock of {}: on_hand {}, reserved {}, ledger {}, open holds {}, units in paid orders {}",
            after.product_id,
            after.on_hand,
            after.reserved,
            after.ledger,
            after.held,
            after.paid_units
        );
    }
    for check in checks {
        let line = format!(
            "[{}] {}",
            if check.passed() { "ok" } else { "FAILED" },
            check.name
        );
        println!("  {line}");
        crate::traffic::note(line);
        for violation in &check.violations {
            println!("        {violation}");
        }
    }
    checks.iter().all(Check::passed)
}

/// Writes the JSON report: the settings, the summary, the stock and the checks.
pub fn write_report(
    path: &std::path::Path,
    settings: Value,
    summary: &Summary,
    stock: &[Stock],
    checks: &[Check],
) -> anyhow::Result<()> {
    let report = json!({
        "settings": settings,
        "result": summary.json(),
        "stock_after": stock.iter().map(|s| json!({
            "product_id": s.product_id, "on_hand": s.on_hand, "reserved": s.reserved,
            "ledger": s.ledger, "open_holds": s.held, "paid_units": s.paid_units,
        })).collect::<Vec<_>>(),
        "checks": checks.iter().map(|check| json!({
            "check": check.name, "passed": check.passed(), "violations": check.violations,
        })).collect::<Vec<_>>(),
        "passed": checks.iter().all(Check::passed),
    });
    crate::report::write_json(path, &report)
}

/// Retries in a sale without faults: an indeterminate answer is unexpected, so not for long.
pub const RETRY_FOR: Duration = Duration::from_secs(30);
