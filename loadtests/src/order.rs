//! Placing one order the way a careful client does: one Idempotency-Key per order, and every
//! indeterminate answer (no answer, a 5xx, a 429, or "a request with this key is being processed")
//! retried with that same key until the answer is definite or the deadline passes. An order left
//! pending by a lost payment is paid with a key of its own, the same way.

use crate::progress::Counters;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub const GOOD_CARD: &str = "4242424242424242";
pub const DECLINED_CARD: &str = "4000000000000002";

/// One order a buyer asks for.
#[derive(Clone, Debug)]
pub struct Request {
    pub buyer: Uuid,
    pub token: String,
    pub key: String,
    /// (product, qty), in any order.
    pub lines: Vec<(Uuid, i64)>,
    pub pays: Pays,
    /// The admitted ticket of a product's waiting room.
    pub queue_ticket: Option<String>,
}

/// How a buyer pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pays {
    /// By this test card.
    Card(&'static str),
    /// From the wallet (topped up before the sale).
    Wallet,
}

impl Pays {
    /// The `payment` of a checkout or a payment request.
    pub fn json(self) -> Value {
        match self {
            Pays::Card(number) => json!({"method": "card", "card": card(number)}),
            Pays::Wallet => json!({"method": "wallet"}),
        }
    }
}

/// The last answer a request got.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    /// The HTTP status, or `None` when no answer came.
    pub status: Option<u16>,
    /// The problem's `code`, if any.
    pub code: Option<String>,
    pub order: Option<Uuid>,
    /// The order's status in the answer (`paid`, `pending_payment`).
    pub order_status: Option<String>,
    /// The answer asked to retry later (`Retry-After`).
    pub retry_after: bool,
    /// What went wrong when no answer came.
    pub error: Option<String>,
}

impl Answer {
    /// Whether the server decided: anything but no answer, a 5xx, a 429 or a 409 with
    /// `Retry-After` (a request with the same key still in flight).
    pub fn is_definite(&self) -> bool {
        match self.status {
            None => false,
            Some(status) if status >= 500 || status == 429 => false,
            Some(409) => !self.retry_after,
            Some(_) => true,
        }
    }

    /// A label for counting outcomes: `201`, `409 out_of_stock`, `transport error`.
    pub fn label(&self) -> String {
        match (self.status, &self.code) {
            (Some(status), Some(code)) => format!("{status} {code}"),
            (Some(status), None) => status.to_string(),
            (None, _) => "no answer".into(),
        }
    }

    /// The client saw this order paid.
    pub fn saw_paid(&self) -> bool {
        self.order_status.as_deref() == Some("paid")
    }
}

/// What became of one request.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub request: Request,
    /// The checkout's final answer.
    pub checkout: Answer,
    /// The follow-up payment's final answer, when the checkout left the order pending.
    pub payment: Option<Answer>,
    /// Requests sent, retries included.
    pub attempts: u32,
    /// When the buyer arrived (was due to send), when the first request went out, and when the
    /// final answer came: latency from `arrived` is corrected for coordinated omission.
    pub arrived: Instant,
    pub sent: Instant,
    pub finished: Instant,
}

impl Outcome {
    /// The order and whether the client saw it paid, if an order was acknowledged.
    pub fn acknowledged(&self) -> Option<(Uuid, bool)> {
        let order = self
            .checkout
            .order
            .filter(|_| self.checkout.status == Some(201))?;
        let paid = self.checkout.saw_paid() || self.payment.as_ref().is_some_and(Answer::saw_paid);
        Some((order, paid))
    }
}

/// Until when, and how often, indeterminate answers are retried.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    pub deadline: Instant,
    pub pause: Duration,
}

/// The checkout body of `request`.
pub fn body(request: &Request) -> Value {
    let items: Vec<Value> = request
        .lines
        .iter()
        .map(|(product, qty)| json!({"product_id": product, "qty": qty}))
        .collect();
    let mut body = json!({
        "items": items,
        "shipping_address": {"name": "Buyer", "line1": "1 Sale St", "city": "Rush", "postal_code": "1", "country": "DE"},
        "payment": request.pays.json()
    });
    if let Some(ticket) = &request.queue_ticket {
        body["queue_ticket"] = json!(ticket);
    }
    body
}

pub fn card(number: &str) -> Value {
    json!({"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"})
}

/// Checks `request` out on `server`, retrying indeterminate answers with its key; pays an order
/// the checkout left pending.
pub async fn place(
    client: &reqwest::Client,
    server: &str,
    request: Request,
    arrived: Instant,
    retry: Retry,
    counters: &Counters,
) -> Outcome {
    let sent = Instant::now();
    let mut attempts = 0;
    let checkout = send(
        client,
        format!("{server}/api/v1/checkout"),
        &request.token,
        &request.key,
        &body(&request),
        retry,
        (&mut attempts, counters),
    )
    .await;
    let payment = match (&checkout.order, checkout.order_status.as_deref()) {
        (Some(order), Some("pending_payment")) if checkout.status == Some(201) => Some(
            send(
                client,
                format!("{server}/api/v1/orders/{order}/pay"),
                &request.token,
                &format!("{}:pay", request.key),
                &request.pays.json(),
                retry,
                (&mut attempts, counters),
            )
            .await,
        ),
        _ => None,
    };
    Outcome {
        request,
        checkout,
        payment,
        attempts,
        arrived,
        sent,
        finished: Instant::now(),
    }
}

/// POSTs until the answer is definite or the deadline passed; the last answer.
async fn send(
    client: &reqwest::Client,
    url: String,
    token: &str,
    key: &str,
    body: &Value,
    retry: Retry,
    (attempts, counters): (&mut u32, &Counters),
) -> Answer {
    loop {
        *attempts += 1;
        counters.requests.fetch_add(1, Ordering::Relaxed);
        let sent = Instant::now();
        let response = client
            .post(&url)
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        let answer = match response {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response.headers().contains_key("retry-after");
                let body: Value = response.json().await.unwrap_or(Value::Null);
                // A checkout answers {order}; a payment answers the order itself.
                let order = if body["order"].is_object() {
                    &body["order"]
                } else {
                    &body
                };
                Answer {
                    status: Some(status),
                    code: body["code"].as_str().map(str::to_owned),
                    order: order["id"]
                        .as_str()
                        .or(body["order_id"].as_str())
                        .and_then(|id| id.parse().ok()),
                    order_status: order["status"].as_str().map(str::to_owned),
                    retry_after,
                    error: None,
                }
            }
            Err(error) => Answer {
                error: Some(error.to_string()),
                ..Answer::default()
            },
        };
        let sold = answer.order_status.as_deref() == Some("paid") && answer.status < Some(300);
        crate::traffic::record(sent, answer.label(), sold);
        if answer.is_definite() || Instant::now() + retry.pause >= retry.deadline {
            return answer;
        }
        counters.errors.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(retry.pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: Option<u16>, retry_after: bool) -> Answer {
        Answer {
            status,
            retry_after,
            ..Answer::default()
        }
    }

    #[test]
    fn only_decided_answers_are_definite() {
        for (status, retry_after, definite) in [
            (Some(201), false, true),
            (Some(402), false, true),
            (Some(409), false, true),
            (Some(422), false, true),
            (Some(409), true, false),
            (Some(429), true, false),
            (Some(500), false, false),
            (Some(503), true, false),
            (None, false, false),
        ] {
            assert_eq!(
                answer(status, retry_after).is_definite(),
                definite,
                "{status:?} retry_after={retry_after}"
            );
        }
    }
}
