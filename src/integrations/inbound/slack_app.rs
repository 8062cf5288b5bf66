//! What a Slack app receives from Slack: requests signed with the app's signing secret
//! (<https://api.slack.com/authentication/verifying-requests-from-slack>), and the
//! interactivity payloads: a button click (`block_actions`) and a modal's submission
//! (`view_submission`).

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde::Deserialize;
use sha2::Sha256;

/// How far a request's timestamp may be from now: Slack's advice, against replays.
pub const MAX_AGE_SECONDS: i64 = 5 * 60;

/// Checks `X-Slack-Signature` (`v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}`
/// under the signing secret), in constant time, and that `X-Slack-Request-Timestamp` is
/// within five minutes of `now`. The error is a sentence for the answer.
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: Timestamp,
) -> Result<(), &'static str> {
    let timestamp = timestamp.ok_or("X-Slack-Request-Timestamp is missing")?;
    let seconds: i64 = timestamp
        .parse()
        .map_err(|_| "X-Slack-Request-Timestamp is not a number of seconds")?;
    // abs_diff: a timestamp near i64::MIN must not overflow the subtraction.
    if now.as_second().abs_diff(seconds) > MAX_AGE_SECONDS.unsigned_abs() {
        return Err("the request is more than five minutes old (or ahead): it may be a replay");
    }
    let signature = signature.ok_or("X-Slack-Signature is missing")?;
    let claimed = signature
        .strip_prefix("v0=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or("X-Slack-Signature is not v0= and a hex digest")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| "the signing secret cannot key an HMAC")?;
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.verify_slice(&claimed)
        .map_err(|_| "X-Slack-Signature does not match the body under the app's signing secret")
}

/// An interactivity payload (`block_actions`, `view_submission`), as much as Firewatch reads.
#[derive(Debug, Deserialize)]
pub struct Interaction {
    #[serde(rename = "type")]
    pub kind: String,
    pub user: SlackUser,
    #[serde(default)]
    pub channel: Option<SlackChannel>,
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Opens a modal, for three seconds.
    #[serde(default)]
    pub trigger_id: Option<String>,
    /// The submitted modal.
    #[serde(default)]
    pub view: Option<View>,
}

#[derive(Debug, Deserialize)]
pub struct View {
    #[serde(default)]
    pub callback_id: String,
    #[serde(default)]
    pub private_metadata: String,
    #[serde(default)]
    pub state: serde_json::Value,
}

impl View {
    /// What was entered, by field name (a modal's `block_id`, see `outbound::slack::modal`):
    /// a text's value, a select's chosen value, a ticked box as `"true"`.
    pub fn values(&self) -> std::collections::BTreeMap<String, String> {
        let mut values = std::collections::BTreeMap::new();
        let Some(blocks) = self.state["values"].as_object() else {
            return values;
        };
        for (name, block) in blocks {
            let Some(element) = block.as_object().and_then(|block| block.values().next()) else {
                continue;
            };
            let value = match element["type"].as_str() {
                Some("static_select") => element["selected_option"]["value"].as_str(),
                Some("checkboxes") => element["selected_options"]
                    .as_array()
                    .is_some_and(|chosen| !chosen.is_empty())
                    .then_some("true"),
                _ => element["value"].as_str(),
            };
            if let Some(value) = value {
                values.insert(name.clone(), value.to_owned());
            }
        }
        values
    }
}

#[derive(Debug, Deserialize)]
pub struct SlackUser {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct SlackChannel {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Action {
    pub action_id: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// The interactivity request's form field `payload`, parsed.
pub fn interaction(body: &[u8]) -> Result<Interaction, String> {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|error| format!("the body is not a form: {error}"))?;
    let payload = form
        .into_iter()
        .find(|(name, _)| name == "payload")
        .map(|(_, value)| value)
        .ok_or("the form has no payload field")?;
    serde_json::from_str(&payload)
        .map_err(|error| format!("the payload is not Slack's JSON: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Slack's "Verifying requests from Slack".
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn slacks_own_example_verifies_and_anything_else_does_not() {
        let now = at(1_531_420_618 + 60);
        let check = |timestamp, signature, body: &str, now| {
            verify(SECRET, timestamp, signature, body.as_bytes(), now)
        };
        assert_eq!(check(Some(TIMESTAMP), Some(SIGNATURE), BODY, now), Ok(()));
        let tampered = BODY.replace("roadrunner", "coyote");
        assert!(check(Some(TIMESTAMP), Some(SIGNATURE), &tampered, now).is_err());
        assert!(check(Some("1531420619"), Some(SIGNATURE), BODY, now).is_err());
        assert!(check(Some(TIMESTAMP), Some("v1=00"), BODY, now).is_err());
        assert!(check(None, Some(SIGNATURE), BODY, now).is_err());
        assert!(check(Some(TIMESTAMP), None, BODY, now).is_err());
        let stale = check(
            Some(TIMESTAMP),
            Some(SIGNATURE),
            BODY,
            at(1_531_420_618 + MAX_AGE_SECONDS + 1),
        );
        assert_eq!(
            stale,
            Err("the request is more than five minutes old (or ahead): it may be a replay")
        );
        // Found while writing its fuzz target (chat_interaction): the age overflowed.
        for extreme in [i64::MIN, i64::MAX] {
            let timestamp = extreme.to_string();
            let checked = verify(
                SECRET,
                Some(&timestamp),
                Some(SIGNATURE),
                BODY.as_bytes(),
                now,
            );
            assert!(checked.is_err());
        }
    }
}
