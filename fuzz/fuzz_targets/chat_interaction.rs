//! Slack's interactivity requests, as Firewatch's Slack app receives them: the signature check
//! (`slack_app::verify`) and the form's `payload` (`slack_app::interaction`).
//!
//! Input layout (see README.md):
//!
//! ```text
//! timestamp \0 signature \0 secret \0 body
//! ```
//!
//! `now` is fixed (2018-07-12T18:43:38Z, Slack's documented example); text fields are taken
//! lossily as UTF-8. With fewer than three `\0`, the whole input is the body.

#![no_main]

use firewatch::integrations::inbound::slack_app;
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = data.splitn(4, |byte| *byte == 0);
    let (timestamp, signature, secret, body) =
        match (fields.next(), fields.next(), fields.next(), fields.next()) {
            (Some(t), Some(s), Some(k), Some(b)) => (Some(t), Some(s), k, b),
            _ => (None, None, &b""[..], data),
        };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let now = Timestamp::from_second(1_531_420_618).unwrap();
    let timestamp = timestamp.map(text);
    let signature = signature.map(text);
    // Any header, any secret: an answer, never a panic.
    let _ = slack_app::verify(
        &text(secret),
        timestamp.as_deref(),
        signature.as_deref(),
        body,
        now,
    );
    // A payload or a sentence saying why not.
    if let Err(reason) = slack_app::interaction(body) {
        assert!(!reason.is_empty());
    }
});
