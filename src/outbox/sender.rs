//! The SMTP sender: with `BAZAAR_SMTP_URL` set, a task delivers the outbox with lettre.
//!
//! It claims a few due messages at a time (a lease, so several processes never send one message
//! at once), sends each, and marks it `sent` (redacting its one-time links) or, after a failed
//! attempt, due again later with exponential backoff, until `max_attempts` make it `failed` with
//! the last error; a permanent refusal (a 5xx reply) fails it at once. Orders never wait for it:
//! they only write rows. Each message carries its outbox id as `Message-ID`, so a message sent
//! again after a crash between the server's acceptance and the mark is recognisable as the same.

use super::redact_tokens;
use super::store::{OutboxStore, Outgoing};
use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How the sender reaches its SMTP server and how it retries. (Its `Debug` leaves the URL out:
/// it may hold the server's password.)
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// `smtp://host:port`, `smtps://user:pass@host:port`, or `smtp://...?tls=required`.
    pub url: String,
    /// The `From` of every message.
    pub from: String,
    /// The wait after the first failed attempt; it doubles with each further one.
    pub retry_base: Duration,
    /// Attempts after which a message is `failed`.
    pub max_attempts: u32,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("url", &"[set]")
            .field("from", &self.from)
            .field("retry_base", &self.retry_base)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

/// Messages claimed at a time.
const BATCH: i64 = 5;
/// How long a claim keeps other senders off: more than a batch's sends can take (each SMTP
/// command may take up to `SEND_TIMEOUT`). A mark is made only under the sender's own claim.
const LEASE: Duration = Duration::from_secs(600);
/// The longest one SMTP exchange may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause when nothing is due.
const IDLE: Duration = Duration::from_millis(500);
/// The pause after the outbox could not be read (the database is down).
const OUTAGE: Duration = Duration::from_secs(5);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// What a one-time link's token reads as once its message was sent.
const SENT: &str = "[redacted: sent]";

/// Delivers the outbox over SMTP.
pub(crate) struct Sender {
    store: OutboxStore,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    settings: SmtpSettings,
}

/// Why one attempt failed, and whether trying again can help.
struct Failure {
    error: String,
    permanent: bool,
}

impl Sender {
    pub(crate) fn new(store: OutboxStore, settings: SmtpSettings) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|error| anyhow::anyhow!("BAZAAR_SMTP_URL: {error}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|error| anyhow::anyhow!("BAZAAR_MAIL_FROM: {error}"))?;
        Ok(Self {
            store,
            transport,
            from,
            settings,
        })
    }

    /// Runs the sender on the current runtime for the life of the process.
    pub(crate) fn start(self) {
        actix_web::rt::spawn(async move {
            loop {
                match self.send_due().await {
                    Ok(0) => actix_web::rt::time::sleep(IDLE).await,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "the outbox could not be read");
                        actix_web::rt::time::sleep(OUTAGE).await;
                    }
                }
            }
        });
    }

    /// Sends what is due; how many messages it tried.
    async fn send_due(&self) -> sqlx::Result<usize> {
        let due = self.store.claim_due(LEASE, BATCH).await?;
        let tried = due.len();
        for message in due {
            self.deliver(message).await?;
        }
        Ok(tried)
    }

    async fn deliver(&self, mut message: Outgoing) -> sqlx::Result<()> {
        match self.send(&message).await {
            Ok(()) => {
                message.body = redact_tokens(&message.body, SENT);
                message.html_body = message.html_body.map(|html| redact_tokens(&html, SENT));
                self.store.mark_sent(&message).await
            }
            Err(failure) => {
                let attempts = u32::try_from(message.attempts).unwrap_or(0) + 1;
                let retry_in = (!failure.permanent && attempts < self.settings.max_attempts)
                    .then(|| backoff(self.settings.retry_base, attempts));
                tracing::warn!(message = %message.id, attempts, error = %failure.error,
                    retry_in = ?retry_in, "mail not sent");
                self.store
                    .mark_failed_attempt(&message, &failure.error, retry_in)
                    .await
            }
        }
    }

    async fn send(&self, message: &Outgoing) -> Result<(), Failure> {
        let permanent = |error: String| Failure {
            error,
            permanent: true,
        };
        let to: Mailbox = message
            .to_email
            .parse()
            .map_err(|error| permanent(format!("bad recipient: {error}")))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .message_id(Some(format!("<{}@bazaar>", message.id)));
        let email = match &message.html_body {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                message.body.clone(),
                html.clone(),
            )),
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(message.body.clone()),
        }
        .map_err(|error| permanent(error.to_string()))?;
        self.transport
            .send(email)
            .await
            .map(drop)
            .map_err(|error| Failure {
                permanent: error.is_permanent(),
                error: error.to_string(),
            })
    }
}

/// The wait before attempt `attempts + 1`: `base`, doubling with each failed attempt.
fn backoff(base: Duration, attempts: u32) -> Duration {
    base.saturating_mul(1 << attempts.saturating_sub(1).min(20))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_with_each_failed_attempt_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 4), Duration::from_secs(240));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }
}
