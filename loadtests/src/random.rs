//! xorshift64*: a small, seedable generator, so a run's random choices (fault times, the
//! browsing mix) repeat for the same `--seed`.

pub struct Random(u64);

impl Random {
    /// A generator that repeats for the same seed.
    pub fn new(seed: u64) -> Self {
        Random(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// In [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}
