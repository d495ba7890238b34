//! The login throttle by client address, kept in memory: after many failures from one address it
//! is held back for a minute, doubling. (Failures by name — accounts and names that are no
//! account alike — are counted in the database, shared by every server.)

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
    /// Failures from one client before it is held back (then 1 min, doubling, at most 1 h).
    per_client: u32,
}

const FORGET_MS: i64 = 3_600_000;
const MAX_ENTRIES: usize = 100_000;

impl LoginThrottle {
    pub fn new(per_client: u32) -> LoginThrottle {
        LoginThrottle {
            by_client: Mutex::default(),
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
}
