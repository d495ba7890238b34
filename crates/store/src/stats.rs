//! What a store tells about itself for monitoring: its connection pools and the intake writer's
//! batches (how many, how many cases, how big, how many written one by one after a failure).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Upper bounds of the batch-size histogram.
pub const BATCH_BUCKETS: [u64; 8] = [1, 2, 4, 8, 16, 32, 64, 128];

/// Counters the intake writer keeps (lock-free; read at any time).
#[derive(Default)]
pub struct IntakeStats {
    pub batches: AtomicU64,
    pub cases: AtomicU64,
    /// Batches that failed as a whole and were written case by case.
    pub split_batches: AtomicU64,
    pub by_size: [AtomicU64; 8],
}

impl IntakeStats {
    pub fn record(&self, size: usize) {
        self.batches.fetch_add(1, Relaxed);
        self.cases.fetch_add(size as u64, Relaxed);
        let i = BATCH_BUCKETS
            .iter()
            .position(|&b| size as u64 <= b)
            .unwrap_or(BATCH_BUCKETS.len() - 1);
        self.by_size[i].fetch_add(1, Relaxed);
    }
}

/// A snapshot for `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct StoreStats {
    /// (pool name, open connections, idle connections)
    pub pools: Vec<(&'static str, u32, u32)>,
    pub intake_batches: u64,
    pub intake_cases: u64,
    pub intake_split_batches: u64,
    /// Batches of at most `BATCH_BUCKETS[i]` cases (not cumulative).
    pub intake_batch_sizes: [u64; 8],
}

impl StoreStats {
    pub fn with_intake(mut self, s: &IntakeStats) -> StoreStats {
        self.intake_batches = s.batches.load(Relaxed);
        self.intake_cases = s.cases.load(Relaxed);
        self.intake_split_batches = s.split_batches.load(Relaxed);
        for (slot, n) in self.intake_batch_sizes.iter_mut().zip(&s.by_size) {
            *slot = n.load(Relaxed);
        }
        self
    }
}
