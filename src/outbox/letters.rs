//! The mail Bazaar writes: each [`Letter`] has a subject and a body as plain text and as HTML.
//! Whatever comes from people (names, notes, tracking numbers) is escaped in the HTML.

use crate::domain::order_number;
use uuid::Uuid;

/// A message's content: its kind (the outbox's `kind`), subject, and text and HTML bodies.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Letter {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One paragraph of a letter: text, or a link.
enum Part<'a> {
    Text(&'a str),
    Link(&'a str),
}

impl Letter {
    fn new(kind: &'static str, subject: String, parts: &[Part<'_>]) -> Self {
        let text = parts
            .iter()
            .map(|part| match part {
                Part::Text(text) | Part::Link(text) => *text,
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        let body: String = parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => format!("<p>{}</p>", escape(text)),
                Part::Link(url) => format!("<p><a href=\"{0}\">{0}</a></p>", escape(url)),
            })
            .collect();
        let html = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body style=\"font-family: sans-serif; line-height: 1.5\">{body}</body></html>",
            escape(&subject)
        );
        Self {
            kind,
            subject,
            text: text + "\n",
            html,
        }
    }
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `cents` as an amount of `currency`: `12.50 EUR`.
fn amount(cents: i64, currency: &str) -> String {
    format!("{}.{:02} {currency}", cents / 100, (cents % 100).abs())
}

pub(crate) fn activation(name: &str, link: &str) -> Letter {
    Letter::new(
        "activation",
        "Activate your Bazaar account".into(),
        &[
            Part::Text(&format!("Hello {name},")),
            Part::Text(
                "welcome to Bazaar. Activate your account within 24 hours by opening this link:",
            ),
            Part::Link(link),
            Part::Text("If you did not register, ignore this message."),
        ],
    )
}

pub(crate) fn password_reset(name: &str, link: &str) -> Letter {
    Letter::new(
        "password_reset",
        "Reset your Bazaar password".into(),
        &[
            Part::Text(&format!("Hello {name},")),
            Part::Text(
                "someone asked to reset the password of your Bazaar account. Choose a new \
                 password within one hour by opening this link:",
            ),
            Part::Link(link),
            Part::Text("If it was not you, ignore this message: your password stays as it is."),
        ],
    )
}

pub(crate) fn order_paid(order: Uuid, total_cents: i64, currency: &str) -> Letter {
    Letter::new(
        "order_paid",
        format!("Order {} confirmed", order_number(order)),
        &[
            Part::Text("Thank you for your order."),
            Part::Text(&format!(
                "We received your payment of {} for order {order}. We will tell you when it ships.",
                amount(total_cents, currency)
            )),
        ],
    )
}

pub(crate) fn shipped(order: Uuid, tracking_number: &str) -> Letter {
    Letter::new(
        "order_shipped",
        format!("Order {} has shipped", order_number(order)),
        &[Part::Text(&format!(
            "A parcel of your order {order} is on its way. Its tracking number is \
             {tracking_number}."
        ))],
    )
}

pub(crate) fn out_for_delivery(order: Uuid) -> Letter {
    Letter::new(
        "order_out_for_delivery",
        format!("Order {} is out for delivery", order_number(order)),
        &[Part::Text(&format!(
            "A parcel of your order {order} is out for delivery and reaches you today."
        ))],
    )
}

pub(crate) fn delivered(order: Uuid) -> Letter {
    Letter::new(
        "order_delivered",
        format!("Order {} was delivered", order_number(order)),
        &[Part::Text(&format!(
            "A parcel of your order {order} was delivered. If something is wrong with it, you \
             can return it from the order's page."
        ))],
    )
}

pub(crate) fn refunded(order: Uuid, cents: i64, currency: &str, reason: &str) -> Letter {
    Letter::new(
        "order_refunded",
        format!("Refund for order {}", order_number(order)),
        &[
            Part::Text(&format!(
                "We refunded {} for your order {order}.",
                amount(cents, currency)
            )),
            Part::Text(&format!("Reason: {reason}")),
        ],
    )
}

pub(crate) fn return_rejected(order: Uuid, note: Option<&str>) -> Letter {
    let note = note.map(|note| format!("The seller's note: {note}"));
    let mut parts = vec![Part::Text(
        "The seller did not accept the return you opened for your order.",
    )];
    if let Some(note) = &note {
        parts.push(Part::Text(note));
    }
    Letter::new(
        "return_rejected",
        format!("Your return for order {}", order_number(order)),
        &parts,
    )
}

/// A new public coupon, to a customer who opted in to promotions.
pub(crate) fn promotion(offer: &str, code: &str, until: Option<&str>) -> Letter {
    let until = until
        .map(|until| format!(" It is valid until {until}."))
        .unwrap_or_default();
    Letter::new(
        "promotion",
        format!("A coupon for you: {code}"),
        &[
            Part::Text(&format!("{offer} with the code {code} at checkout.{until}")),
            Part::Text(
                "You receive this because you opted in to promotions. You can opt out in your \
                 profile.",
            ),
        ],
    )
}

pub(crate) fn back_in_stock(name: &str, product: Uuid) -> Letter {
    Letter::new(
        "back_in_stock",
        format!("{name} is back in stock"),
        &[
            Part::Text(&format!(
                "{name} (product {product}), which you asked to hear about, can be bought again."
            )),
            Part::Text("You were told because you joined its waitlist; you are off it now."),
        ],
    )
}

pub(crate) fn back_in_stock_held(name: &str, order: Uuid, due: &str) -> Letter {
    Letter::new(
        "back_in_stock",
        format!("{name} is back in stock, and one is held for you"),
        &[
            Part::Text(&format!(
                "{name} is back in stock. We held one for you in order {}: pay it before {due} \
                 to keep it.",
                order_number(order)
            )),
            Part::Text("You were told because you joined its waitlist; you are off it now."),
        ],
    )
}

pub(crate) fn low_stock(product: Uuid, available: i64, threshold: i64) -> Letter {
    Letter::new(
        "low_stock",
        "Low stock".into(),
        &[Part::Text(&format!(
            "Product {product} has {available} left, at or below its threshold of {threshold}."
        ))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_wrote_is_escaped_in_the_html_and_kept_in_the_text() {
        let order = Uuid::now_v7();
        let letter = shipped(order, "<script>x</script> & \"1Z\"");
        assert!(letter.text.contains("<script>x</script> & \"1Z\""));
        assert!(!letter.html.contains("<script>"));
        assert!(
            letter
                .html
                .contains("&lt;script&gt;x&lt;/script&gt; &amp; &quot;1Z&quot;")
        );
        assert!(letter.subject.contains(&order_number(order)));
    }

    #[test]
    fn a_link_is_a_link_in_the_html_and_a_line_of_its_own_in_the_text() {
        let letter = activation("Ada", "https://shop/activate?token=abc&x=1");
        assert!(
            letter
                .text
                .contains("\n\nhttps://shop/activate?token=abc&x=1\n\n")
        );
        assert!(letter.html.contains(
            "<a href=\"https://shop/activate?token=abc&amp;x=1\">https://shop/activate?token=abc&amp;x=1</a>"
        ));
        assert_eq!(amount(1250, "EUR"), "12.50 EUR");
        assert_eq!(amount(7, "EUR"), "0.07 EUR");
    }
}
