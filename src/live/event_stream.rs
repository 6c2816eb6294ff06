//! The same live messages as Server-Sent Events, for clients that cannot use WebSockets: one
//! stream per client that leaves the hub when dropped, and ends with an `unauthorized` error
//! message once its access token expires or is revoked.

use super::SessionSlot;
use super::protocol::ServerMessage;
use super::token_watch::TokenWatch;
use crate::error::ErrorCode;
use actix_web::web::Bytes;
use bazaar_actors::hub::{Hub, Push, Subscription};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

/// One client's event stream; leaving the hub when dropped (the client went away).
pub(crate) struct Stream {
    hub: Hub,
    subscription: Subscription,
    /// The places this stream holds among its client's sessions, given back when it drops.
    _slots: Vec<SessionSlot>,
    token: TokenWatch,
    /// The last message is queued: the stream ends once `ready` is sent.
    ending: bool,
    ready: VecDeque<Bytes>,
    keep_alive: tokio::time::Interval,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.hub.disconnect(self.subscription.id);
    }
}

impl Stream {
    pub(crate) fn new(
        hub: Hub,
        subscription: Subscription,
        slots: Vec<SessionSlot>,
        token: TokenWatch,
        keep_alive: Duration,
    ) -> Self {
        Self {
            hub,
            subscription,
            _slots: slots,
            token,
            ending: false,
            ready: VecDeque::new(),
            keep_alive: tokio::time::interval(keep_alive),
        }
    }

    fn queue(&mut self, push: &Push) {
        if let Some(message) = ServerMessage::rendered(push) {
            self.queue_text(message);
        }
    }

    fn queue_text(&mut self, message: &str) {
        self.ready
            .push_back(Bytes::from(format!("data: {message}\n\n")));
    }

    pub(crate) fn into_body(self) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
        futures_util::stream::unfold(self, |mut stream| async move {
            loop {
                if let Some(chunk) = stream.ready.pop_front() {
                    return Some((Ok(chunk), stream));
                }
                if stream.ending {
                    return None;
                }
                tokio::select! {
                    why = stream.token.lapsed() => {
                        let error = ServerMessage::error(ErrorCode::Unauthorized, why).to_json();
                        stream.queue_text(&error);
                        stream.ending = true;
                    }
                    push = stream.subscription.pushes.recv() => stream.queue(&push?),
                    _ = stream.keep_alive.tick() => {
                        stream.ready.push_back(Bytes::from_static(b": keep-alive\n\n"));
                    }
                }
            }
        })
    }
}
