//! [`Registry`]: one actor per key, started lazily on first use.
//!
//! Actors stop themselves when idle, so a catalog of millions of products costs memory only for
//! the products in play. The registry notices a stopped actor the next time its key is asked
//! for and starts a fresh one, which loads its state again. It forgets stopped actors whenever it
//! has doubled since it last did, so keys that never come back (one cart per user who ever shopped)
//! cost nothing once their actors have stopped.

use actix::{Actor, Addr};
use std::collections::HashMap;
use std::hash::Hash;

/// Below this many entries the registry keeps stopped actors until their keys come back.
const FIRST_SWEEP: usize = 1024;

/// Live actors by key.
pub struct Registry<K, A: Actor> {
    actors: HashMap<K, Addr<A>>,
    /// At this many entries, starting an actor for a new key first forgets the stopped ones.
    sweep_at: usize,
}

impl<K: Eq + Hash, A: Actor> Default for Registry<K, A> {
    fn default() -> Self {
        Self {
            actors: HashMap::new(),
            sweep_at: FIRST_SWEEP,
        }
    }
}

impl<K: Eq + Hash, A: Actor> Registry<K, A> {
    /// The running actor of `key`, or a new one from `start` if there is none or it stopped.
    pub fn get_or_start(&mut self, key: K, start: impl FnOnce() -> Addr<A>) -> Addr<A> {
        match self.actors.get(&key) {
            Some(addr) if addr.connected() => addr.clone(),
            _ => {
                if self.actors.len() >= self.sweep_at {
                    self.prune();
                }
                let addr = start();
                self.actors.insert(key, addr.clone());
                addr
            }
        }
    }

    /// The actor of `key`, if one was started (it may have stopped since).
    pub fn get(&self, key: &K) -> Option<&Addr<A>> {
        self.actors.get(key)
    }

    /// How many registered actors are still running.
    pub fn running(&self) -> usize {
        self.actors.values().filter(|addr| addr.connected()).count()
    }

    /// Forgets the actors that have stopped, and the room they took.
    pub fn prune(&mut self) {
        self.actors.retain(|_, addr| addr.connected());
        self.sweep_at = FIRST_SWEEP.max(2 * self.actors.len());
        self.actors.shrink_to(self.sweep_at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix::{ActorContext, Context, Handler, Message};

    /// A counter that stops itself on [`Stop`].
    struct Counter(u32);

    impl Actor for Counter {
        type Context = Context<Self>;
    }

    /// Adds one and answers the new count.
    #[derive(Message)]
    #[rtype(result = "u32")]
    struct Increment;

    /// Stops the actor, as an idle actor does.
    #[derive(Message)]
    #[rtype(result = "()")]
    struct Stop;

    impl Handler<Increment> for Counter {
        type Result = u32;
        fn handle(&mut self, _: Increment, _: &mut Context<Self>) -> u32 {
            self.0 += 1;
            self.0
        }
    }

    impl Handler<Stop> for Counter {
        type Result = ();
        fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
            ctx.stop();
        }
    }

    #[actix::test]
    async fn one_actor_per_key_restarted_after_it_stops() {
        let mut registry: Registry<&str, Counter> = Registry::default();
        let a = registry.get_or_start("a", || Counter(0).start());
        assert_eq!(a.send(Increment).await.unwrap(), 1);
        let again = registry.get_or_start("a", || Counter(100).start());
        assert_eq!(
            again.send(Increment).await.unwrap(),
            2,
            "same actor for the same key"
        );
        registry.get_or_start("b", || Counter(0).start());
        assert_eq!(registry.running(), 2);

        a.send(Stop).await.unwrap();
        // Let the stopped actor's context finish.
        actix::clock::sleep(std::time::Duration::from_millis(10)).await;
        assert_eq!(registry.running(), 1);
        let fresh = registry.get_or_start("a", || Counter(100).start());
        assert_eq!(
            fresh.send(Increment).await.unwrap(),
            101,
            "a stopped actor is replaced"
        );
        registry.prune();
        assert_eq!(registry.running(), 2);
    }

    #[actix::test]
    async fn stopped_actors_of_keys_that_never_return_are_forgotten() {
        let mut registry: Registry<u32, Counter> = Registry::default();
        let kept = registry.get_or_start(u32::MAX, || Counter(0).start());
        let per_round = FIRST_SWEEP as u32;
        for round in 0..4 {
            for key in round * per_round..(round + 1) * per_round {
                let once = registry.get_or_start(key, || Counter(0).start());
                once.send(Stop).await.unwrap();
            }
            // Let the stopped actors' contexts finish.
            actix::clock::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(
            registry.actors.len() <= 2 * FIRST_SWEEP,
            "{} entries for one running actor",
            registry.actors.len()
        );
        assert!(registry.actors.capacity() <= 4 * FIRST_SWEEP);
        assert_eq!(
            kept.send(Increment).await.unwrap(),
            1,
            "the running one stays"
        );
        assert_eq!(registry.running(), 1);
    }
}
