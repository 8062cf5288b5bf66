//! The `email` destination: SMTP with STARTTLS, implicit TLS, or a plain connection to a relay
//! on the same machine. The platform-neutral message becomes a subject and a
//! multipart/alternative body, text/plain and text/html, where every text from an event is
//! escaped and links are the only markup it can produce. Email has no size limit worth
//! keeping to, but a message stays readable: at most `MAX_LINES` lines, then "…and N more".
//!
//! SMTP answers sort as HTTP answers do elsewhere: 4xx and anything short of an answer
//! (refused connection, timeout, TLS failure) is worth retrying, 5xx is a refusal.

use std::time::{Duration, SystemTime};

use jiff::Timestamp;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::DeliveryResult;
use super::message::{Line, Message, Span, clip};
use crate::core::forge::Outcome;
use crate::integrations::outbound::config::{EmailDestination, EmailTls};

/// Subjects longer than this are cut; mail clients show far less anyway.
pub const MAX_SUBJECT: usize = 200;
/// Lines of a message shown before "…and N more".
pub const MAX_LINES: usize = 500;
/// Carries the delivery's idempotency key, the same on every retry, for filters that dedupe.
pub const IDEMPOTENCY_HEADER: &str = "X-Firewatch-Idempotency-Key";
/// Error texts from the server are cut to this many characters.
const MAX_ERROR: usize = 300;

/// What is sent, before MIME encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Escaped text whose line breaks show as breaks.
fn escape_lines(text: &str) -> String {
    escape(text).replace("\r\n", "\n").replace('\n', "<br>")
}

/// Only web and mail links become links; anything else (`javascript:`, `data:`) stays text.
fn is_safe_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// One line for a header: control characters and runs of spaces become one space.
fn single_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn subject(message: &Message, destination: &EmailDestination) -> String {
    let prefix = destination
        .subject_prefix
        .as_deref()
        .map(single_line)
        .filter(|prefix| !prefix.is_empty());
    let subject = match prefix {
        Some(prefix) => format!("[{prefix}] {}", single_line(&message.title)),
        None => single_line(&message.title),
    };
    clip(&subject, MAX_SUBJECT)
}

fn text_span(span: &Span) -> String {
    match span {
        Span::Text(text) | Span::Bold(text) | Span::Code(text) | Span::Mention(text) => {
            text.clone()
        }
        Span::Link { text, url } if text == url => format!("<{url}>"),
        Span::Link { text, url } => format!("{text} <{url}>"),
    }
}

fn text_line(spans: &Line) -> String {
    spans.iter().map(text_span).collect()
}

const LINK_STYLE: &str = "color:#0969da;text-decoration:underline;";
const CODE_STYLE: &str = "font-family:SFMono-Regular,Consolas,'Liberation Mono',Menlo,monospace;\
                          font-size:13px;background:#f6f8fa;border-radius:4px;padding:1px 4px;";

fn html_link(text: &str, url: &str) -> String {
    if is_safe_url(url) {
        format!(
            "<a href=\"{}\" style=\"{LINK_STYLE}\">{}</a>",
            escape(url.trim()),
            escape_lines(text)
        )
    } else {
        escape_lines(text)
    }
}

fn html_span(span: &Span) -> String {
    match span {
        Span::Text(text) | Span::Mention(text) => escape_lines(text),
        Span::Bold(text) => format!("<strong>{}</strong>", escape_lines(text)),
        Span::Code(text) => format!("<code style=\"{CODE_STYLE}\">{}</code>", escape(text)),
        Span::Link { text, url } => html_link(text, url),
    }
}

fn html_line(spans: &Line) -> String {
    spans.iter().map(html_span).collect()
}

/// The color of the edge beside the message; grey for outcomes that need no attention.
fn edge_color(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Success) => "#1a7f37",
        Some(Outcome::Failure) => "#cf222e",
        Some(Outcome::Pending) => "#bf8700",
        Some(Outcome::Cancelled | Outcome::Skipped) | None => "#d0d7de",
    }
}

/// The lines to show, and how many were left out.
fn shown_lines(message: &Message) -> (&[Line], usize) {
    let shown = message.lines.len().min(MAX_LINES);
    (&message.lines[..shown], message.lines.len() - shown)
}

pub fn render_text(message: &Message) -> String {
    let mut text = String::new();
    text.push_str(&message.title);
    text.push('\n');
    if let Some(url) = &message.title_url {
        text.push_str(url);
        text.push('\n');
    }
    let (lines, omitted) = shown_lines(message);
    if !lines.is_empty() {
        text.push('\n');
    }
    for line in lines {
        text.push_str(&text_line(line));
        text.push('\n');
    }
    if omitted > 0 {
        text.push_str(&super::markdown::more(omitted, message.locale));
        text.push('\n');
    }
    if !message.context.is_empty() {
        // "-- " marks a signature: mail clients show what follows as small print.
        text.push_str("\n-- \n");
        for line in &message.context {
            text.push_str(&text_line(line));
            text.push('\n');
        }
    }
    text
}

pub fn render_html(message: &Message, subject: &str) -> String {
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!("<title>{}</title>\n</head>\n", escape(subject)));
    html.push_str(
        "<body style=\"margin:0;padding:16px;background:#ffffff;color:#1f2328;\
         font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;\
         line-height:1.5;\">\n",
    );
    html.push_str(&format!(
        "<div style=\"border-left:4px solid {};padding:0 0 0 12px;\">\n",
        edge_color(message.outcome)
    ));
    let title = match &message.title_url {
        Some(url) => html_link(&message.title, url),
        None => escape(&message.title),
    };
    html.push_str(&format!(
        "<h1 style=\"font-size:18px;font-weight:600;margin:0 0 8px 0;\">{title}</h1>\n"
    ));
    let (lines, omitted) = shown_lines(message);
    for line in lines {
        html.push_str(&format!(
            "<div style=\"margin:0 0 4px 0;\">{}</div>\n",
            html_line(line)
        ));
    }
    if omitted > 0 {
        html.push_str(&format!(
            "<div style=\"margin:0 0 4px 0;color:#656d76;\">{}</div>\n",
            super::markdown::more(omitted, message.locale)
        ));
    }
    html.push_str("</div>\n");
    if !message.context.is_empty() {
        html.push_str(
            "<div style=\"margin:16px 0 0 0;padding:8px 0 0 16px;border-top:1px solid #d0d7de;\
             font-size:12px;color:#656d76;\">\n",
        );
        for line in &message.context {
            html.push_str(&format!("<div>{}</div>\n", html_line(line)));
        }
        html.push_str("</div>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}

pub fn render(message: &Message, destination: &EmailDestination) -> Rendered {
    let subject = subject(message, destination);
    Rendered {
        text: render_text(message),
        html: render_html(message, &subject),
        subject,
    }
}

/// A Message-ID from the idempotency key, so a retry after a lost answer carries the same
/// one and mail systems that dedupe on it drop the copy. Keys that are no dot-atom leave the
/// choice to lettre.
fn message_id(idempotency_key: &str, from: &Mailbox) -> Option<String> {
    let valid = !idempotency_key.is_empty()
        && !idempotency_key.starts_with('.')
        && !idempotency_key.ends_with('.')
        && !idempotency_key.contains("..")
        && idempotency_key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    valid.then(|| format!("<{idempotency_key}@{}>", from.email.domain()))
}

/// The message as it goes on the wire, with its envelope, to the destination's `to`.
pub fn build(
    destination: &EmailDestination,
    rendered: &Rendered,
    idempotency_key: &str,
    now: Timestamp,
) -> Result<lettre::Message, String> {
    build_to(
        destination,
        &destination.to,
        &[],
        rendered,
        idempotency_key,
        now,
    )
}

/// The message from the destination's server and sender to `to`, with `headers` added
/// (a status page subscriber's `List-Unsubscribe`).
pub fn build_to(
    destination: &EmailDestination,
    to: &[String],
    headers: &[(&'static str, String)],
    rendered: &Rendered,
    idempotency_key: &str,
    now: Timestamp,
) -> Result<lettre::Message, String> {
    let from: Mailbox = destination
        .from
        .parse()
        .map_err(|error| format!("from address \"{}\": {error}", destination.from))?;
    let mut builder = lettre::Message::builder()
        .message_id(message_id(idempotency_key, &from))
        .from(from)
        .subject(rendered.subject.clone())
        .date(SystemTime::from(now))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(IDEMPOTENCY_HEADER),
            idempotency_key.to_owned(),
        ))
        // RFC 3834: vacation responders and the like must not answer a notification.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    for (name, value) in headers {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(name),
            value.clone(),
        ));
    }
    for address in to {
        let mailbox: Mailbox = address
            .parse()
            .map_err(|error| format!("to address \"{address}\": {error}"))?;
        builder = builder.to(mailbox);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))
        .map_err(|error| format!("could not build the message: {error}"))
}

fn transport(
    destination: &EmailDestination,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let tls = match destination.tls {
        EmailTls::Starttls => Tls::Required(TlsParameters::new(destination.host.clone())?),
        EmailTls::Tls => Tls::Wrapper(TlsParameters::new(destination.host.clone())?),
        EmailTls::None => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&destination.host)
        .port(destination.port())
        .tls(tls)
        .timeout(Some(timeout));
    if let (Some(username), Some(password)) = (&destination.username, &destination.password) {
        builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// Removes the password, as typed and as AUTH PLAIN and LOGIN send it, from a server's text.
fn redact(text: &str, destination: &EmailDestination) -> String {
    use base64::Engine as _;
    let Some(password) = destination.password.as_deref().filter(|p| !p.is_empty()) else {
        return text.to_owned();
    };
    let engine = &base64::engine::general_purpose::STANDARD;
    let username = destination.username.as_deref().unwrap_or_default();
    let mut redacted = text.to_owned();
    for secret in [
        engine.encode(format!("\0{username}\0{password}")),
        engine.encode(password),
        password.to_owned(),
    ] {
        redacted = redacted.replace(&secret, "[redacted]");
    }
    redacted
}

/// Sorts a failed send: an SMTP 5xx is a refusal, everything else is worth another try.
pub fn classify(
    error: &lettre::transport::smtp::Error,
    destination: &EmailDestination,
) -> DeliveryResult {
    let text = |what: String| clip(&redact(&single_line(&what), destination), MAX_ERROR);
    if let Some(code) = error.status() {
        let code = u16::from(code);
        // lettre's text is "permanent error (550): <the server's words>".
        let said = std::error::Error::source(error)
            .map(|source| source.to_string())
            .unwrap_or_default();
        let error_text = text(
            format!("SMTP {code}: {said}")
                .trim_end_matches(": ")
                .to_owned(),
        );
        return if error.is_permanent() {
            DeliveryResult::Rejected {
                status: code,
                error: error_text,
            }
        } else {
            DeliveryResult::Retry {
                status: Some(code),
                retry_after: None,
                error: error_text,
            }
        };
    }
    // lettre's own words ("internal client error", "Connection error") say less than the
    // innermost cause, so that cause goes after a plain category.
    let mut detail = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_tls() {
        "TLS failed"
    } else if error.is_client() {
        "could not send"
    } else {
        "SMTP connection failed"
    };
    let what = if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {detail}")
    };
    DeliveryResult::Retry {
        status: None,
        retry_after: None,
        error: text(what),
    }
}

/// Sends one message; `idempotency_key` is the same on every retry.
pub async fn deliver(
    destination: &EmailDestination,
    message: &Message,
    idempotency_key: &str,
    now: Timestamp,
    timeout: Duration,
) -> DeliveryResult {
    let rendered = render(message, destination);
    let email = match build(destination, &rendered, idempotency_key, now) {
        Ok(email) => email,
        // The config's validation parses the same addresses, so this is not expected; a
        // reloaded, corrected config lets a retry through.
        Err(error) => {
            return DeliveryResult::Retry {
                status: None,
                retry_after: None,
                error,
            };
        }
    };
    send(destination, email, timeout).await
}

/// Sends a built message through the destination's server.
pub async fn send(
    destination: &EmailDestination,
    email: lettre::Message,
    timeout: Duration,
) -> DeliveryResult {
    let transport = match transport(destination, timeout) {
        Ok(transport) => transport,
        Err(error) => return classify(&error, destination),
    };
    match tokio::time::timeout(timeout, transport.send(email)).await {
        Ok(Ok(response)) => DeliveryResult::Delivered {
            status: u16::from(response.code()),
            chat_message: None,
        },
        Ok(Err(error)) => classify(&error, destination),
        Err(_) => DeliveryResult::Retry {
            status: None,
            retry_after: None,
            error: "timed out".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination() -> EmailDestination {
        EmailDestination {
            name: "mail".into(),
            locale: None,
            host: "127.0.0.1".into(),
            port: None,
            tls: EmailTls::None,
            username: Some("firewatch".into()),
            password: Some("hunter2-secret".into()),
            from: "Firewatch <firewatch@example.com>".into(),
            to: vec![
                "oncall@example.com".into(),
                "Lead <lead@example.com>".into(),
            ],
            subject_prefix: Some("fw".into()),
        }
    }

    fn message() -> Message {
        Message {
            summary: "s".into(),
            title: "PR #7 opened: <script>alert(1)</script> & more".into(),
            title_url: Some("https://github.com/acme/api/pull/7?a=1&b=2".into()),
            lines: vec![
                vec![
                    Span::Text("by ".into()),
                    Span::Bold("<b>alice</b>".into()),
                    Span::Text(" · ".into()),
                    Span::Code("feature → main & <x>".into()),
                ],
                vec![
                    Span::Link {
                        text: "a1b2c3d".into(),
                        url: "https://github.com/acme/api/commit/a1b2c3d".into(),
                    },
                    Span::Text(" Fix \"quotes\" & 'apostrophes'\nsecond line".into()),
                ],
                vec![Span::Link {
                    text: "click".into(),
                    url: "javascript:alert(1)".into(),
                }],
            ],
            context: vec![vec![Span::Link {
                text: "acme/api".into(),
                url: "https://github.com/acme/api".into(),
            }]],
            outcome: Some(Outcome::Failure),
            locale: crate::i18n::Locale::En,
        }
    }

    #[test]
    fn the_subject_is_one_prefixed_clipped_line() {
        let mut long = message();
        assert_eq!(
            subject(&long, &destination()),
            "[fw] PR #7 opened: <script>alert(1)</script> & more"
        );
        long.title = format!("line\r\nbreak\t{}", "x".repeat(500));
        let subject = subject(&long, &destination());
        assert!(subject.starts_with("[fw] line break xxx"), "{subject}");
        assert_eq!(subject.chars().count(), MAX_SUBJECT);
        assert!(subject.ends_with('…'));
        let mut unprefixed = destination();
        unprefixed.subject_prefix = None;
        assert_eq!(
            super::subject(&message(), &unprefixed),
            "PR #7 opened: <script>alert(1)</script> & more"
        );
    }

    #[test]
    fn html_escapes_every_text_and_links_only_web_urls() {
        let html = render(&message(), &destination()).html;
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>alice"), "{html}");
        assert!(html.contains(
            "<title>[fw] PR #7 opened: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</title>"
        ));
        assert!(
            html.contains(
                "<a href=\"https://github.com/acme/api/pull/7?a=1&amp;b=2\" style=\"color:#0969da;\
                 text-decoration:underline;\">PR #7 opened: &lt;script&gt;alert(1)&lt;/script&gt; \
                 &amp; more</a>"
            ),
            "{html}"
        );
        assert!(html.contains("<strong>&lt;b&gt;alice&lt;/b&gt;</strong>"));
        assert!(html.contains("feature → main &amp; &lt;x&gt;</code>"));
        assert!(html.contains(
            ">a1b2c3d</a> Fix &quot;quotes&quot; &amp; &#39;apostrophes&#39;<br>second line</div>"
        ));
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("<div style=\"margin:0 0 4px 0;\">click</div>"));
        assert!(html.contains("border-left:4px solid #cf222e"));
        // Nothing is fetched from elsewhere when the message is opened.
        assert!(!html.contains("<img") && !html.contains("<link") && !html.contains("src="));
    }

    #[test]
    fn the_text_alternative_shows_links_after_their_text() {
        expect_test::expect![[r#"
            PR #7 opened: <script>alert(1)</script> & more
            https://github.com/acme/api/pull/7?a=1&b=2

            by <b>alice</b> · feature → main & <x>
            a1b2c3d <https://github.com/acme/api/commit/a1b2c3d> Fix "quotes" & 'apostrophes'
            second line
            click <javascript:alert(1)>

            -- 
            acme/api <https://github.com/acme/api>
        "#]]
        .assert_eq(&render(&message(), &destination()).text);
    }

    #[test]
    fn a_long_message_is_cut_at_max_lines_with_a_count() {
        let mut message = message();
        message.lines = (0..1234)
            .map(|n| vec![Span::Text(format!("line {n}"))])
            .collect();
        let rendered = render(&message, &destination());
        assert!(rendered.text.contains(&format!("line {}\n", MAX_LINES - 1)));
        assert!(!rendered.text.contains(&format!("line {}\n", MAX_LINES)));
        assert!(rendered.text.contains("…and 734 more\n"));
        assert!(rendered.html.contains(">…and 734 more</div>"));
        let shown = rendered
            .html
            .lines()
            .filter(|line| line.contains(">line "))
            .count();
        assert_eq!(shown, MAX_LINES);
        // Up to the limit nothing is cut.
        message.lines.truncate(MAX_LINES);
        assert!(!render(&message, &destination()).text.contains("…and"));
    }

    #[test]
    fn the_built_message_has_both_parts_and_the_idempotency_key() {
        let rendered = render(&message(), &destination());
        let now: Timestamp = "2026-11-02T01:00:00Z".parse().unwrap();
        let email = build(&destination(), &rendered, "0192.mail", now).unwrap();
        let raw = String::from_utf8(email.formatted()).unwrap();
        let headers = &raw[..raw.find("\r\n\r\n").unwrap()];
        assert!(headers.contains("From: Firewatch <firewatch@example.com>\r\n"));
        assert!(headers.contains("To: oncall@example.com, Lead <lead@example.com>\r\n"));
        assert!(headers.contains("Message-ID: <0192.mail@example.com>\r\n"));
        assert!(headers.contains("Date: Mon, 02 Nov 2026 01:00:00 +0000\r\n"));
        assert!(headers.contains("X-Firewatch-Idempotency-Key: 0192.mail\r\n"));
        assert!(headers.contains("Auto-Submitted: auto-generated\r\n"));
        assert!(headers.contains("Content-Type: multipart/alternative;"));
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(raw.contains("Content-Type: text/html; charset=utf-8"));
        assert_eq!(
            email.envelope().to().len(),
            2,
            "both recipients are in the envelope"
        );
        // A key that is no dot-atom gets lettre's own Message-ID.
        let email = build(&destination(), &rendered, "a..b", now).unwrap();
        let raw = String::from_utf8(email.formatted()).unwrap();
        assert!(!raw.contains("<a..b@"), "{raw}");
        assert!(raw.contains("Message-ID: <"));
    }

    #[test]
    fn the_password_never_shows_in_an_error() {
        use base64::Engine as _;
        let destination = destination();
        let plain = base64::engine::general_purpose::STANDARD.encode("\0firewatch\0hunter2-secret");
        let said = format!("535 bad AUTH PLAIN {plain} for hunter2-secret");
        let redacted = redact(&said, &destination);
        assert_eq!(redacted, "535 bad AUTH PLAIN [redacted] for [redacted]");
    }
}
