use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
        + CLOCK_SHIFT_MS.with(std::cell::Cell::get)
}

thread_local! {
    static CLOCK_SHIFT_MS: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// Sets how far the store's clock runs ahead on this thread: for a test that replays weeks of
/// cases' lives (deadlines passing, month ends) on a single-threaded runtime, without moving
/// the clock of the tests running beside it. Nothing else calls it.
#[doc(hidden)]
pub fn set_clock_shift_for_tests(ms: i64) {
    CLOCK_SHIFT_MS.with(|c| c.set(ms));
}

/// The pools' `after_release` check: a connection whose transaction could not be ended is closed
/// instead of reused. (A COMMIT that fails on a full disk leaves sqlx counting an open
/// transaction when SQLite has already rolled it back; the ROLLBACK then fails too, and every
/// later `BEGIN` on that connection would be refused.) The ping runs the queued rollback first.
pub(crate) fn release_if_clean<'c, C: sqlx::Connection>(
    conn: &'c mut C,
    _: sqlx::pool::PoolConnectionMetadata,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, sqlx::Error>> + Send + 'c>> {
    Box::pin(async move {
        conn.ping().await?;
        Ok(!conn.is_in_transaction())
    })
}

static LAST: AtomicU64 = AtomicU64::new(0);

/// An application-generated id: `(ms << 10 | seq) << 10 | pid`. Strictly increasing within a
/// process (more than 1,024 ids in a millisecond borrow from the next millisecond); the low bits
/// of the process id keep two processes on one database apart, and a clash would be a refused
/// insert, never an overwrite.
pub fn new_id() -> i64 {
    let now = (now_ms() as u64 & ((1u64 << 42) - 1)) << 10;
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(prev + 1);
        match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => {
                let pid = u64::from(std::process::id()) & 0x3ff;
                return ((next << 10) | pid) as i64;
            }
            Err(p) => prev = p,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_increase() {
        let mut last = 0;
        for _ in 0..5000 {
            let id = super::new_id();
            assert!(id > last);
            last = id;
        }
    }
}
