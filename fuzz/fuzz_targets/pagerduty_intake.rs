//! The PagerDuty Events API v2 parser on arbitrary bodies. Whatever the input, it answers with
//! exactly one signal keyed by the returned `dedup_key`, or a 400 naming each problem, never
//! a panic; the signal survives the JSON round trip the alert job makes.

#![no_main]

use firewatch::core::alert::AlertSignal;
use firewatch::integrations::inbound::pagerduty;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    match pagerduty::parse(body) {
        Ok(enqueued) => {
            let signals = enqueued.parsed.alerts.expect("an accepted event has a signal");
            assert_eq!(signals.len(), 1);
            assert_eq!(signals[0].fingerprint, enqueued.dedup_key);
            assert!(!enqueued.dedup_key.is_empty());
            assert!(enqueued.dedup_key.chars().count() <= pagerduty::MAX_DEDUP_KEY);
            assert!(!signals[0].rule.is_empty() || signals[0].status_only);
            let json = serde_json::to_string(&signals).unwrap();
            let back: Vec<AlertSignal> = serde_json::from_str(&json).unwrap();
            assert_eq!(back, signals);
        }
        Err(rejection) => {
            assert_eq!(rejection.status(), 400, "{rejection:?}");
            assert!(!rejection.message().is_empty());
        }
    }
});
