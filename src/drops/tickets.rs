//! Waiting-room tickets: `v1.<payload>.<mac>`, the payload (product, user, the moment the entry
//! was made) in URL-safe base64 and an HMAC-SHA256 of it under a secret every process of the
//! deployment derives from the signing key. A ticket names one entry of one user: it cannot be
//! forged, used by another user, or outlive a new entry of its own user.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

const VERSION: &str = "v1";
const PAYLOAD_BYTES: usize = 16 + 16 + 8;

/// What a ticket says: whose entry in which product's room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket {
    pub product: Uuid,
    pub user: Uuid,
    pub joined_at: OffsetDateTime,
}

/// Signs and checks tickets.
#[derive(Clone)]
pub(crate) struct TicketSigner {
    keyed: Hmac<Sha256>,
}

impl TicketSigner {
    pub(crate) fn new(secret: [u8; 32]) -> Self {
        Self {
            keyed: crate::auth::keyed_sha256(&secret),
        }
    }

    pub(crate) fn sign(&self, ticket: &Ticket) -> String {
        let payload = encode(ticket);
        let mut mac = self.keyed.clone();
        mac.update(&payload);
        let tag = mac.finalize().into_bytes();
        format!(
            "{VERSION}.{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The ticket `raw` names, if this deployment signed it (compared in constant time).
    pub(crate) fn verify(&self, raw: &str) -> Option<Ticket> {
        let mut parts = raw.split('.');
        let (version, payload, tag) = (parts.next()?, parts.next()?, parts.next()?);
        if version != VERSION || parts.next().is_some() {
            return None;
        }
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut mac = self.keyed.clone();
        mac.update(&payload);
        mac.verify_slice(&tag).ok()?;
        decode(&payload)
    }
}

fn encode(ticket: &Ticket) -> Vec<u8> {
    let millis = (ticket.joined_at.unix_timestamp_nanos() / 1_000_000) as i64;
    let mut payload = Vec::with_capacity(PAYLOAD_BYTES);
    payload.extend_from_slice(ticket.product.as_bytes());
    payload.extend_from_slice(ticket.user.as_bytes());
    payload.extend_from_slice(&millis.to_be_bytes());
    payload
}

fn decode(payload: &[u8]) -> Option<Ticket> {
    if payload.len() != PAYLOAD_BYTES {
        return None;
    }
    let product = Uuid::from_slice(&payload[..16]).ok()?;
    let user = Uuid::from_slice(&payload[16..32]).ok()?;
    let millis = i64::from_be_bytes(payload[32..].try_into().ok()?);
    let joined_at =
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()?;
    Some(Ticket {
        product,
        user,
        joined_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> Ticket {
        Ticket {
            product: Uuid::now_v7(),
            user: Uuid::now_v7(),
            joined_at: crate::clock::now(),
        }
    }

    #[test]
    fn a_signed_ticket_reads_back_and_nothing_else_does() {
        let signer = TicketSigner::new([7; 32]);
        let original = ticket();
        let signed = signer.sign(&original);
        assert_eq!(signer.verify(&signed), Some(original));

        let other_key = TicketSigner::new([8; 32]);
        assert_eq!(other_key.verify(&signed), None, "another deployment's key");

        let (head, tag) = signed.rsplit_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(encode(&Ticket {
            user: Uuid::now_v7(),
            ..original
        }));
        assert_eq!(signer.verify(&format!("v1.{forged_payload}.{tag}")), None);
        for bad in [
            "",
            "v1",
            "v1..",
            "v2.a.b",
            &format!("{head}.{tag}.extra"),
            &format!("{head}.AAAA"),
        ] {
            assert_eq!(signer.verify(bad), None, "{bad:?}");
        }
    }
}
