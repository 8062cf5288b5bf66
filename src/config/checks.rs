//! `[[checks]]`, PRODUCT.md §2.5: the config of one check, its validation, and the JSON body
//! conditions; the probes that run them are in `probe`. Firewatch probes
//! only what a check names: the URL or address in the config, never a redirect's target.
//!
//! ```toml
//! [[checks]]
//! name = "api-health"          # unique; letters, digits, '-', '_', '.'; the alert's rule name
//! kind = "http"                # http | tcp | tls
//! url = "https://api.example.com/healthz"
//! method = "GET"               # default GET
//! headers = { Authorization = "Bearer ${API_TOKEN}" }
//! body = ""                    # optional request body
//! expect_status = [200]        # default: any 2xx; redirects are never followed
//! max_latency_ms = 500         # optional, any kind; must be under the timeout
//! json = [ { pointer = "/status", equals = "ok" }, { pointer = "/db/healthy", equals = true } ]
//! interval = "60s"             # default 60s, at least 10s
//! timeout = "10s"              # default 10s, shorter than the interval
//! failures_to_alert = 3        # default 3
//! successes_to_resolve = 2     # default 2
//! severity = "error"           # critical | error | warning | info; default error (does not page)
//! service = "api"              # optional owning service
//! labels = { team = "cloud" }  # optional extra alert labels
//!
//! [[checks]]
//! name = "db"
//! kind = "tcp"
//! address = "db.internal:5432" # host:port, [v6]:port
//!
//! [[checks]]
//! name = "api-cert"
//! kind = "tls"
//! address = "api.example.com:443"
//! server_name = "api.example.com" # default: the host of address
//! expires_within_days = 14     # default 14: fail when the certificate expires sooner
//! verify = true                # default true: also fail when the chain is not trusted
//! ```
//!
//! JSON conditions (`json`, http only) read the response body as JSON; each names a value by
//! JSON pointer (RFC 6901, `/a/0/b`) and exactly one test:
//!
//! - `equals = <value>`: present and equal (numbers compare by value, so `1` equals `1.0`);
//! - `not_equals = <value>`: present and different (a missing value fails: an empty answer is
//!   not a healthy one);
//! - `exists = true | false`: present (even as `null`) or absent;
//! - `less_than = <number>`, `greater_than = <number>`: present, a number, and strictly
//!   below or above. Write two conditions for a range.
//!
//! The body is read up to 1 MiB; a larger body fails a check that has JSON conditions.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use jiff::SignedDuration;
use serde::{Deserialize, Deserializer};

use crate::core::alert::Severity;
use crate::core::problem::Problem;
use crate::core::silence::parse_duration;

pub const DEFAULT_INTERVAL: SignedDuration = SignedDuration::from_secs(60);
pub const DEFAULT_TIMEOUT: SignedDuration = SignedDuration::from_secs(10);
pub const DEFAULT_FAILURES_TO_ALERT: u32 = 3;
pub const DEFAULT_SUCCESSES_TO_RESOLVE: u32 = 2;
pub const DEFAULT_EXPIRES_WITHIN_DAYS: u32 = 14;
/// A failing check is an error: it shows and notifies, but only `critical` pages (PRODUCT.md
/// §2.5), and a new check should earn its page by being calibrated first.
pub const DEFAULT_SEVERITY: Severity = Severity::Error;
/// Shorter intervals mostly measure the target's patience: each run is a request to someone's
/// service, and each is a stored row for two days.
pub const MIN_INTERVAL: SignedDuration = SignedDuration::from_secs(10);
/// A longer threshold would fail nearly every certificate: public ones last at most 398 days.
pub const MAX_EXPIRES_WITHIN_DAYS: u32 = 365;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// A request; the status, latency and JSON body are checked.
    Http,
    /// A TCP connection is opened and closed.
    Tcp,
    /// A TLS handshake; the certificate's expiry and trust are checked.
    Tls,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Http => "http",
            CheckKind::Tcp => "tcp",
            CheckKind::Tls => "tls",
        }
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[[checks]]` entry. It is one flat table rather than a tagged enum per kind because
/// most keys are shared; `problems` names every key that does not belong to the kind, which
/// reads better than serde's "unknown field" would for a key that exists on another kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    pub name: String,
    pub kind: CheckKind,

    // http
    pub url: Option<String>,
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    /// Empty means any 2xx.
    #[serde(default)]
    pub expect_status: Vec<u16>,
    #[serde(default)]
    pub json: Vec<JsonCondition>,

    // tcp and tls
    pub address: Option<String>,

    // tls
    pub server_name: Option<String>,
    pub expires_within_days: Option<u32>,
    pub verify: Option<bool>,

    // every kind
    pub max_latency_ms: Option<u64>,
    #[serde(default, deserialize_with = "duration")]
    pub interval: Option<SignedDuration>,
    #[serde(default, deserialize_with = "duration")]
    pub timeout: Option<SignedDuration>,
    pub failures_to_alert: Option<u32>,
    pub successes_to_resolve: Option<u32>,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    pub service: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

fn default_severity() -> Severity {
    DEFAULT_SEVERITY
}

/// Reads a duration the way silences do ("60s", "5m", "1h30m"); a bare number is refused with
/// an example rather than guessed at as seconds.
fn duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<SignedDuration>, D::Error> {
    struct DurationVisitor;

    impl serde::de::Visitor<'_> for DurationVisitor {
        type Value = SignedDuration;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a duration such as \"60s\", \"5m\" or \"1h30m\"")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<SignedDuration, E> {
            parse_duration(text).map_err(E::custom)
        }
    }

    deserializer.deserialize_str(DurationVisitor).map(Some)
}

impl CheckConfig {
    pub fn interval(&self) -> SignedDuration {
        self.interval.unwrap_or(DEFAULT_INTERVAL)
    }

    pub fn timeout(&self) -> SignedDuration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    pub fn failures_to_alert(&self) -> u32 {
        self.failures_to_alert.unwrap_or(DEFAULT_FAILURES_TO_ALERT)
    }

    pub fn successes_to_resolve(&self) -> u32 {
        self.successes_to_resolve
            .unwrap_or(DEFAULT_SUCCESSES_TO_RESOLVE)
    }

    pub fn expires_within_days(&self) -> u32 {
        self.expires_within_days
            .unwrap_or(DEFAULT_EXPIRES_WITHIN_DAYS)
    }

    /// Whether a TLS check also requires a trusted chain for the server name.
    pub fn verify(&self) -> bool {
        self.verify.unwrap_or(true)
    }

    /// The HTTP method, upper-cased (servers compare methods case-sensitively, people do not
    /// write them so); `None` when it is not a valid method token.
    pub fn method(&self) -> Option<reqwest::Method> {
        let method = self.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
        reqwest::Method::from_bytes(method.as_bytes()).ok()
    }

    /// The name a TLS check sends (SNI) and verifies: `server_name`, else the host of
    /// `address`.
    pub fn server_name(&self) -> Option<&str> {
        self.server_name
            .as_deref()
            .or_else(|| split_host_port(self.address.as_deref()?).map(|(host, _)| host))
    }

    /// What the check targets, for people to read in an alert or a page: the URL without its
    /// user info, query or fragment (where secrets go), or the address.
    pub fn target(&self) -> String {
        match self.kind {
            CheckKind::Http => {
                let Some(url) = self.url.as_deref() else {
                    return String::new();
                };
                match reqwest::Url::parse(url) {
                    Ok(mut url) => {
                        // Neither can fail on an http(s) URL with a host, and a URL that is
                        // not one is shown as it parsed.
                        let _ = url.set_username("");
                        let _ = url.set_password(None);
                        url.set_query(None);
                        url.set_fragment(None);
                        url.to_string()
                    }
                    Err(_) => String::new(),
                }
            }
            CheckKind::Tcp | CheckKind::Tls => self.address.clone().unwrap_or_default(),
        }
    }

    /// Every problem with this entry, each with its key path under `path` (`checks[3]`).
    /// Names that must be unique across entries are checked by `validate`.
    pub fn problems(&self, path: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| {
            problems.push(Problem {
                path: format!("{path}.{key}"),
                message,
            })
        };

        if !is_valid_name(&self.name) {
            problem(
                "name",
                format!(
                    "\"{}\" may hold only letters, digits, '-', '_' and '.'",
                    self.name
                ),
            );
        }

        // Keys that belong to other kinds: said plainly, since each is valid somewhere.
        let http_keys = [
            ("url", self.url.is_some()),
            ("method", self.method.is_some()),
            ("headers", !self.headers.is_empty()),
            ("body", self.body.is_some()),
            ("expect_status", !self.expect_status.is_empty()),
            ("json", !self.json.is_empty()),
        ];
        let address_keys = [("address", self.address.is_some())];
        let tls_keys = [
            ("server_name", self.server_name.is_some()),
            ("expires_within_days", self.expires_within_days.is_some()),
            ("verify", self.verify.is_some()),
        ];
        let mut foreign = |keys: &[(&str, bool)], owners: &str| {
            for (key, _) in keys.iter().filter(|(_, present)| *present) {
                problem(
                    key,
                    format!("is for {owners} checks, not kind = \"{}\"", self.kind),
                );
            }
        };
        match self.kind {
            CheckKind::Http => {
                foreign(&address_keys, "tcp and tls");
                foreign(&tls_keys, "tls");
            }
            CheckKind::Tcp => {
                foreign(&http_keys, "http");
                foreign(&tls_keys, "tls");
            }
            CheckKind::Tls => foreign(&http_keys, "http"),
        }

        match self.kind {
            CheckKind::Http => self.http_problems(&mut problem),
            CheckKind::Tcp | CheckKind::Tls => match self.address.as_deref() {
                None => problem(
                    "address",
                    format!(
                        "is required for a {} check: host and port, like db.internal:5432",
                        self.kind
                    ),
                ),
                Some(address) => {
                    if split_host_port(address).is_none() {
                        problem(
                            "address",
                            format!(
                                "\"{address}\" is not host:port, like db.internal:5432 or [2001:db8::1]:443"
                            ),
                        );
                    }
                }
            },
        }
        if self.kind == CheckKind::Tls {
            if let Some(name) = self.server_name() {
                if tokio_rustls::rustls::pki_types::ServerName::try_from(name).is_err() {
                    let key = if self.server_name.is_some() {
                        "server_name"
                    } else {
                        "address"
                    };
                    problem(
                        key,
                        format!(
                            "\"{name}\" is not a DNS name or IP address a certificate can name"
                        ),
                    );
                }
            }
            if self.expires_within_days() > MAX_EXPIRES_WITHIN_DAYS {
                problem(
                    "expires_within_days",
                    format!(
                        "must be at most {MAX_EXPIRES_WITHIN_DAYS}: certificates last at most 398 days, so it would always fail"
                    ),
                );
            }
        }

        let interval = self.interval();
        let timeout = self.timeout();
        if interval < MIN_INTERVAL {
            problem(
                "interval",
                format!("{interval:#} is shorter than the shortest interval, {MIN_INTERVAL:#}"),
            );
        }
        if timeout >= interval {
            problem(
                if self.timeout.is_some() {
                    "timeout"
                } else {
                    "interval"
                },
                format!(
                    "the timeout ({timeout:#}) must be shorter than the interval ({interval:#}), or runs would overlap"
                ),
            );
        }
        if let Some(max_latency_ms) = self.max_latency_ms {
            let timeout_ms = timeout.as_millis();
            if max_latency_ms == 0 {
                problem("max_latency_ms", "must be more than 0".to_owned());
            } else if i128::from(max_latency_ms) >= timeout_ms {
                problem(
                    "max_latency_ms",
                    format!(
                        "must be less than the timeout ({timeout_ms} ms): a slower answer is cut off by the timeout first"
                    ),
                );
            }
        }
        if self.failures_to_alert == Some(0) {
            problem("failures_to_alert", "must be at least 1".to_owned());
        }
        if self.successes_to_resolve == Some(0) {
            problem("successes_to_resolve", "must be at least 1".to_owned());
        }
        if let Some(service) = &self.service {
            if service.trim().is_empty() {
                problem("service", "is empty".to_owned());
            }
        }
        for name in self.labels.keys() {
            if !is_label_name(name) {
                problem(
                    &format!("labels.{name}"),
                    format!(
                        "\"{name}\" is not a label name: a letter or '_', then letters, digits and '_'"
                    ),
                );
            }
        }
        problems
    }

    fn http_problems(&self, problem: &mut impl FnMut(&str, String)) {
        match self.url.as_deref() {
            None => problem(
                "url",
                "is required for an http check, like https://api.example.com/healthz".to_owned(),
            ),
            Some(url) => match reqwest::Url::parse(url) {
                Err(error) => problem("url", format!("\"{url}\" is not a URL: {error}")),
                Ok(parsed) if !matches!(parsed.scheme(), "http" | "https") => problem(
                    "url",
                    format!(
                        "\"{url}\" must start with http:// or https://, not {}:",
                        parsed.scheme()
                    ),
                ),
                Ok(parsed) if parsed.host().is_none() => {
                    problem("url", format!("\"{url}\" names no host"))
                }
                Ok(_) => {}
            },
        }
        if self.method().is_none() {
            problem(
                "method",
                format!(
                    "\"{}\" is not an HTTP method like GET, HEAD or POST",
                    self.method.as_deref().unwrap_or_default()
                ),
            );
        }
        for (name, value) in &self.headers {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                problem(
                    &format!("headers.{name}"),
                    format!("\"{name}\" is not a valid header name"),
                );
            } else if reqwest::header::HeaderValue::from_str(value).is_err() {
                // The value may be a secret: say what is wrong, not what it is.
                problem(
                    &format!("headers.{name}"),
                    "the value holds a character a header cannot (a line break or a control character)".to_owned(),
                );
            }
        }
        for (index, status) in self.expect_status.iter().enumerate() {
            if !(100..=599).contains(status) {
                problem(
                    &format!("expect_status[{index}]"),
                    format!("{status} is not an HTTP status (100 to 599)"),
                );
            }
        }
        for (index, condition) in self.json.iter().enumerate() {
            for (key, message) in condition.problems() {
                problem(&format!("json[{index}]{key}"), message);
            }
        }
    }
}

/// Every problem with the `[[checks]]` list: each entry's, and names used twice (the name is
/// the alert's rule name, so two checks with one name would share an alert).
pub fn validate(checks: &[CheckConfig]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut names = HashSet::new();
    for (index, check) in checks.iter().enumerate() {
        let path = format!("checks[{index}]");
        problems.extend(check.problems(&path));
        if !names.insert(check.name.as_str()) {
            problems.push(Problem {
                path: format!("{path}.name"),
                message: format!("check \"{}\" is defined twice", check.name),
            });
        }
    }
    problems
}

/// One test of the response body's JSON. Exactly one of the tests is set; see the module
/// documentation for what each means.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonCondition {
    pub pointer: String,
    pub equals: Option<serde_json::Value>,
    pub not_equals: Option<serde_json::Value>,
    pub exists: Option<bool>,
    pub less_than: Option<f64>,
    pub greater_than: Option<f64>,
}

/// The test a condition sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JsonTest<'a> {
    Equals(&'a serde_json::Value),
    NotEquals(&'a serde_json::Value),
    Exists(bool),
    LessThan(f64),
    GreaterThan(f64),
}

impl JsonCondition {
    const TESTS: &'static str = "equals, not_equals, exists, less_than or greater_than";

    fn tests(&self) -> Vec<JsonTest<'_>> {
        [
            self.equals.as_ref().map(JsonTest::Equals),
            self.not_equals.as_ref().map(JsonTest::NotEquals),
            self.exists.map(JsonTest::Exists),
            self.less_than.map(JsonTest::LessThan),
            self.greater_than.map(JsonTest::GreaterThan),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The one test this condition sets; `None` when it sets none or several.
    pub fn test(&self) -> Option<JsonTest<'_>> {
        match self.tests().as_slice() {
            [test] => Some(*test),
            _ => None,
        }
    }

    /// Problems as (key suffix, message): the suffix is "" or ".pointer".
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if !self.pointer.starts_with('/') {
            problems.push((
                ".pointer",
                format!(
                    "\"{}\" is not a JSON pointer: it starts with '/', like /status or /checks/0/ok",
                    self.pointer
                ),
            ));
        } else if !pointer_escapes_valid(&self.pointer) {
            problems.push((
                ".pointer",
                format!(
                    "\"{}\" has a '~' that is not ~0 (for '~') or ~1 (for '/')",
                    self.pointer
                ),
            ));
        }
        match self.tests().len() {
            0 => problems.push(("", format!("sets no test: add one of {}", Self::TESTS))),
            1 => {}
            _ => problems.push((
                "",
                format!(
                    "sets more than one test: use one of {} per condition (two conditions make a range)",
                    Self::TESTS
                ),
            )),
        }
        for limit in [self.less_than, self.greater_than].into_iter().flatten() {
            if !limit.is_finite() {
                problems.push(("", format!("{limit} is not a finite number")));
            }
        }
        problems
    }

    /// Tests `document`; the error is a sentence naming the pointer, what it found and what
    /// was expected (`/status is "degraded", expected "ok"`).
    pub fn evaluate(&self, document: &serde_json::Value) -> Result<(), String> {
        let pointer = &self.pointer;
        let Some(test) = self.test() else {
            return Err(format!("the condition on {pointer} sets no single test"));
        };
        let found = document.pointer(pointer);
        let shown = |value: &serde_json::Value| show_value(value);
        match (test, found) {
            (JsonTest::Equals(expected), Some(value)) if json_equal(value, expected) => Ok(()),
            (JsonTest::Equals(expected), Some(value)) => Err(format!(
                "{pointer} is {}, expected {}",
                shown(value),
                shown(expected)
            )),
            (JsonTest::Equals(expected), None) => Err(format!(
                "{pointer} is missing, expected {}",
                shown(expected)
            )),
            (JsonTest::NotEquals(unwanted), Some(value)) if json_equal(value, unwanted) => Err(
                format!("{pointer} is {}, expected anything else", shown(value)),
            ),
            (JsonTest::NotEquals(_), Some(_)) => Ok(()),
            (JsonTest::NotEquals(unwanted), None) => Err(format!(
                "{pointer} is missing, expected a value other than {}",
                shown(unwanted)
            )),
            (JsonTest::Exists(true), Some(_)) | (JsonTest::Exists(false), None) => Ok(()),
            (JsonTest::Exists(true), None) => Err(format!("{pointer} is missing")),
            (JsonTest::Exists(false), Some(value)) => Err(format!(
                "{pointer} is {}, expected it to be missing",
                shown(value)
            )),
            (JsonTest::LessThan(limit), found) => {
                compare(pointer, found, "less", limit, |n| n < limit)
            }
            (JsonTest::GreaterThan(limit), found) => {
                compare(pointer, found, "greater", limit, |n| n > limit)
            }
        }
    }
}

fn compare(
    pointer: &str,
    found: Option<&serde_json::Value>,
    word: &str,
    limit: f64,
    passes: impl Fn(f64) -> bool,
) -> Result<(), String> {
    match found {
        Some(value) => match value.as_f64() {
            Some(number) if passes(number) => Ok(()),
            Some(_) => Err(format!(
                "{pointer} is {}, expected {word} than {limit}",
                show_value(value)
            )),
            None => Err(format!(
                "{pointer} is {}, expected a number {word} than {limit}",
                show_value(value)
            )),
        },
        None => Err(format!(
            "{pointer} is missing, expected a number {word} than {limit}"
        )),
    }
}

/// JSON equality, except that numbers compare by value: TOML's `1` and a body's `1.0` are the
/// same number, which `serde_json::Value`'s own `==` denies.
fn json_equal(found: &serde_json::Value, expected: &serde_json::Value) -> bool {
    use serde_json::Value::Number;
    match (found, expected) {
        // Whole numbers compare exactly (as f64 they would lose digits past 2^53); only when
        // either side is a fraction do they compare as floating point.
        (Number(a), Number(b)) if a.is_f64() || b.is_f64() => a.as_f64() == b.as_f64(),
        _ => found == expected,
    }
}

/// A value as JSON, cut short: a pointer may name a whole object, and a detail is one line.
fn show_value(value: &serde_json::Value) -> String {
    const MAX_CHARS: usize = 80;
    let text = value.to_string();
    if text.chars().count() <= MAX_CHARS {
        text
    } else {
        let cut: String = text.chars().take(MAX_CHARS).collect();
        format!("{cut}…")
    }
}

fn pointer_escapes_valid(pointer: &str) -> bool {
    let mut chars = pointer.chars();
    while let Some(ch) = chars.next() {
        if ch == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return false;
        }
    }
    true
}

/// Splits `host:port` (`[v6]:port` for IPv6). `None` when there is no port, the port is 0 or
/// not a number, the host is empty, or an IPv6 address is unbracketed (its colons would be
/// ambiguous).
pub fn split_host_port(address: &str) -> Option<(&str, u16)> {
    let (host, port) = address.rsplit_once(':')?;
    let host = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.strip_suffix(']')?,
        None if host.contains([':', '[', ']']) => return None,
        None => host,
    };
    let port: u16 = port.parse().ok()?;
    (!host.is_empty() && !host.contains(char::is_whitespace) && port != 0).then_some((host, port))
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Alertmanager's label names, so silences and routes can match check labels like any other.
fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    use expect_test::{Expect, expect};
    use serde_json::json;

    #[derive(Deserialize)]
    struct File {
        checks: Vec<CheckConfig>,
    }

    /// Parses `[[checks]]` TOML as `config` does (with key paths on serde errors).
    fn parse(text: &str) -> Result<Vec<CheckConfig>, String> {
        let value: toml::Value = toml::from_str(text).map_err(|error| error.to_string())?;
        let file: File = serde_path_to_error::deserialize(value).map_err(|error| {
            // toml's message adds "in `checks.kind`" on a second line; the path says it.
            let message = error.inner().to_string();
            let first_line = message.lines().next().unwrap_or_default().to_owned();
            format!("{}: {first_line}", error.path())
        })?;
        Ok(file.checks)
    }

    /// The problems of valid TOML, one per line.
    fn check_problems(text: &str, expected: Expect) {
        let checks = parse(text).unwrap();
        let problems: Vec<String> = validate(&checks).iter().map(ToString::to_string).collect();
        expected.assert_eq(&problems.join("\n"));
    }

    #[test]
    fn the_documented_example_loads_with_its_defaults() {
        let checks = parse(
            r#"
            [[checks]]
            name = "api-health"
            kind = "http"
            url = "https://user:pass@api.example.com/healthz?token=secret#x"
            method = "get"
            headers = { Authorization = "Bearer abc" }
            body = ""
            expect_status = [200]
            max_latency_ms = 500
            json = [ { pointer = "/status", equals = "ok" }, { pointer = "/db/healthy", equals = true } ]
            interval = "60s"
            timeout = "10s"
            failures_to_alert = 3
            successes_to_resolve = 2
            severity = "critical"
            service = "api"
            labels = { team = "cloud" }

            [[checks]]
            name = "db"
            kind = "tcp"
            address = "db.internal:5432"

            [[checks]]
            name = "api-cert"
            kind = "tls"
            address = "api.example.com:443"
            expires_within_days = 21
            "#,
        )
        .unwrap();
        assert_eq!(validate(&checks), Vec::new());

        let http = &checks[0];
        assert_eq!(http.kind, CheckKind::Http);
        assert_eq!(http.method(), Some(reqwest::Method::GET));
        assert_eq!(http.severity, Severity::Critical);
        assert_eq!(http.json[1].test(), Some(JsonTest::Equals(&json!(true))));
        // The target shown to people drops the credentials and the query.
        assert_eq!(http.target(), "https://api.example.com/healthz");

        let tcp = &checks[1];
        assert_eq!(tcp.interval(), SignedDuration::from_secs(60));
        assert_eq!(tcp.timeout(), SignedDuration::from_secs(10));
        assert_eq!(tcp.failures_to_alert(), 3);
        assert_eq!(tcp.successes_to_resolve(), 2);
        assert_eq!(tcp.severity, Severity::Error);
        assert_eq!(tcp.target(), "db.internal:5432");

        let tls = &checks[2];
        assert_eq!(tls.server_name(), Some("api.example.com"));
        assert_eq!(tls.expires_within_days(), 21);
        assert!(tls.verify());
        assert_eq!(tcp.expires_within_days(), DEFAULT_EXPIRES_WITHIN_DAYS);
    }

    #[test]
    fn every_problem_is_named_with_its_key() {
        check_problems(
            r#"
            [[checks]]
            name = "api health"
            kind = "http"
            url = "ftp://files.example.com/"
            method = "GE T"
            headers = { "Bad Header" = "x", Good = "line\nbreak" }
            expect_status = [200, 700]
            json = [
              { pointer = "status", equals = "ok" },
              { pointer = "/a~2b", exists = true },
              { pointer = "/n" },
              { pointer = "/n", less_than = 5, greater_than = 1 },
            ]
            address = "x:1"
            server_name = "x"
            interval = "5s"
            timeout = "10s"
            max_latency_ms = 20000
            failures_to_alert = 0
            successes_to_resolve = 0
            service = " "
            labels = { "team-name" = "x", "1st" = "y", ok_label = "z" }

            [[checks]]
            name = "db"
            kind = "tcp"
            url = "http://db/"
            expect_status = [200]
            address = "db.internal"
            verify = false

            [[checks]]
            name = "db"
            kind = "tls"
            address = "[::1:443"
            expires_within_days = 400

            [[checks]]
            name = "nothing"
            kind = "http"
            interval = "30s"
            timeout = "30s"

            [[checks]]
            name = "v6"
            kind = "tls"
            address = "2001:db8::1:443"

            [[checks]]
            name = "cert"
            kind = "tls"
            address = "api.example.com:443"
            server_name = "not a name"
            max_latency_ms = 0
            interval = "5s"
            "#,
            expect![[r#"
                checks[0].name: "api health" may hold only letters, digits, '-', '_' and '.'
                checks[0].address: is for tcp and tls checks, not kind = "http"
                checks[0].server_name: is for tls checks, not kind = "http"
                checks[0].url: "ftp://files.example.com/" must start with http:// or https://, not ftp:
                checks[0].method: "GE T" is not an HTTP method like GET, HEAD or POST
                checks[0].headers.Bad Header: "Bad Header" is not a valid header name
                checks[0].headers.Good: the value holds a character a header cannot (a line break or a control character)
                checks[0].expect_status[1]: 700 is not an HTTP status (100 to 599)
                checks[0].json[0].pointer: "status" is not a JSON pointer: it starts with '/', like /status or /checks/0/ok
                checks[0].json[1].pointer: "/a~2b" has a '~' that is not ~0 (for '~') or ~1 (for '/')
                checks[0].json[2]: sets no test: add one of equals, not_equals, exists, less_than or greater_than
                checks[0].json[3]: sets more than one test: use one of equals, not_equals, exists, less_than or greater_than per condition (two conditions make a range)
                checks[0].interval: 5s is shorter than the shortest interval, 10s
                checks[0].timeout: the timeout (10s) must be shorter than the interval (5s), or runs would overlap
                checks[0].max_latency_ms: must be less than the timeout (10000 ms): a slower answer is cut off by the timeout first
                checks[0].failures_to_alert: must be at least 1
                checks[0].successes_to_resolve: must be at least 1
                checks[0].service: is empty
                checks[0].labels.1st: "1st" is not a label name: a letter or '_', then letters, digits and '_'
                checks[0].labels.team-name: "team-name" is not a label name: a letter or '_', then letters, digits and '_'
                checks[1].url: is for http checks, not kind = "tcp"
                checks[1].expect_status: is for http checks, not kind = "tcp"
                checks[1].verify: is for tls checks, not kind = "tcp"
                checks[1].address: "db.internal" is not host:port, like db.internal:5432 or [2001:db8::1]:443
                checks[2].address: "[::1:443" is not host:port, like db.internal:5432 or [2001:db8::1]:443
                checks[2].expires_within_days: must be at most 365: certificates last at most 398 days, so it would always fail
                checks[2].name: check "db" is defined twice
                checks[3].url: is required for an http check, like https://api.example.com/healthz
                checks[3].timeout: the timeout (30s) must be shorter than the interval (30s), or runs would overlap
                checks[4].address: "2001:db8::1:443" is not host:port, like db.internal:5432 or [2001:db8::1]:443
                checks[5].server_name: "not a name" is not a DNS name or IP address a certificate can name
                checks[5].interval: 5s is shorter than the shortest interval, 10s
                checks[5].interval: the timeout (10s) must be shorter than the interval (5s), or runs would overlap
                checks[5].max_latency_ms: must be more than 0"#]],
        );
    }

    #[test]
    fn serde_errors_name_the_key() {
        let error = |text: &str| parse(text).unwrap_err();
        assert_eq!(
            error("[[checks]]\nname = \"a\"\nkind = \"icmp\"\naddress = \"x:1\""),
            "checks[0].kind: unknown variant `icmp`, expected one of `http`, `tcp`, `tls`"
        );
        assert_eq!(
            error("[[checks]]\nname = \"a\"\nkind = \"tcp\"\naddress = \"x:1\"\ninterval = 60"),
            "checks[0].interval: invalid type: integer `60`, expected a duration such as \"60s\", \"5m\" or \"1h30m\""
        );
        assert_eq!(
            error("[[checks]]\nname = \"a\"\nkind = \"tcp\"\naddress = \"x:1\"\ninterval = \"0s\""),
            "checks[0].interval: the duration 0s is not positive"
        );
        assert!(
            error("[[checks]]\nname = \"a\"\nkind = \"tcp\"\nadress = \"x:1\"")
                .starts_with("checks[0].adress: unknown field `adress`, expected one of `name`"),
        );
        assert_eq!(
            error(
                "[[checks]]\nname = \"a\"\nkind = \"http\"\nurl = \"http://x/\"\njson = [{ pointer = \"/a\", equal = 1 }]"
            ),
            "checks[0].json[0].equal: unknown field `equal`, expected one of `pointer`, `equals`, \
             `not_equals`, `exists`, `less_than`, `greater_than`"
        );
    }

    #[test]
    fn addresses_split_into_host_and_port() {
        assert_eq!(
            split_host_port("db.internal:5432"),
            Some(("db.internal", 5432))
        );
        assert_eq!(split_host_port("127.0.0.1:80"), Some(("127.0.0.1", 80)));
        assert_eq!(split_host_port("[::1]:443"), Some(("::1", 443)));
        for bad in [
            "db.internal",
            "db.internal:",
            ":80",
            "db:0",
            "db:65536",
            "db:http",
            "::1:443",
            "[::1:443",
            "[]:443",
            "a b:80",
        ] {
            assert_eq!(split_host_port(bad), None, "{bad}");
        }
    }

    /// Evaluates each condition (TOML inline tables) against `body`, one result line each.
    fn check_conditions(body: serde_json::Value, conditions: &str, expected: Expect) {
        let text = format!(
            "[[checks]]\nname = \"c\"\nkind = \"http\"\nurl = \"http://x/\"\njson = [{conditions}]"
        );
        let checks = parse(&text).unwrap();
        assert_eq!(validate(&checks), Vec::new());
        let results: Vec<String> = checks[0]
            .json
            .iter()
            .map(|condition| match condition.evaluate(&body) {
                Ok(()) => format!("{}: ok", condition.pointer),
                Err(reason) => reason,
            })
            .collect();
        expected.assert_eq(&results.join("\n"));
    }

    #[test]
    fn json_conditions_read_as_sentences() {
        let body = json!({
            "status": "degraded",
            "db": { "healthy": false, "lag": 2.5 },
            "queue": { "depth": 1200 },
            "version": 1.0,
            "nothing": null,
            "a/b": { "~": "tilde" },
            "checks": [ { "ok": true } ],
            "big": { "text": "x".repeat(200) },
        });
        check_conditions(
            body,
            r#"
            { pointer = "/status", equals = "ok" },
            { pointer = "/status", equals = "degraded" },
            { pointer = "/db/healthy", equals = true },
            { pointer = "/missing", equals = "ok" },
            { pointer = "/version", equals = 1 },
            { pointer = "/status", not_equals = "down" },
            { pointer = "/status", not_equals = "degraded" },
            { pointer = "/gone", not_equals = "down" },
            { pointer = "/nothing", exists = true },
            { pointer = "/gone", exists = true },
            { pointer = "/gone", exists = false },
            { pointer = "/db", exists = false },
            { pointer = "/queue/depth", less_than = 1000 },
            { pointer = "/queue/depth", greater_than = 1000 },
            { pointer = "/db/lag", less_than = 2.5 },
            { pointer = "/status", less_than = 5 },
            { pointer = "/gone", greater_than = 0 },
            { pointer = "/a~1b/~0", equals = "tilde" },
            { pointer = "/checks/0/ok", equals = true },
            { pointer = "/big", equals = "short" },
            "#,
            expect![[r#"
                /status is "degraded", expected "ok"
                /status: ok
                /db/healthy is false, expected true
                /missing is missing, expected "ok"
                /version: ok
                /status: ok
                /status is "degraded", expected anything else
                /gone is missing, expected a value other than "down"
                /nothing: ok
                /gone is missing
                /gone: ok
                /db is {"healthy":false,"lag":2.5}, expected it to be missing
                /queue/depth is 1200, expected less than 1000
                /queue/depth: ok
                /db/lag is 2.5, expected less than 2.5
                /status is "degraded", expected a number less than 5
                /gone is missing, expected a number greater than 0
                /a~1b/~0: ok
                /checks/0/ok: ok
                /big is {"text":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…, expected "short""#]],
        );
    }

    #[test]
    fn a_condition_without_a_single_test_fails_instead_of_passing() {
        let condition = JsonCondition {
            pointer: "/a".to_owned(),
            equals: None,
            not_equals: None,
            exists: None,
            less_than: None,
            greater_than: None,
        };
        assert_eq!(
            condition.evaluate(&json!({ "a": 1 })),
            Err("the condition on /a sets no single test".to_owned())
        );
    }
}
