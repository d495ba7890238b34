//! Login throttles kept in memory: by client address (with a backoff that doubles), and for
//! usernames that do not exist, which are answered exactly like accounts that do — locked after
//! the same number of failures for the same time — so the answers never tell which names exist.
//! (Existing accounts keep their failure count in the database, shared by every server.)

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// A failure count and until when (ms) its owner is refused.
#[derive(Clone, Copy, Default)]
struct Count {
    failures: u32,
    until: i64,
    last: i64,
}

pub struct LoginThrottle {
    by_client: Mutex<HashMap<IpAddr, Count>>,
    by_unknown_name: Mutex<HashMap<String, Count>>,
    /// Failures from one client before it is held back (then 1 min, doubling, at most 1 h).
    per_client: u32,
}

const FORGET_MS: i64 = 3_600_000;
const MAX_ENTRIES: usize = 100_000;

impl LoginThrottle {
    pub fn new(per_client: u32) -> LoginThrottle {
        LoginThrottle {
            by_client: Mutex::default(),
            by_unknown_name: Mutex::default(),
            per_client: per_client.max(1),
        }
    }

    /// Until when (ms) this client is held back, if it is now.
    pub fn client_blocked(&self, ip: IpAddr, now: i64) -> Option<i64> {
        let m = self.by_client.lock().unwrap_or_else(|e| e.into_inner());
        m.get(&ip).map(|c| c.until).filter(|&u| u > now)
    }

    pub fn client_failed(&self, ip: IpAddr, now: i64) {
        let mut m = self.by_client.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > MAX_ENTRIES {
            m.retain(|_, c| c.last + FORGET_MS > now || c.until > now);
        }
        let c = m.entry(ip).or_default();
        if c.last + FORGET_MS < now && c.until <= now {
            *c = Count::default();
        }
        c.failures += 1;
        c.last = now;
        if c.failures >= self.per_client {
            let doublings = (c.failures - self.per_client).min(6);
            c.until = now + 60_000 * (1 << doublings);
        }
    }

    /// Until when an unknown name is "locked", if it is now.
    pub fn name_locked(&self, name: &str, now: i64) -> Option<i64> {
        let m = self
            .by_unknown_name
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        m.get(name).map(|c| c.until).filter(|&u| u > now)
    }

    /// Counts a failure for an unknown name as the database counts one for an account: the
    /// `lock_after`-th locks it for `lock_ms`, and an expired lock starts the count again.
    pub fn name_failed(&self, name: &str, now: i64, lock_after: i32, lock_ms: i64) -> u32 {
        let mut m = self
            .by_unknown_name
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if m.len() > MAX_ENTRIES {
            m.retain(|_, c| c.last + FORGET_MS > now || c.until > now);
        }
        // Exactly as the database compares account names.
        let c = m.entry(name.to_string()).or_default();
        if c.until != 0 && c.until <= now {
            *c = Count::default();
        }
        c.failures += 1;
        c.last = now;
        if c.failures as i32 >= lock_after {
            c.until = now + lock_ms;
        }
        c.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_held_back_with_a_doubling_backoff() {
        let t = LoginThrottle::new(3);
        let ip: IpAddr = "10.1.1.1".parse().unwrap();
        for _ in 0..2 {
            t.client_failed(ip, 1_000);
        }
        assert_eq!(t.client_blocked(ip, 1_000), None);
        t.client_failed(ip, 1_000);
        assert_eq!(t.client_blocked(ip, 1_000), Some(61_000));
        t.client_failed(ip, 2_000);
        assert_eq!(t.client_blocked(ip, 2_000), Some(122_000));
        assert_eq!(t.client_blocked("10.1.1.2".parse().unwrap(), 2_000), None);
    }

    #[test]
    fn unknown_names_lock_like_accounts_and_unlock_when_the_lock_expires() {
        let t = LoginThrottle::new(100);
        for i in 1..=5 {
            assert_eq!(t.name_failed("Nobody", 0, 5, 900_000), i);
        }
        assert_eq!(t.name_locked("Nobody", 1), Some(900_000));
        assert_eq!(
            t.name_locked("nobody", 1),
            None,
            "names compare exactly, as accounts do"
        );
        assert_eq!(t.name_locked("Nobody", 900_000), None);
        assert_eq!(
            t.name_failed("Nobody", 900_001, 5, 900_000),
            1,
            "counting starts again"
        );
    }
}
