//! A stand-in for Stripe's API, for tests: the part of the documented protocol Bazaar's adapter
//! uses, over plain HTTP/1.1 on loopback.
//!
//! - `POST /v1/payment_intents` (form-encoded, `Authorization: Bearer <secret key>`) creates and
//!   confirms an intent with `payment_method_data[card][...]`: Stripe's test card
//!   `4000000000000002` is declined (`card_declined`), `4000000000009995` is declined for
//!   `insufficient_funds` (402 with an `error` object), other cards succeed (200, the intent).
//! - `POST /v1/refunds` refunds an intent (`payment_intent`, `amount`).
//! - `Idempotency-Key`: a request with a key seen before gets the first answer again, as Stripe
//!   keeps it.
//! - Webhooks are signed as Stripe signs them: `Stripe-Signature: t=<unix time>,v1=<hex
//!   HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>`.
//!
//! A test can make the next intent fail on the wire: the connection closes without an answer
//! ([`Failure::Drop`], nothing is created), or the intent is created and the answer comes too
//! late ([`Failure::Stall`]); or it can have the `payment_intent.succeeded` event delivered before
//! the answer ([`StripeStandIn::webhook_first`]).

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub const SECRET_KEY: &str = "sk_test_bazaar_standin";
pub const WEBHOOK_SECRET: &str = "whsec_bazaar_standin";

/// How the next intent fails on the wire.
#[derive(Clone, Copy, Debug)]
pub enum Failure {
    /// The connection closes before any answer; nothing was created.
    Drop,
    /// The intent is created, and the answer waits this long.
    Stall(Duration),
}

/// A request the stand-in received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub form: HashMap<String, String>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
struct State {
    next_failure: Option<Failure>,
    webhook: Option<String>,
    webhook_first: bool,
    received: Vec<Received>,
    /// The first answer to each idempotency key.
    answers: HashMap<String, (u16, Value)>,
    /// Intents by id, and what was refunded of each.
    intents: HashMap<String, Value>,
    refunded: HashMap<String, i64>,
    events: u64,
}

/// A running stand-in.
pub struct StripeStandIn {
    pub url: String,
    state: Arc<Mutex<State>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for StripeStandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl StripeStandIn {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { url, state, server }
    }

    /// Where webhooks go.
    pub fn deliver_to(&self, url: String) {
        self.state.lock().unwrap().webhook = Some(url);
    }

    pub fn fail_next(&self, failure: Failure) {
        self.state.lock().unwrap().next_failure = Some(failure);
    }

    /// Whether a succeeded intent's event is delivered (and answered) before the intent's answer.
    pub fn webhook_first(&self, first: bool) {
        self.state.lock().unwrap().webhook_first = first;
    }

    pub fn received(&self, path: &str) -> Vec<Received> {
        let state = self.state.lock().unwrap();
        state
            .received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// The intents created, by id.
    pub fn intents(&self) -> HashMap<String, Value> {
        self.state.lock().unwrap().intents.clone()
    }

    pub fn refunded(&self, intent: &str) -> i64 {
        let state = self.state.lock().unwrap();
        state.refunded.get(intent).copied().unwrap_or(0)
    }

    /// The `payment_intent.succeeded` event of `intent`.
    pub fn succeeded_event(&self, intent: &str) -> Value {
        let mut state = self.state.lock().unwrap();
        let object = state.intents[intent].clone();
        state.events += 1;
        json!({
            "id": format!("evt_{}", state.events),
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {"object": object},
        })
    }

    /// Posts `event` to the webhook, signed at `at` (unix seconds) with `secret`; the status.
    pub async fn deliver(&self, event: &Value, secret: &str, at: i64) -> u16 {
        let url = self
            .state
            .lock()
            .unwrap()
            .webhook
            .clone()
            .expect("webhook url");
        deliver(&url, event, secret, at).await
    }
}

/// `Stripe-Signature` of `body` signed at `at` with `secret`.
pub fn signature(body: &str, secret: &str, at: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{at}.{body}").as_bytes());
    format!("t={at},v1={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn deliver(url: &str, event: &Value, secret: &str, at: i64) -> u16 {
    let body = event.to_string();
    reqwest::Client::new()
        .post(url)
        .header("Stripe-Signature", signature(&body, secret, at))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("webhook delivery")
        .status()
        .as_u16()
}

/// One request per connection: read it, answer it (or not), close.
async fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
        return;
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap_or(0);
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.unwrap();
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let key = headers.get("idempotency-key").cloned();
    let authorized =
        headers.get("authorization").map(String::as_str) == Some(&format!("Bearer {SECRET_KEY}"));

    let failure = (path == "/v1/payment_intents")
        .then(|| state.lock().unwrap().next_failure.take())
        .flatten();
    if let Some(Failure::Drop) = failure {
        return; // closes the connection unanswered
    }
    let (status, answer, event) = {
        let mut state = state.lock().unwrap();
        state.received.push(Received {
            path: path.clone(),
            form: form.clone(),
            idempotency_key: key.clone(),
        });
        match key.as_ref().and_then(|key| state.answers.get(key)) {
            Some((status, answer)) => (*status, answer.clone(), None),
            None if !authorized => (
                401,
                json!({"error": {"type": "invalid_request_error",
                                 "message": "Invalid API Key provided"}}),
                None,
            ),
            None => {
                let (status, answer) = match path.as_str() {
                    "/v1/payment_intents" => create_intent(&mut state, &form),
                    "/v1/refunds" => refund(&mut state, &form),
                    _ => (
                        404,
                        json!({"error": {"type": "invalid_request_error",
                                                "message": "Unrecognized request URL"}}),
                    ),
                };
                if let Some(key) = &key {
                    state.answers.insert(key.clone(), (status, answer.clone()));
                }
                let event = (state.webhook_first && answer["status"] == "succeeded")
                    .then(|| state.webhook.clone())
                    .flatten()
                    .map(|url| {
                        state.events += 1;
                        let event = json!({"id": format!("evt_{}", state.events),
                            "object": "event", "type": "payment_intent.succeeded",
                            "data": {"object": answer.clone()}});
                        (url, event)
                    });
                (status, answer, event)
            }
        }
    };
    if let Some((url, event)) = event {
        let delivered = deliver(&url, &event, WEBHOOK_SECRET, now()).await;
        assert_eq!(delivered, 200, "the webhook before the answer");
    }
    if let Some(Failure::Stall(wait)) = failure {
        tokio::time::sleep(wait).await;
    }
    let body = answer.to_string();
    let reason = match status {
        200 => "OK",
        402 => "Payment Required",
        401 => "Unauthorized",
        _ => "Error",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn create_intent(state: &mut State, form: &HashMap<String, String>) -> (u16, Value) {
    let amount: i64 = form.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    if amount < 1 || form.get("confirm").map(String::as_str) != Some("true") {
        return (
            400,
            json!({"error": {"type": "invalid_request_error",
                                      "message": "amount and confirm=true are required"}}),
        );
    }
    let number = form
        .get("payment_method_data[card][number]")
        .cloned()
        .unwrap_or_default();
    let id = format!("pi_standin_{}", state.intents.len() + 1);
    let decline = match number.as_str() {
        "4000000000000002" => Some("generic_decline"),
        "4000000000009995" => Some("insufficient_funds"),
        _ => None,
    };
    let metadata: HashMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((name.to_owned(), v.clone()))
        })
        .collect();
    let intent = json!({
        "id": id, "object": "payment_intent", "amount": amount,
        "currency": form.get("currency"), "metadata": metadata,
        "status": if decline.is_some() { "requires_payment_method" } else { "succeeded" },
    });
    state.intents.insert(id, intent.clone());
    match decline {
        Some(decline_code) => (
            402,
            json!({"error": {"type": "card_error", "code": "card_declined",
                             "decline_code": decline_code, "message": "Your card was declined.",
                             "payment_intent": intent}}),
        ),
        None => (200, intent),
    }
}

fn refund(state: &mut State, form: &HashMap<String, String>) -> (u16, Value) {
    let intent = form.get("payment_intent").cloned().unwrap_or_default();
    let amount: i64 = form.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    let Some(paid) = state
        .intents
        .get(&intent)
        .and_then(|i| i["amount"].as_i64())
    else {
        return (
            404,
            json!({"error": {"type": "invalid_request_error",
                                      "message": "No such payment_intent"}}),
        );
    };
    let refunded = state.refunded.entry(intent.clone()).or_default();
    if amount < 1 || *refunded + amount > paid {
        return (
            400,
            json!({"error": {"type": "invalid_request_error",
                                      "code": "charge_already_refunded",
                                      "message": "Refund amount is greater than unrefunded amount"}}),
        );
    }
    *refunded += amount;
    (
        200,
        json!({"id": format!("re_{intent}_{refunded}"), "object": "refund", "amount": amount,
               "payment_intent": intent, "status": "succeeded"}),
    )
}
