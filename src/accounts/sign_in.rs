//! The sign-in throttle: failed attempts per user name, per client address and per trusted
//! device, each with a growing wait rather than a lock-out.
//!
//! A name gets 5 failures free, an address 20 (an office behind one address shares it), a
//! device 5; after that each further failure doubles the wait before the next attempt, from
//! 1 s up to a cap. A browser that signed in as a user before carries a device cookie
//! (OWASP's device-cookie approach, [`device_cookie`]); its attempts for that user are counted
//! against the device alone, so guesses from elsewhere, at that name or from that address,
//! never keep its owner out.

use std::collections::HashMap;
use std::net::IpAddr;

use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

/// Who an attempt counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt<'a> {
    /// A browser with no device cookie for this user: counted per name and per address.
    Untrusted {
        name: &'a str,
        address: Option<IpAddr>,
    },
    /// A browser whose device cookie for this user checked out: counted per device.
    Device(&'a str),
}

#[derive(Debug, Clone, Copy)]
struct Policy {
    free: u32,
    cap: SignedDuration,
}

const NAME: Policy = Policy {
    free: 5,
    cap: SignedDuration::from_mins(15),
};

const ADDRESS: Policy = Policy {
    free: 20,
    cap: SignedDuration::from_mins(1),
};

const DEVICE: Policy = Policy {
    free: 5,
    cap: SignedDuration::from_mins(15),
};

/// A key with no failure for this long starts afresh.
const FORGET_AFTER: SignedDuration = SignedDuration::from_hours(1);

/// Past this many tracked keys, forgotten ones are dropped.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Timestamp,
}

impl Policy {
    /// How long after the last failure the next attempt may come.
    fn wait_after(self, count: u32) -> SignedDuration {
        if count < self.free {
            return SignedDuration::ZERO;
        }
        let doublings = (count - self.free).min(20);
        SignedDuration::from_secs(1_i64 << doublings).min(self.cap)
    }
}

#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: HashMap<String, Failures>,
}

impl LoginLimiter {
    /// Refuses an attempt, saying how long to wait, while a key it counts against is waiting.
    pub fn check(&self, attempt: Attempt<'_>, now: Timestamp) -> Result<(), SignedDuration> {
        let mut wait = SignedDuration::ZERO;
        for (key, policy) in Self::keys(attempt) {
            if let Some(failures) = self.failures.get(&key) {
                if now.duration_since(failures.last) >= FORGET_AFTER {
                    continue;
                }
                let ready = failures
                    .last
                    .saturating_add(policy.wait_after(failures.count))
                    .unwrap_or(failures.last);
                wait = wait.max(ready.duration_since(now));
            }
        }
        if wait > SignedDuration::ZERO {
            Err(wait)
        } else {
            Ok(())
        }
    }

    /// Counts a failed attempt against every key of `attempt`.
    pub fn failed(&mut self, attempt: Attempt<'_>, now: Timestamp) {
        if self.failures.len() > MAX_TRACKED {
            self.failures
                .retain(|_, failures| now.duration_since(failures.last) < FORGET_AFTER);
        }
        for (key, _) in Self::keys(attempt) {
            let failures = self.failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
            });
            if now.duration_since(failures.last) >= FORGET_AFTER {
                failures.count = 0;
            }
            failures.count += 1;
            failures.last = now;
        }
    }

    /// After a successful sign-in the name and the device start afresh; the address does
    /// not, since others share it.
    pub fn succeeded(&mut self, attempt: Attempt<'_>) {
        for (key, _) in Self::keys(attempt) {
            if !key.starts_with("address:") {
                self.failures.remove(&key);
            }
        }
    }

    fn keys(attempt: Attempt<'_>) -> Vec<(String, Policy)> {
        match attempt {
            Attempt::Untrusted { name, address } => {
                let mut keys = vec![(format!("name:{}", name.to_lowercase()), NAME)];
                keys.extend(address.map(|address| (format!("address:{address}"), ADDRESS)));
                keys
            }
            Attempt::Device(device) => vec![(format!("device:{device}"), DEVICE)],
        }
    }
}

/// How long a device cookie is good for.
pub const DEVICE_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 180);

type HmacSha256 = Hmac<Sha256>;

/// A device cookie's value for `user`, issued at `now`: `user.issued.mac`, keyed by the
/// user's password hash, so it needs no key of its own and ends when the password changes.
pub fn device_cookie(user: &str, password_hash: &str, now: Timestamp) -> String {
    let issued = now.as_second();
    format!(
        "{}.{issued}.{}",
        hex::encode(user),
        device_mac(user, issued, password_hash)
    )
}

/// The device id (its MAC) when `cookie` is a live device cookie for `user`.
pub fn trusted_device(
    cookie: &str,
    user: &str,
    password_hash: &str,
    now: Timestamp,
) -> Option<String> {
    let mut parts = cookie.splitn(3, '.');
    let named = String::from_utf8(hex::decode(parts.next()?).ok()?).ok()?;
    let issued: i64 = parts.next()?.parse().ok()?;
    let mac = parts.next()?;
    if named != user {
        return None;
    }
    let age = SignedDuration::from_secs(now.as_second().saturating_sub(issued));
    if age.is_negative() || age > DEVICE_LIFETIME {
        return None;
    }
    let expected = device_mac(user, issued, password_hash);
    use subtle::ConstantTimeEq as _;
    bool::from(expected.as_bytes().ct_eq(mac.as_bytes())).then_some(expected)
}

fn device_mac(user: &str, issued: i64, password_hash: &str) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(password_hash.as_bytes()) else {
        return String::new();
    };
    mac.update(b"firewatch device cookie\0");
    mac.update(user.as_bytes());
    mac.update(b"\0");
    mac.update(issued.to_string().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untrusted(name: &str, address: Option<IpAddr>) -> Attempt<'_> {
        Attempt::Untrusted { name, address }
    }

    #[test]
    fn a_name_gets_five_failures_then_a_doubling_wait() {
        let mut limiter = LoginLimiter::default();
        let start = Timestamp::UNIX_EPOCH;
        for _ in 0..5 {
            assert!(limiter.check(untrusted("Ana", None), start).is_ok());
            limiter.failed(untrusted("Ana", None), start);
        }
        assert_eq!(
            limiter.check(untrusted("ana", None), start),
            Err(SignedDuration::from_secs(1))
        );
        let mut at = start;
        for wait in [1, 2, 4, 8, 16] {
            at += SignedDuration::from_secs(wait);
            assert!(limiter.check(untrusted("ana", None), at).is_ok(), "{wait}");
            limiter.failed(untrusted("ana", None), at);
            assert_eq!(
                limiter.check(untrusted("ana", None), at),
                Err(SignedDuration::from_secs(wait * 2))
            );
        }
        // Capped, never a lock-out.
        for _ in 0..30 {
            limiter.failed(untrusted("ana", None), at);
        }
        assert_eq!(
            limiter.check(untrusted("ana", None), at),
            Err(SignedDuration::from_mins(15))
        );
        limiter.succeeded(untrusted("ANA", None));
        assert!(limiter.check(untrusted("ana", None), at).is_ok());
        // An hour without failures starts afresh.
        for _ in 0..10 {
            limiter.failed(untrusted("mina", None), at);
        }
        assert!(limiter.check(untrusted("mina", None), at).is_err());
        assert!(
            limiter
                .check(untrusted("mina", None), at + SignedDuration::from_hours(1))
                .is_ok()
        );
    }

    #[test]
    fn guesses_from_an_address_never_keep_a_trusted_device_out() {
        let mut limiter = LoginLimiter::default();
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        let now = Timestamp::UNIX_EPOCH;
        for n in 0..25 {
            limiter.failed(untrusted(&format!("made-up-{n}"), Some(address)), now);
        }
        assert!(
            limiter
                .check(untrusted("admin", Some(address)), now)
                .is_err()
        );
        assert!(limiter.check(untrusted("admin", None), now).is_ok());
        assert!(limiter.check(Attempt::Device("d1"), now).is_ok());
        // A device has its own count.
        for _ in 0..5 {
            limiter.failed(Attempt::Device("d1"), now);
        }
        assert!(limiter.check(Attempt::Device("d1"), now).is_err());
        assert!(limiter.check(Attempt::Device("d2"), now).is_ok());
    }

    #[test]
    fn a_device_cookie_is_for_its_user_and_password_only() {
        let now: Timestamp = "2026-12-06T00:00:00Z".parse().unwrap();
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";
        let cookie = device_cookie("ana", hash, now);
        let device = trusted_device(&cookie, "ana", hash, now).unwrap();
        assert_eq!(device.len(), 64);
        assert!(trusted_device(&cookie, "mina", hash, now).is_none());
        assert!(trusted_device(&cookie, "ana", "another hash", now).is_none());
        let later = now + DEVICE_LIFETIME + SignedDuration::from_secs(1);
        assert!(trusted_device(&cookie, "ana", hash, later).is_none());
        let last = if cookie.ends_with('0') { '1' } else { '0' };
        let forged = format!("{}{last}", &cookie[..cookie.len() - 1]);
        assert!(trusted_device(&forged, "ana", hash, now).is_none());
        assert!(trusted_device("garbage", "ana", hash, now).is_none());
    }
}
