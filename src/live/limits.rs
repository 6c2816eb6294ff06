//! [`SessionCaps`]: how many live sessions (WebSockets and event streams together) one user and
//! one client address may hold open in this process.
//!
//! Every session costs a task, a queue of up to 1,024 pushes and a place in the hub, so one
//! client must not be able to open them without bound. A session takes a [`SessionSlot`] for its
//! address when it opens and one for its user when it authenticates; dropping the slot (the
//! session ended, however it ended) gives the place back, and a count that reaches zero leaves the
//! table.

use super::LiveError;
use crate::client_address::ClientAddress;
use crate::locks;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// The most sessions one holder may have open.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SessionLimits {
    pub per_user: usize,
    pub per_address: usize,
}

/// Who a session counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Holder {
    User(Uuid),
    Address(ClientAddress),
}

/// The open sessions of each holder in this process.
#[derive(Debug)]
pub(crate) struct SessionCaps {
    limits: SessionLimits,
    open: RwLock<HashMap<Holder, usize>>,
}

impl SessionCaps {
    pub(crate) fn new(limits: SessionLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            open: RwLock::default(),
        })
    }

    /// A place for one more session of `holder`, or why there is none.
    pub(crate) fn admit(self: &Arc<Self>, holder: Holder) -> Result<SessionSlot, LiveError> {
        let limit = match holder {
            Holder::User(_) => self.limits.per_user,
            Holder::Address(_) => self.limits.per_address,
        };
        let mut open = locks::write(&self.open);
        let count = open.entry(holder).or_default();
        if *count >= limit {
            if *count == 0 {
                open.remove(&holder);
            }
            return Err(LiveError::TooManySessions(holder, limit));
        }
        *count += 1;
        Ok(SessionSlot {
            caps: Arc::clone(self),
            holder,
        })
    }

    #[cfg(test)]
    fn holders(&self) -> usize {
        locks::read(&self.open).len()
    }
}

/// One open session's place; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct SessionSlot {
    caps: Arc<SessionCaps>,
    holder: Holder,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut open = locks::write(&self.caps.open);
        if let Some(count) = open.get_mut(&self.holder) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.holder);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    #[test]
    fn each_holder_is_capped_alone_and_freed_places_come_back() {
        let caps = SessionCaps::new(SessionLimits {
            per_user: 2,
            per_address: 1,
        });
        let (ada, grace) = (Holder::User(Uuid::now_v7()), Holder::User(Uuid::now_v7()));
        let first = caps.admit(ada).unwrap();
        let _second = caps.admit(ada).unwrap();
        assert!(caps.admit(ada).is_err(), "a third session of one user");
        let _other = caps.admit(grace).expect("other users are not held up");
        drop(first);
        let _again = caps.admit(ada).expect("a closed session frees its place");

        let office = Holder::Address(ClientAddress::from(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let only = caps.admit(office).unwrap();
        assert!(caps.admit(office).is_err());
        drop(only);
        assert_eq!(
            caps.holders(),
            2,
            "a holder with no session leaves the table"
        );
    }

    #[test]
    fn a_cap_of_zero_refuses_and_keeps_nothing() {
        let caps = SessionCaps::new(SessionLimits {
            per_user: 0,
            per_address: 0,
        });
        assert!(caps.admit(Holder::User(Uuid::now_v7())).is_err());
        assert_eq!(caps.holders(), 0);
    }
}
