//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}`, sent as `v1,<base64>`; several signatures may be
//! sent space-separated. Secrets are `whsec_` followed by the base64 key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far a signed timestamp may be from now, as the specification recommends.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the webhook-id, webhook-timestamp and webhook-signature headers are required")]
    MissingHeaders,
    #[error("webhook-timestamp is not a Unix time in seconds")]
    BadTimestamp,
    #[error("webhook-timestamp is more than 5 minutes from the server's time")]
    TimestampOutOfTolerance,
    #[error("no signature in webhook-signature matches the configured secret")]
    NoMatch,
}

/// The key bytes of a secret: the base64 part of `whsec_…`, or the raw text for other secrets.
pub fn secret_key(secret: &str) -> Vec<u8> {
    match secret.strip_prefix("whsec_") {
        Some(encoded) => BASE64
            .decode(encoded)
            .unwrap_or_else(|_| secret.as_bytes().to_vec()),
        None => secret.as_bytes().to_vec(),
    }
}

fn mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Firewatch's own tag on a value it hands out and takes back unchanged (a button's context, a
/// dialog's state, a link): HMAC-SHA256 under `key` of `parts` joined by newlines, in hex.
pub fn tag(key: &str, parts: &[&str]) -> String {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(parts.join("\n").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `given` is the tag of `parts` under `key`, compared in constant time.
pub fn tag_matches(key: &str, parts: &[&str], given: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(tag(key, parts).as_bytes().ct_eq(given.as_bytes()))
}

/// The `webhook-signature` header value for a message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(&secret_key(secret), id, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    format!("v1,{}", BASE64.encode(tag))
}

/// Verifies a message against any of `secrets` (several, for rotation), in constant time.
pub fn verify(
    secrets: &[String],
    id: Option<&str>,
    timestamp: Option<&str>,
    signatures: Option<&str>,
    body: &[u8],
    now: Timestamp,
) -> Result<(), SignatureError> {
    let (Some(id), Some(timestamp), Some(signatures)) = (id, timestamp, signatures) else {
        return Err(SignatureError::MissingHeaders);
    };
    let seconds: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    // abs_diff: a sender's timestamp near i64::MIN must not overflow (found by fuzzing).
    if now.as_second().abs_diff(seconds) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::TimestampOutOfTolerance);
    }
    let candidates: Vec<Vec<u8>> = signatures
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| BASE64.decode(encoded).ok())
        .collect();
    for secret in secrets {
        let key = secret_key(secret);
        for candidate in &candidates {
            if mac(&key, id, timestamp.trim(), body)
                .verify_slice(candidate)
                .is_ok()
            {
                return Ok(());
            }
        }
    }
    Err(SignatureError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231's second test case: HMAC-SHA256 with the key "Jefe".
    #[test]
    fn a_tag_is_hmac_sha256_in_hex_over_its_parts_joined_by_newlines() {
        assert_eq!(
            tag("Jefe", &["what do ya want for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(tag("k", &["a", "b"]), tag("k", &["a\nb"]));
        assert!(tag_matches("k", &["a", "b"], &tag("k", &["a", "b"])));
        assert!(!tag_matches("k", &["a", "c"], &tag("k", &["a", "b"])));
        assert!(!tag_matches("k", &["a", "b"], ""));
    }

    // The example from the Standard Webhooks reference libraries.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_like_the_reference_implementation() {
        assert_eq!(sign(SECRET, ID, TIMESTAMP, BODY), EXPECTED);
    }

    #[test]
    fn verifies_any_listed_signature_with_any_secret() {
        let now = Timestamp::from_second(TIMESTAMP + 10).unwrap();
        let secrets = vec!["whsec_b2xk".to_owned(), SECRET.to_owned()];
        let header = format!("v1,bm90IGl0 {EXPECTED}");
        let ts = TIMESTAMP.to_string();
        assert_eq!(
            verify(&secrets, Some(ID), Some(&ts), Some(&header), BODY, now),
            Ok(())
        );
        assert_eq!(
            verify(&secrets, Some(ID), Some(&ts), Some(&header), b"{}", now),
            Err(SignatureError::NoMatch)
        );
        let late = Timestamp::from_second(TIMESTAMP + 301).unwrap();
        assert_eq!(
            verify(&secrets, Some(ID), Some(&ts), Some(&header), BODY, late),
            Err(SignatureError::TimestampOutOfTolerance)
        );
        assert_eq!(
            verify(&secrets, None, Some(&ts), Some(&header), BODY, now),
            Err(SignatureError::MissingHeaders)
        );
    }

    /// Regression: the fuzzer's crash input, a timestamp at the bottom of i64's range.
    #[test]
    fn extreme_timestamps_are_out_of_tolerance_not_a_panic() {
        let now = Timestamp::from_second(TIMESTAMP).unwrap();
        for extreme in [i64::MIN, i64::MIN + 19, i64::MAX] {
            let ts = extreme.to_string();
            assert_eq!(
                verify(
                    &[SECRET.to_owned()],
                    Some(ID),
                    Some(&ts),
                    Some(EXPECTED),
                    BODY,
                    now
                ),
                Err(SignatureError::TimestampOutOfTolerance)
            );
        }
    }
}
