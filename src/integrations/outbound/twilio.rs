//! Pages by Twilio SMS and voice call, through Twilio's REST API: "Create a Message resource"
//! (<https://www.twilio.com/docs/messaging/api/message-resource>) and "Create a Call resource"
//! (<https://www.twilio.com/docs/voice/api/call-resource>), with the call's TwiML sent inline.
//! The call reads the page inside a `<Gather>`; pressing 4 makes Twilio POST the digit to the
//! gather action URL, and that request is trusted only when its `X-Twilio-Signature` checks
//! out (<https://www.twilio.com/docs/usage/webhooks/webhooks-security>). These are only the
//! requests and documents: the on-call domain sends them and answers the callbacks.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::page::PageMessage;
use crate::integrations::outbound::config::TwilioDestination;

type HmacSha1 = Hmac<Sha1>;

/// The REST API version every resource path starts with.
pub const API_VERSION: &str = "2010-04-01";

/// Twilio refuses a message body over 1,600 characters.
pub const MAX_SMS_CHARS: usize = 1600;

/// The key that acknowledges during a call (PRODUCT.md §2.6). The `<Gather>` takes any one
/// key; what another key does is the caller's to decide.
pub const ACKNOWLEDGE_DIGIT: &str = "4";

/// Twilio takes inline TwiML up to 4,000 characters; each of the two readings of a page gets
/// at most this many (escaped), which leaves room for a long gather action URL.
pub const MAX_SPOKEN_CHARS: usize = 1000;

/// `{api_url}/2010-04-01/Accounts/{sid}/Messages.json`.
pub fn messages_url(twilio: &TwilioDestination) -> String {
    format!(
        "{}/{API_VERSION}/Accounts/{}/Messages.json",
        twilio.api_url(),
        twilio.account_sid
    )
}

/// `{api_url}/2010-04-01/Accounts/{sid}/Calls.json`.
pub fn calls_url(twilio: &TwilioDestination) -> String {
    format!(
        "{}/{API_VERSION}/Accounts/{}/Calls.json",
        twilio.api_url(),
        twilio.account_sid
    )
}

/// The SMS text: the page's text, its summary shortened to fit Twilio's limit so the
/// acknowledge link stays whole.
pub fn sms_body(page: &PageMessage) -> String {
    page.text_within(MAX_SMS_CHARS)
}

/// Sends a page by SMS to `to` (E.164, `+821012345678`). Twilio answers 201 with the queued
/// Message resource (`sid` "SM…").
pub fn sms_request(
    client: &reqwest::Client,
    twilio: &TwilioDestination,
    to: &str,
    page: &PageMessage,
) -> reqwest::RequestBuilder {
    client
        .post(messages_url(twilio))
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .form(&[
            ("To", to),
            ("From", twilio.from.as_str()),
            ("Body", sms_body(page).as_str()),
        ])
}

/// Calls `to` and runs `twiml` (from `call_twiml`) when it is answered. With a
/// `status_callback`, Twilio POSTs the call's final status there (`completed`, `busy`,
/// `no-answer`, `failed`, `canceled`: its default event). Twilio answers 201 with the queued
/// Call resource (`sid` "CA…").
pub fn call_request(
    client: &reqwest::Client,
    twilio: &TwilioDestination,
    to: &str,
    twiml: &str,
    status_callback: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut form = vec![("To", to), ("From", twilio.from.as_str()), ("Twiml", twiml)];
    if let Some(url) = status_callback {
        form.push(("StatusCallback", url));
        form.push(("StatusCallbackMethod", "POST"));
    }
    client
        .post(calls_url(twilio))
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .form(&form)
}

/// Escapes text for XML content and attribute values alike.
pub fn xml_escape(text: &str) -> String {
    escape_within(text, usize::MAX)
}

/// Escapes `text` into at most `max` characters, cutting whole characters (never an entity)
/// and marking a cut with "…".
fn escape_within(text: &str, max: usize) -> String {
    let count = text.chars().count();
    let mut escaped = String::new();
    let mut length = 0;
    for (index, character) in text.chars().enumerate() {
        let piece = match character {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            other => other.to_string(),
        };
        let piece_length = piece.chars().count();
        let last = index + 1 == count;
        // Leave room for the "…" unless this is the last character.
        let room = if last { max } else { max.saturating_sub(1) };
        if length + piece_length > room {
            escaped.push('…');
            return escaped;
        }
        escaped.push_str(&piece);
        length += piece_length;
    }
    escaped
}

/// What the call says about the page, once.
fn spoken(page: &PageMessage) -> String {
    let locale = page.locale;
    let opening = if page.is_test() {
        locale.text("page-voice-test")
    } else {
        locale.text_with(
            "page-voice-opening",
            &[("severity", super::page::severity_word(page).into())],
        )
    };
    let summary = page.summary.trim();
    // A full stop lets the voice pause before what follows.
    let stop = if summary.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    };
    let more = if page.more > 0 {
        format!(
            " {}",
            locale.text_with("page-voice-more", &[("count", page.more.into())])
        )
    } else {
        String::new()
    };
    let press = locale.text_with("page-voice-press", &[("digit", ACKNOWLEDGE_DIGIT.into())]);
    format!("{opening} {summary}{stop}{more} {press}")
}

/// `<Say>` in the page's language: Amazon Polly's Korean voice for Korean, Twilio's default
/// (English) otherwise.
fn say(page: &PageMessage) -> &'static str {
    say_in(page.locale)
}

fn say_in(locale: crate::i18n::Locale) -> &'static str {
    match locale {
        crate::i18n::Locale::Ko => "<Say language=\"ko-KR\" voice=\"Polly.Seoyeon\">",
        crate::i18n::Locale::En => "<Say>",
    }
}

/// The call's TwiML: the page read twice inside a one-digit `<Gather>` whose digit Twilio
/// POSTs to `gather_action_url`, then a goodbye when no key was pressed (Twilio goes on to the
/// verb after `<Gather>` when it times out).
pub fn call_twiml(page: &PageMessage, gather_action_url: &str) -> String {
    let said = escape_within(&spoken(page), MAX_SPOKEN_CHARS);
    let say = say(page);
    let goodbye = xml_escape(&page.locale.text("page-voice-no-answer"));
    format!(
        "<Response><Gather numDigits=\"1\" action=\"{action}\" method=\"POST\">\
         {say}{said}</Say><Pause length=\"1\"/>{say}{said}</Say></Gather>\
         {say}{goodbye}</Say></Response>",
        action = xml_escape(gather_action_url),
    )
}

/// The answer to the gather action: whether the page was acknowledged, a sentence of
/// `detail` (e.g. "It was already resolved."), and a hang-up, in the person's language.
pub fn gather_reply_twiml(acknowledged: bool, detail: &str, locale: crate::i18n::Locale) -> String {
    let mut said = locale.text(if acknowledged {
        "call-acknowledged"
    } else {
        "call-not-acknowledged"
    });
    let detail = detail.trim();
    if !detail.is_empty() {
        said.push(' ');
        said.push_str(detail);
    }
    said.push(' ');
    said.push_str(&locale.text("call-goodbye"));
    format!(
        "<Response>{}{}</Say><Hangup/></Response>",
        say_in(locale),
        escape_within(&said, MAX_SPOKEN_CHARS)
    )
}

/// Twilio's `X-Twilio-Signature` for a request: HMAC-SHA1, keyed with the auth token, of the
/// full URL (as Twilio requested it, query included) followed by each POST parameter's name
/// and value, sorted by name (byte order, as Unix sorts), base64-encoded.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    BASE64.encode(
        signature_mac(auth_token, url, params)
            .finalize()
            .into_bytes(),
    )
}

fn signature_mac(auth_token: &str, url: &str, params: &[(String, String)]) -> HmacSha1 {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac =
        HmacSha1::new_from_slice(auth_token.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(url.as_bytes());
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // By name, then by value for a repeated name, as Twilio's own validators do.
    sorted.sort();
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// Whether `header` (the request's `X-Twilio-Signature`) is Twilio's signature of `url` and
/// the form `params` under `auth_token`, compared in constant time. `url` must be the URL
/// exactly as Twilio requested it: behind a proxy, the public one, not the one the server saw.
pub fn signature_valid(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: &str,
) -> bool {
    // Anyone can sign with an empty key; config refuses one, and so does this.
    if auth_token.is_empty() {
        return false;
    }
    let Ok(claimed) = BASE64.decode(header.trim()) else {
        return false;
    };
    signature_mac(auth_token, url, params)
        .verify_slice(&claimed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;
    use crate::integrations::outbound::page::tests::{alert_page, test_page};
    use crate::integrations::outbound::recorder::{Recorder, client};

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "your_auth_token";
    const FROM: &str = "+15017122661";
    const TO: &str = "+821012345678";
    const GATHER: &str = "https://fw.example.com/hooks/twilio/gather?page=pg_01&t=x";

    /// Shaped like Twilio's answers to "Create a Message resource" and "Create a Call resource".
    const MESSAGE_ANSWER: &str = r#"{"sid":"SM1f0e8ae6ade43cb3c0ce4525424e404f","status":"queued","to":"+821012345678","from":"+15017122661","direction":"outbound-api"}"#;
    const CALL_ANSWER: &str = r#"{"sid":"CAe1644a7eed5088b159577c5802d8be38","status":"queued","to":"+821012345678","from":"+15017122661","direction":"outbound-api"}"#;

    fn twilio(api_url: &str) -> TwilioDestination {
        TwilioDestination {
            name: "twilio".into(),
            account_sid: SID.into(),
            auth_token: TOKEN.into(),
            from: FROM.into(),
            api_url: Some(api_url.into()),
        }
    }

    fn basic(user: &str, password: &str) -> String {
        format!("Basic {}", BASE64.encode(format!("{user}:{password}")))
    }

    #[test]
    fn resource_urls_default_to_twilio() {
        let mut destination = twilio("http://127.0.0.1:9/");
        assert_eq!(
            messages_url(&destination),
            format!("http://127.0.0.1:9/2010-04-01/Accounts/{SID}/Messages.json")
        );
        destination.api_url = None;
        assert_eq!(
            calls_url(&destination),
            format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json")
        );
    }

    #[tokio::test]
    async fn an_sms_is_a_form_post_to_the_messages_resource() {
        let recorder = Recorder::start(201, MESSAGE_ANSWER).await;
        let page = PageMessage {
            more: 4,
            ..alert_page()
        };
        let request = sms_request(&client(), &twilio(&recorder.origin), TO, &page);
        let (status, received) = recorder.send(request).await;
        assert_eq!(status, 201);
        assert_eq!(received.method, "POST");
        assert_eq!(
            received.uri,
            format!("/2010-04-01/Accounts/{SID}/Messages.json").as_str()
        );
        assert_eq!(
            received.header("content-type"),
            "application/x-www-form-urlencoded"
        );
        assert_eq!(received.header("authorization"), basic(SID, TOKEN));
        assert_eq!(received.form_field("To"), TO);
        assert_eq!(received.form_field("From"), FROM);
        expect![[r#"
            HighErrorRate on api: 5xx above 5%
            …and 4 more
            Acknowledge: https://fw.example.com/a/ack-token"#]]
        .assert_eq(&received.form_field("Body"));
        assert_eq!(received.form().len(), 3, "{:?}", received.form());
    }

    #[test]
    fn an_sms_stays_within_twilios_limit_with_the_link_whole() {
        let page = PageMessage {
            summary: "y".repeat(5000),
            ..alert_page()
        };
        let body = sms_body(&page);
        assert_eq!(body.chars().count(), MAX_SMS_CHARS);
        assert!(body.ends_with("\nAcknowledge: https://fw.example.com/a/ack-token"));
    }

    #[tokio::test]
    async fn a_call_is_a_form_post_to_the_calls_resource_with_inline_twiml() {
        let recorder = Recorder::start(201, CALL_ANSWER).await;
        let twiml = call_twiml(&alert_page(), GATHER);
        let request = call_request(
            &client(),
            &twilio(&format!("{}/", recorder.origin)),
            TO,
            &twiml,
            Some("https://fw.example.com/hooks/twilio/status?page=pg_01"),
        );
        let (status, received) = recorder.send(request).await;
        assert_eq!(status, 201);
        assert_eq!(received.method, "POST");
        assert_eq!(
            received.uri,
            format!("/2010-04-01/Accounts/{SID}/Calls.json").as_str()
        );
        assert_eq!(
            received.header("content-type"),
            "application/x-www-form-urlencoded"
        );
        assert_eq!(received.header("authorization"), basic(SID, TOKEN));
        assert_eq!(received.form_field("To"), TO);
        assert_eq!(received.form_field("From"), FROM);
        assert_eq!(received.form_field("Twiml"), twiml);
        assert_eq!(
            received.form_field("StatusCallback"),
            "https://fw.example.com/hooks/twilio/status?page=pg_01"
        );
        assert_eq!(received.form_field("StatusCallbackMethod"), "POST");

        let request = call_request(&client(), &twilio(&recorder.origin), TO, &twiml, None);
        let (_, received) = recorder.send(request).await;
        let names: Vec<String> = received.form().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["To", "From", "Twiml"]);
    }

    #[test]
    fn the_call_reads_the_page_twice_and_waits_for_a_four() {
        let page = PageMessage {
            more: 2,
            ..alert_page()
        };
        expect![[r#"<Response><Gather numDigits="1" action="https://fw.example.com/hooks/twilio/gather?page=pg_01&amp;t=x" method="POST"><Say>Critical page from Firewatch. HighErrorRate on api: 5xx above 5%. And 2 more. Press 4 to acknowledge.</Say><Pause length="1"/><Say>Critical page from Firewatch. HighErrorRate on api: 5xx above 5%. And 2 more. Press 4 to acknowledge.</Say></Gather><Say>No answer received. Goodbye.</Say></Response>"#]]
        .assert_eq(&call_twiml(&page, GATHER));
        expect![[r#"<Response><Gather numDigits="1" action="https://fw.example.com/g" method="POST"><Say>This is a test page from Firewatch. Test page for Andrew. Press 4 to acknowledge.</Say><Pause length="1"/><Say>This is a test page from Firewatch. Test page for Andrew. Press 4 to acknowledge.</Say></Gather><Say>No answer received. Goodbye.</Say></Response>"#]]
        .assert_eq(&call_twiml(&test_page(), "https://fw.example.com/g"));
    }

    #[test]
    fn twiml_escapes_what_the_sender_wrote() {
        let page = PageMessage {
            summary: r#"Disk <90%> & "db-1" isn't well"#.into(),
            severity: "error".into(),
            ..alert_page()
        };
        expect![[r#"<Response><Gather numDigits="1" action="https://fw.example.com/g?a=&quot;1&quot;&amp;b=&lt;2&gt;&amp;c=&apos;3&apos;" method="POST"><Say>Error page from Firewatch. Disk &lt;90%&gt; &amp; &quot;db-1&quot; isn&apos;t well. Press 4 to acknowledge.</Say><Pause length="1"/><Say>Error page from Firewatch. Disk &lt;90%&gt; &amp; &quot;db-1&quot; isn&apos;t well. Press 4 to acknowledge.</Say></Gather><Say>No answer received. Goodbye.</Say></Response>"#]]
        .assert_eq(&call_twiml(&page, r#"https://fw.example.com/g?a="1"&b=<2>&c='3'"#));
        expect![[r#"<Response><Say>Not acknowledged. The link for &lt;pg_01&gt; &amp; co expired. Goodbye.</Say><Hangup/></Response>"#]]
        .assert_eq(&gather_reply_twiml(
            false,
            "The link for <pg_01> & co expired.",
            crate::i18n::Locale::En,
        ));
    }

    #[test]
    fn a_huge_summary_keeps_the_twiml_within_twilios_limit() {
        let page = PageMessage {
            summary: "&".repeat(10_000),
            ..alert_page()
        };
        let twiml = call_twiml(&page, GATHER);
        assert!(twiml.chars().count() <= 4000, "{}", twiml.chars().count());
        // Cut between entities, never inside one.
        assert!(twiml.contains("&amp;…</Say>"), "{twiml}");
    }

    #[test]
    fn the_gather_reply_says_what_happened_and_hangs_up() {
        expect![[
            r#"<Response><Say>Acknowledged. Escalation stopped. Goodbye.</Say><Hangup/></Response>"#
        ]]
        .assert_eq(&gather_reply_twiml(
            true,
            "Escalation stopped.",
            crate::i18n::Locale::En,
        ));
        expect![[r#"<Response><Say>Acknowledged. Goodbye.</Say><Hangup/></Response>"#]]
            .assert_eq(&gather_reply_twiml(true, "  ", crate::i18n::Locale::En));
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// Twilio's published example: auth token 12345, this URL and these POST parameters give
    /// this signature. It is the vector of Twilio's own helper libraries' tests
    /// (twilio-python `tests/unit/test_request_validator.py`, twilio-php, twilio-csharp) and of
    /// the validation sample in Twilio's security docs; Python's `hmac`/`hashlib` agree.
    const VECTOR_TOKEN: &str = "12345";
    const VECTOR_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const VECTOR_SIGNATURE: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    fn vector_params() -> Vec<(String, String)> {
        // Out of order on purpose: the signature sorts them.
        params(&[
            ("To", "+18005551212"),
            ("CallSid", "CA1234567890ABCDE"),
            ("From", "+14158675309"),
            ("Digits", "1234"),
            ("Caller", "+14158675309"),
        ])
    }

    #[test]
    fn signs_like_twilio_does() {
        assert_eq!(
            signature(VECTOR_TOKEN, VECTOR_URL, &vector_params()),
            VECTOR_SIGNATURE
        );
        assert!(signature_valid(
            VECTOR_TOKEN,
            VECTOR_URL,
            &vector_params(),
            VECTOR_SIGNATURE
        ));
        // twilio-python's vector for a repeated parameter: values sorted too.
        let repeated = params(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        assert!(signature_valid(
            VECTOR_TOKEN,
            VECTOR_URL,
            &repeated,
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        ));
    }

    #[test]
    fn a_changed_request_or_a_bad_header_does_not_verify() {
        let mut tampered = vector_params();
        tampered[3].1 = "4".into();
        let valid = |token: &str, url: &str, params: &[(String, String)], header: &str| -> bool {
            signature_valid(token, url, params, header)
        };
        assert!(!valid(
            VECTOR_TOKEN,
            VECTOR_URL,
            &tampered,
            VECTOR_SIGNATURE
        ));
        assert!(!valid(
            VECTOR_TOKEN,
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            &vector_params(),
            VECTOR_SIGNATURE
        ));
        assert!(!valid(
            "54321",
            VECTOR_URL,
            &vector_params(),
            VECTOR_SIGNATURE
        ));
        assert!(!valid(VECTOR_TOKEN, VECTOR_URL, &vector_params(), ""));
        assert!(!valid(
            VECTOR_TOKEN,
            VECTOR_URL,
            &vector_params(),
            "not base64!"
        ));
        assert!(!valid(
            VECTOR_TOKEN,
            VECTOR_URL,
            &vector_params(),
            "RSOYDt4T"
        ));
        // An empty token would let anyone sign.
        let forged = signature("", VECTOR_URL, &vector_params());
        assert!(!valid("", VECTOR_URL, &vector_params(), &forged));
    }
}
