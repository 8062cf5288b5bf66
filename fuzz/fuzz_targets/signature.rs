//! Fuzzes the Standard Webhooks verifier, `core::signing::verify`, and checks that what
//! `signing::sign` produces always verifies.
//!
//! Input layout (see README.md):
//!
//! ```text
//! byte 0      flags: bit 0 webhook-id present, bit 1 webhook-timestamp present,
//!             bit 2 webhook-signature present, bit 3 pass a second secret,
//!             bit 4 webhook-timestamp is the i64 in bytes 7-14 as decimal text instead of the
//!             timestamp field, so the whole i64 range is reached
//! bytes 1-4   `now`, as an i32 offset (little-endian) from 2021-02-25T15:02:10Z (1614265330)
//! bytes 5-6   the signed timestamp's offset from `now` for the round trip, an i16 folded into
//!             the allowed ±300 s
//! bytes 7-14  only with bit 4: the timestamp, an i64 (little-endian)
//! then        id \0 timestamp \0 signatures \0 secret 1 \0 secret 2 \0 body
//! ```
//!
//! Text fields are taken lossily as UTF-8; `verify` and `sign` take `&str`.

#![no_main]

use firewatch::core::signing::{self, SignatureError, TOLERANCE_SECONDS};
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;

/// The timestamp of the Standard Webhooks reference example.
const BASE: i64 = 1_614_265_330;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 7 {
        return;
    }
    let flags = data[0];
    let now_offset = i32::from_le_bytes([data[1], data[2], data[3], data[4]]);
    let skew = i64::from(i16::from_le_bytes([data[5], data[6]])) % (TOLERANCE_SECONDS + 1);
    let (binary_timestamp, rest) = if flags & 0b1_0000 != 0 {
        let Some(bytes) = data.get(7..15) else {
            return;
        };
        let mut stamp = [0; 8];
        stamp.copy_from_slice(bytes);
        (Some(i64::from_le_bytes(stamp)), &data[15..])
    } else {
        (None, &data[7..])
    };
    let mut fields = rest.splitn(6, |&byte| byte == 0);
    let id = text(fields.next().unwrap_or_default());
    let timestamp = text(fields.next().unwrap_or_default());
    let timestamp = binary_timestamp.map_or(timestamp, |stamp| stamp.to_string());
    let signatures = text(fields.next().unwrap_or_default());
    let secret = text(fields.next().unwrap_or_default());
    let other_secret = text(fields.next().unwrap_or_default());
    let body = fields.next().unwrap_or_default();

    let now_seconds = BASE + i64::from(now_offset);
    let Ok(now) = Timestamp::from_second(now_seconds) else {
        return;
    };
    let mut secrets = vec![secret.clone()];
    if flags & 0b1000 != 0 {
        secrets.insert(0, other_secret.clone());
    }

    // Anything at all: must answer, never panic.
    let _ = signing::verify(
        &secrets,
        (flags & 0b001 != 0).then_some(id.as_str()),
        (flags & 0b010 != 0).then_some(timestamp.as_str()),
        (flags & 0b100 != 0).then_some(signatures.as_str()),
        body,
        now,
    );

    // Round trip: a message signed within the tolerance verifies, with the right secret
    // anywhere in the list and the right signature anywhere in the header.
    let signed_at = now_seconds + skew;
    let signature = signing::sign(&secret, &id, signed_at, body);
    let signed_at = signed_at.to_string();
    let header = format!("{} {signature}", signatures.trim());
    assert_eq!(
        signing::verify(&secrets, Some(&id), Some(&signed_at), Some(&header), body, now),
        Ok(()),
        "a signed message did not verify: header {header:?}, timestamp {signed_at}"
    );

    // The same signature over another body must not verify with that secret alone.
    let mut other_body = body.to_vec();
    other_body.push(b'!');
    assert_eq!(
        signing::verify(
            std::slice::from_ref(&secret),
            Some(&id),
            Some(&signed_at),
            Some(&signature),
            &other_body,
            now,
        ),
        Err(SignatureError::NoMatch),
        "a signature verified over a different body"
    );
});
