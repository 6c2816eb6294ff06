//! The outbox: every outgoing message (activation, password reset, order mail, low-stock alerts)
//! is a row here, with a text and an HTML body ([`letters`]).
//!
//! Messages are written in the same transaction as the change that causes them, so a message is
//! never sent for a change that rolled back, nor lost for one that committed. (A low-stock alert
//! reports no change of its own: it is queued with its notification, after the sale.) With
//! `BAZAAR_SMTP_URL` the [`sender`] delivers them, retrying with backoff, and records each one's
//! delivery state; a one-time link is redacted once its message is sent. Without SMTP the outbox
//! is the mail sink, readable by admins at `GET /api/v1/admin/outbox`: it is how activation and
//! reset links reach people. An admin never reads the one-time link of a message addressed to
//! another admin: that link would sign them in as the other admin.

pub(crate) mod letters;
pub(crate) mod sender;
pub(crate) mod store;

pub(crate) use letters::Letter;

use crate::domain::{Page, Paged};
use serde::Serialize;
use store::OutboxStore;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// One outgoing message and how its delivery went.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct OutboxMessage {
    pub id: Uuid,
    pub to: String,
    pub kind: String,
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    pub html_body: Option<String>,
    /// `queued` (waiting to be sent, or the sink's without SMTP), `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Addressed to an admin other than the reader: its one-time link is not shown.
    #[serde(skip)]
    pub to_another_admin: bool,
}

impl OutboxMessage {
    /// The message with the token of every one-time link in its bodies replaced.
    fn redacted(mut self) -> Self {
        self.body = redact_tokens(&self.body, TO_ANOTHER_ADMIN);
        self.html_body = self
            .html_body
            .map(|html| redact_tokens(&html, TO_ANOTHER_ADMIN));
        self
    }
}

/// What a token redacted for an admin reading another admin's message reads as.
const TO_ANOTHER_ADMIN: &str = "[redacted: addressed to another admin]";

/// `body` with the value of every `token=` query parameter replaced by `redacted`.
pub(crate) fn redact_tokens(body: &str, redacted: &str) -> String {
    let mut kept = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("token=") {
        let (before, from) = rest.split_at(at + "token=".len());
        kept.push_str(before);
        kept.push_str(redacted);
        // A token ends where the URL does, in text or in HTML.
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '&' | '"' | '\'' | '<'))
            .unwrap_or(from.len());
        rest = &from[end..];
    }
    kept.push_str(rest);
    kept
}

/// A message to queue with the change it reports.
#[derive(Clone, Debug)]
pub(crate) struct NewMessage {
    pub to: String,
    pub letter: Letter,
}

/// Reading the outbox.
#[derive(Clone)]
pub(crate) struct Outbox {
    store: OutboxStore,
}

impl Outbox {
    pub(crate) fn new(store: OutboxStore) -> Self {
        Self { store }
    }

    /// Messages newest first as admin `reader` may read them, optionally only those to one
    /// address.
    pub(crate) async fn list(
        &self,
        reader: Uuid,
        to: Option<&str>,
        page: Page,
    ) -> Result<Paged<OutboxMessage>, sqlx::Error> {
        let mut listed = self.store.list(reader, to, page).await?;
        listed.items = listed
            .items
            .into_iter()
            .map(|message| {
                if message.to_another_admin {
                    message.redacted()
                } else {
                    message
                }
            })
            .collect();
        Ok(listed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_of_a_body_is_redacted_and_nothing_else() {
        let body = "Open https://shop/reset?token=abc-123_x within an hour.\n\
                    Or https://shop/activate?token=zzz&x=1 or <a href=\"/a?token=q\">/a?token=q</a>";
        assert_eq!(
            redact_tokens(body, "R"),
            "Open https://shop/reset?token=R within an hour.\n\
             Or https://shop/activate?token=R&x=1 or <a href=\"/a?token=R\">/a?token=R</a>"
        );
        assert_eq!(redact_tokens("no link here", "R"), "no link here");
    }
}
