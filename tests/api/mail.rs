//! Mail: every step of an order writes its message to the outbox with a text and an HTML body;
//! with an SMTP server configured, the sender delivers them to a real SMTP server the test runs,
//! retries a server that refuses, and catches up with one that was down, while orders never wait.

use crate::helpers::{PASSWORD, TestApp, TestUser, spawn_app, spawn_app_with, test_settings};
use crate::smtp_sink::SmtpSink;
use bazaar::config::SmtpSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// An app that sends its mail to 127.0.0.1:`port`, retrying after 200 ms, then 400 ms...
async fn app_mailing_to(port: u16, max_attempts: u32) -> TestApp {
    let mut settings = test_settings();
    settings.smtp = Some(SmtpSettings {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Bazaar <shop@example.com>".into(),
        retry_base: Duration::from_millis(200),
        max_attempts,
    });
    spawn_app_with(settings).await
}

/// The outbox's messages to `email`, newest first.
async fn outbox_to(app: &TestApp, email: &str) -> Vec<Value> {
    let admin = app.admin().await;
    let listed: Value = app
        .as_user(&admin)
        .outbox(&format!("to={email}&per_page=100"))
        .await
        .json()
        .await
        .unwrap();
    listed["items"].as_array().unwrap().clone()
}

/// The outbox's message of `kind` to `email` once `done` holds for it (at most 10 s).
async fn message_when(
    app: &TestApp,
    email: &str,
    kind: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found = outbox_to(app, email)
            .await
            .into_iter()
            .find(|message| message["kind"] == kind);
        if let Some(message) = found.filter(|message| done(message)) {
            return message;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {kind} to {email} as expected"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A customer's order of two units of one product (five in stock, a low-stock threshold of
/// four), paid, then carried to their door by its seller and a courier.
async fn delivered_order(app: &TestApp) -> (TestUser, TestUser, String) {
    let (seller, product) = app
        .stocked_product(5, json!({"price_cents": 1250, "low_stock_threshold": 4}))
        .await;
    let customer = app.customer().await;
    let order = app.paid_order(&customer, &[(&product, 2)]).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let courier = app.user_with_role("courier").await;
    let steps = [
        (&seller, json!({"status": "processing"})),
        (
            &seller,
            json!({"status": "shipped", "tracking_number": "ZX-42", "courier_id": courier.id}),
        ),
        (&courier, json!({"status": "out_for_delivery"})),
        (&courier, json!({"status": "delivered"})),
    ];
    for (user, body) in steps {
        let response = app.as_user(user).change_status(&id, &body).await;
        assert_eq!(response.status(), StatusCode::OK, "{body}");
    }
    (seller, customer, id)
}

#[actix_web::test]
async fn each_step_of_an_order_is_mailed_with_a_text_and_an_html_body() {
    let app = spawn_app().await;
    let (seller, customer, id) = delivered_order(&app).await;
    let refund = app
        .client
        .post(app.url(&format!("/api/v1/orders/{id}/refunds")))
        .bearer_auth(&seller.access_token)
        .json(&json!({"amount_cents": 1250, "reason": "one was chipped"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refund.status(), StatusCode::CREATED);

    let messages = outbox_to(&app, &customer.email).await;
    let kinds: Vec<&str> = messages.iter().filter_map(|m| m["kind"].as_str()).collect();
    for kind in [
        "order_paid",
        "order_shipped",
        "order_out_for_delivery",
        "order_delivered",
        "order_refunded",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    for message in &messages {
        assert_eq!(
            message["status"], "queued",
            "the sink keeps them: {message}"
        );
        let html = message["html_body"].as_str().unwrap_or_default();
        assert!(html.starts_with("<!doctype html>"), "{message}");
    }
    let find = |kind: &str| messages.iter().find(|m| m["kind"] == kind).unwrap();
    assert!(
        find("order_shipped")["body"]
            .as_str()
            .unwrap()
            .contains("ZX-42")
    );
    assert!(
        find("order_paid")["body"]
            .as_str()
            .unwrap()
            .contains("25.00")
    );
    let refunded = find("order_refunded")["body"].as_str().unwrap();
    assert!(
        refunded.contains("12.50") && refunded.contains("one was chipped"),
        "{refunded}"
    );
}

/// `data` as sent (quoted-printable soft line breaks joined, `=3D` read as `=`).
fn decoded(data: &str) -> String {
    data.replace("=\n", "").replace("=3D", "=")
}

#[actix_web::test]
async fn the_sender_delivers_text_and_html_and_redacts_the_link_it_sent() {
    let sink = SmtpSink::start(0).await;
    let app = app_mailing_to(sink.port, 5).await;
    let email = format!("new-{}@example.com", uuid::Uuid::now_v7().simple());
    let registered = app.register(&email, None).await;
    assert_eq!(registered.status(), StatusCode::CREATED);

    let received = sink.wait_for(1).await;
    let mail = &received[0];
    assert_eq!(mail.to, [format!("<{email}>")]);
    assert_eq!(mail.from, "<shop@example.com>");
    let data = decoded(&mail.data);
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(
        data.contains("text/plain") && data.contains("text/html"),
        "{data}"
    );
    assert!(
        data.contains("Subject: Activate your Bazaar account"),
        "{data}"
    );
    let token = data
        .split("?token=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| c.is_whitespace() || c == '"').next())
        .unwrap()
        .to_owned();

    let sent = message_when(&app, &email, "activation", |m| m["status"] == "sent").await;
    assert_eq!(sent["attempts"], 1);
    assert!(sent["sent_at"].is_string());
    let body = sent["body"].as_str().unwrap();
    assert!(!body.contains(&token), "the sent link is redacted: {body}");
    assert!(body.contains("token=[redacted: sent]"), "{body}");
    assert!(!sent["html_body"].as_str().unwrap().contains(&token));
    // The mail that left is what activates the account.
    assert_eq!(
        app.anonymous().activate(&token).await.status(),
        StatusCode::OK
    );
    let login = app.login(&email, PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_server_that_refuses_is_tried_again_until_it_accepts_or_attempts_run_out() {
    let sink = SmtpSink::start(2).await;
    let app = app_mailing_to(sink.port, 5).await;
    let email = format!("busy-{}@example.com", uuid::Uuid::now_v7().simple());
    app.register(&email, None).await;
    sink.wait_for(1).await;
    let sent = message_when(&app, &email, "activation", |m| m["status"] == "sent").await;
    assert_eq!(sent["attempts"], 3, "two refusals, then sent: {sent}");

    let refusing = SmtpSink::start(usize::MAX).await;
    let app = app_mailing_to(refusing.port, 2).await;
    let email = format!("never-{}@example.com", uuid::Uuid::now_v7().simple());
    app.register(&email, None).await;
    let failed = message_when(&app, &email, "activation", |m| m["status"] == "failed").await;
    assert_eq!(failed["attempts"], 2);
    assert!(
        failed["last_error"].as_str().unwrap().contains("451"),
        "{failed}"
    );
    assert!(refusing.received().is_empty());
}

#[actix_web::test]
async fn orders_do_not_wait_for_a_server_that_is_down_and_their_mail_leaves_once_it_is_up() {
    let port = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        free.local_addr().unwrap().port()
    };
    let app = app_mailing_to(port, 20).await;
    let (_, product) = app.stocked_product(5, json!({"price_cents": 900})).await;
    let customer = app.customer().await;
    let order = app.paid_order(&customer, &[(&product, 1)]).await;
    assert_eq!(order["status"], "paid");
    let waiting = message_when(&app, &customer.email, "order_paid", |m| {
        m["attempts"].as_i64() >= Some(1)
    })
    .await;
    assert_eq!(waiting["status"], "queued");
    assert!(waiting["last_error"].is_string(), "{waiting}");

    let sink = SmtpSink::start_on(port, 0).await;
    let received = sink.wait_for(1).await;
    assert!(
        received
            .iter()
            .any(|mail| mail.to == [format!("<{}>", customer.email)]),
        "{received:?}"
    );
    message_when(&app, &customer.email, "order_paid", |m| {
        m["status"] == "sent"
    })
    .await;
}
