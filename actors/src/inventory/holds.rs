//! [`OpenHolds`]: the holds an inventory actor counts in `reserved`, by id and by expiry, so that
//! neither a reservation nor the periodic look for expired holds costs more as holds pile up in
//! a flash sale.

use std::collections::{BTreeSet, HashMap};
use time::OffsetDateTime;
use uuid::Uuid;

/// A hold the actor counts in `reserved`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hold {
    pub order: Uuid,
    pub qty: i64,
    pub expires_at: OffsetDateTime,
    /// Committed to the database (a provisional hold is not, yet).
    pub durable: bool,
    /// An expiry unit for it is in flight.
    pub expiring: bool,
}

/// The open holds of one product.
#[derive(Debug, Default)]
pub(super) struct OpenHolds {
    by_id: HashMap<Uuid, Hold>,
    by_expiry: BTreeSet<(OffsetDateTime, Uuid)>,
}

impl OpenHolds {
    /// Adds `hold` unless one with its id is open already; whether it was added.
    pub fn insert(&mut self, id: Uuid, hold: Hold) -> bool {
        if self.by_id.contains_key(&id) {
            return false;
        }
        self.by_expiry.insert((hold.expires_at, id));
        self.by_id.insert(id, hold);
        true
    }

    pub fn remove(&mut self, id: &Uuid) -> Option<Hold> {
        let hold = self.by_id.remove(id)?;
        self.by_expiry.remove(&(hold.expires_at, *id));
        Some(hold)
    }

    pub fn get_mut(&mut self, id: &Uuid) -> Option<&mut Hold> {
        self.by_id.get_mut(id)
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The provisional holds (not in the database yet).
    pub fn provisional(&self) -> impl Iterator<Item = (&Uuid, &Hold)> {
        self.by_id.iter().filter(|(_, hold)| !hold.durable)
    }

    /// Marks the durable holds due by `now` (and not expiring yet) as expiring, and returns
    /// them. Visits only the holds due by `now`.
    pub fn start_expiring(&mut self, now: OffsetDateTime) -> Vec<(Uuid, Hold)> {
        let mut due = Vec::new();
        for (_, id) in &self.by_expiry {
            let Some(hold) = self.by_id.get_mut(id) else {
                continue;
            };
            if hold.expires_at > now {
                break;
            }
            if hold.durable && !hold.expiring {
                hold.expiring = true;
                due.push((*id, *hold));
            }
        }
        due
    }
}

impl FromIterator<(Uuid, Hold)> for OpenHolds {
    fn from_iter<I: IntoIterator<Item = (Uuid, Hold)>>(holds: I) -> Self {
        let mut open = OpenHolds::default();
        for (id, hold) in holds {
            open.insert(id, hold);
        }
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold(expires_at: OffsetDateTime, durable: bool) -> Hold {
        Hold {
            order: Uuid::now_v7(),
            qty: 1,
            expires_at,
            durable,
            expiring: false,
        }
    }

    #[test]
    fn only_durable_holds_that_are_due_start_expiring_and_only_once() {
        let now = OffsetDateTime::now_utc();
        let minute = time::Duration::minutes(1);
        let (due, provisional, later) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut holds: OpenHolds = [
            (later, hold(now + minute, true)),
            (provisional, hold(now - minute, false)),
            (due, hold(now - minute, true)),
        ]
        .into_iter()
        .collect();
        let expiring: Vec<Uuid> = holds
            .start_expiring(now)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(expiring, [due]);
        assert!(holds.start_expiring(now).is_empty());
        assert!(holds.remove(&due).is_some());
        assert!(holds.remove(&due).is_none());
        assert_eq!(
            holds.provisional().map(|(id, _)| *id).collect::<Vec<_>>(),
            [provisional]
        );
        holds.remove(&provisional);
        holds.remove(&later);
        assert!(holds.is_empty());
        assert!(holds.by_expiry.is_empty());
    }
}
