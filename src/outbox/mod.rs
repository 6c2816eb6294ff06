//! The outbox: every outgoing message (activation, password reset, order mail) is a row here.
//!
//! Messages are written in the same transaction as the change that causes them, so a message is
//! never sent for a change that rolled back. With no SMTP server configured the outbox is the
//! mail sink, readable by admins at `GET /api/v1/admin/outbox`: it is how activation and reset
//! links reach people. An admin never reads the one-time link of a message addressed to another
//! admin: that link would sign them in as the other admin.

pub(crate) mod store;

use crate::domain::{Page, Paged};
use serde::Serialize;
use store::OutboxStore;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// One outgoing message.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub(crate) struct OutboxMessage {
    pub id: Uuid,
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Addressed to an admin other than the reader: its one-time link is not shown.
    #[serde(skip)]
    pub to_another_admin: bool,
}

impl OutboxMessage {
    /// The message with the token of every one-time link in its body replaced.
    fn redacted(mut self) -> Self {
        self.body = redact_tokens(&self.body);
        self
    }
}

/// What a redacted token reads as.
const REDACTED: &str = "[redacted: addressed to another admin]";

/// `body` with the value of every `token=` query parameter replaced.
fn redact_tokens(body: &str) -> String {
    let mut redacted = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("token=") {
        let (before, from) = rest.split_at(at + "token=".len());
        redacted.push_str(before);
        redacted.push_str(REDACTED);
        let end = from
            .find(|c: char| c.is_whitespace() || c == '&')
            .unwrap_or(from.len());
        rest = &from[end..];
    }
    redacted.push_str(rest);
    redacted
}

/// A message to queue with the change it reports.
#[derive(Clone, Debug)]
pub(crate) struct NewMessage {
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
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
                    Or https://shop/activate?token=zzz&x=1";
        assert_eq!(
            redact_tokens(body),
            format!(
                "Open https://shop/reset?token={REDACTED} within an hour.\n\
                 Or https://shop/activate?token={REDACTED}&x=1"
            )
        );
        assert_eq!(redact_tokens("no link here"), "no link here");
    }
}
