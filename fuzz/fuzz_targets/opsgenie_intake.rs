//! Opsgenie's Alert API as Firewatch takes it (`POST /v2/alerts`, and `acknowledge` / `close`
//! by alias): `opsgenie::parse_create` and `opsgenie::parse_action`.
//!
//! Input layout (see README.md):
//!
//! ```text
//! byte 0   bit 0: an action instead of a create; bit 1: close rather than acknowledge;
//!          bit 2: identifierType is `alias` (else the text below)
//! then     alias \0 identifierType \0 body
//! ```
//!
//! With fewer than two `\0` after byte 0, the rest is the body, the alias `db-1`.

#![no_main]

use firewatch::integrations::inbound::opsgenie::{self, Action};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut fields = rest.splitn(3, |byte| *byte == 0);
    let (alias, kind, body) = match (fields.next(), fields.next(), fields.next()) {
        (Some(a), Some(k), Some(b)) => (String::from_utf8_lossy(a).into_owned(), Some(k), b),
        _ => ("db-1".to_owned(), None, rest),
    };
    let kind = kind.map(|k| String::from_utf8_lossy(k).into_owned());
    let identifier_type = if flags & 0b100 != 0 {
        Some("alias")
    } else {
        kind.as_deref()
    };
    let parsed = if flags & 1 != 0 {
        let action = if flags & 0b10 != 0 {
            Action::Close
        } else {
            Action::Acknowledge
        };
        opsgenie::parse_action(&alias, identifier_type, action, body)
    } else {
        opsgenie::parse_create(body, "01J00000000000000000000000")
    };
    match parsed {
        Ok(parsed) => {
            assert!(!parsed.kind.is_empty());
            for signal in parsed.alerts.iter().flatten() {
                assert!(!signal.fingerprint.is_empty(), "{signal:?}");
            }
        }
        // Opsgenie answers a bad request with 4xx: 400, or 422 for a body it read.
        Err(rejection) => assert!((400..500).contains(&rejection.status()), "{rejection:?}"),
    }
});
