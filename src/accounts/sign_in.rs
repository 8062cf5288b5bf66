//! The sign-in rate limit: failed attempts per user name and per client address.

use std::collections::HashMap;
use std::net::IpAddr;

use jiff::{SignedDuration, Timestamp};

use crate::integrations::inbound::TokenBucket;

/// Failed sign-ins per user name and per client address, so passwords cannot be guessed
/// quickly: a name gets 5 failures and then one a minute; an address 20 and then one every
/// 6 s. Successful sign-ins cost nothing, so a whole office behind one address can sign in.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    buckets: HashMap<String, TokenBucket>,
}

const NAME_BURST: f64 = 5.0;

const NAME_PER_SECOND: f64 = 1.0 / 60.0;

const ADDRESS_BURST: f64 = 20.0;

const ADDRESS_PER_SECOND: f64 = 1.0 / 6.0;

/// Past this many tracked keys, buckets that have refilled are forgotten.
const MAX_TRACKED: usize = 10_000;

impl LoginLimiter {
    /// Refuses an attempt, saying how long to wait, when too many have failed.
    pub fn check(
        &self,
        name: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(), SignedDuration> {
        let mut wait: Option<SignedDuration> = None;
        for key in Self::keys(name, address) {
            let (burst, rate) = Self::limits(&key);
            if let Some(Err(needed)) = self.buckets.get(&key).map(|b| b.check(rate, burst, now)) {
                wait = Some(wait.map_or(needed, |w| w.max(needed)));
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failed attempt against the name and the address.
    pub fn failed(&mut self, name: &str, address: Option<IpAddr>, now: Timestamp) {
        if self.buckets.len() > MAX_TRACKED {
            self.buckets.retain(|key, bucket| {
                let (burst, rate) = Self::limits(key);
                !bucket.refilled(rate, burst, now)
            });
        }
        for key in Self::keys(name, address) {
            let (burst, rate) = Self::limits(&key);
            let _ = self
                .buckets
                .entry(key)
                .or_insert_with(|| TokenBucket::full(burst, now))
                .take(rate, burst, now);
        }
    }

    /// After a successful sign-in the name starts afresh.
    pub fn succeeded(&mut self, name: &str) {
        self.buckets
            .remove(&format!("name:{}", name.to_lowercase()));
    }

    fn keys(name: &str, address: Option<IpAddr>) -> Vec<String> {
        let mut keys = vec![format!("name:{}", name.to_lowercase())];
        keys.extend(address.map(|address| format!("address:{address}")));
        keys
    }

    fn limits(key: &str) -> (f64, f64) {
        if key.starts_with("name:") {
            (NAME_BURST, NAME_PER_SECOND)
        } else {
            (ADDRESS_BURST, ADDRESS_PER_SECOND)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_gets_five_failures_then_one_a_minute() {
        let mut limiter = LoginLimiter::default();
        let start = Timestamp::UNIX_EPOCH;
        for _ in 0..5 {
            assert!(limiter.check("Ana", None, start).is_ok());
            limiter.failed("Ana", None, start);
        }
        let wait = limiter.check("ana", None, start).unwrap_err();
        assert!(wait > SignedDuration::from_secs(50), "{wait:?}");
        let later = start + SignedDuration::from_secs(61);
        assert!(limiter.check("ana", None, later).is_ok());
        limiter.failed("ana", None, later);
        assert!(limiter.check("ana", None, later).is_err());
        limiter.succeeded("ANA");
        assert!(limiter.check("ana", None, later).is_ok());
    }

    #[test]
    fn an_address_is_limited_across_names_by_failures_only() {
        let mut limiter = LoginLimiter::default();
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        let now = Timestamp::UNIX_EPOCH;
        // Successful sign-ins are never counted: only check, no failure recorded.
        for n in 0..100 {
            assert!(
                limiter
                    .check(&format!("user{n}"), Some(address), now)
                    .is_ok()
            );
        }
        for n in 0..20 {
            limiter.failed(&format!("user{n}"), Some(address), now);
        }
        assert!(limiter.check("another", Some(address), now).is_err());
        assert!(limiter.check("another", None, now).is_ok());
    }
}
