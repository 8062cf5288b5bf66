//! What an importer reads out of another tool, in Firewatch's terms, before it is written as
//! config: every item keeps where it came from, and everything that could not be carried is a
//! [`Skipped`] with a reason and a manual step, so nothing is dropped silently.
//!
//! Readers (one module per source) fill an [`Org`]; `import::write` turns it into TOML and the
//! report. Ids are Firewatch ids already (`[a-z0-9_-]`, made by [`slug`]); references between
//! items use those ids.

use std::future::Future;

/// Where an item came from: shown in the comment above it and in the report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// What it was there: "PagerDuty schedule", "Opsgenie rotation", "alertmanager.yml route".
    pub what: String,
    /// The source's id ("PABC123"), or a path in a file ("route.routes[2]").
    pub id: String,
    /// The source's name for it, when it has one.
    pub name: String,
    /// A link to it in the source's web UI or API, when known.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Org {
    /// "PagerDuty", "Opsgenie", "Grafana OnCall", "Alertmanager".
    pub source: String,
    pub people: Vec<Person>,
    pub teams: Vec<Team>,
    pub services: Vec<Service>,
    pub schedules: Vec<Schedule>,
    pub policies: Vec<Policy>,
    /// Future overrides, for `--apply-overrides` (listed in the report either way).
    pub overrides: Vec<Override>,
    pub destinations: Vec<Destination>,
    pub routes: Vec<Route>,
    /// `[[inhibit_rules]]`, as TOML tables (Alertmanager's shape: Firewatch's is the same).
    pub inhibit_rules: Vec<Table>,
    /// `[[time_intervals]]`, as TOML tables.
    pub time_intervals: Vec<Table>,
    pub skipped: Vec<Skipped>,
}

/// A TOML table to write as is (keys in the order given).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub origin: Origin,
    pub entries: Vec<(String, toml::Value)>,
}

#[derive(Debug, Clone, Default)]
pub struct Person {
    pub origin: Origin,
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    /// An IANA zone.
    pub timezone: Option<String>,
    pub contacts: Vec<Contact>,
    /// When each contact is used after a page starts; empty: every contact at once.
    pub notify: Vec<Notify>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Unique within the person: "email", "sms", "voice", "email-2"…
    pub name: String,
    pub kind: ContactKind,
}

/// Firewatch's contact kinds an import can fill. Email, SMS and voice go through
/// destinations the written config declares once (`pager-mail`, `twilio`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKind {
    Email {
        to: String,
    },
    /// E.164 (`+15017122661`).
    Sms {
        to: String,
    },
    Voice {
        to: String,
    },
    /// A Standard Webhooks POST to this URL.
    Webhook {
        url: String,
    },
    /// An ntfy topic URL.
    Ntfy {
        url: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    pub after_minutes: u32,
    /// A [`Contact::name`] of the same person.
    pub contact: String,
}

#[derive(Debug, Clone, Default)]
pub struct Team {
    pub origin: Origin,
    pub id: String,
    pub name: String,
    /// Person ids.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Service {
    pub origin: Origin,
    pub id: String,
    pub name: String,
    pub team: Option<String>,
    pub escalation_policy: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Schedule {
    pub origin: Origin,
    pub id: String,
    pub name: String,
    /// An IANA zone; handoffs, starts and restrictions are read in it.
    pub timezone: String,
    /// Lowest first: a later layer wins wherever it has someone on call (PagerDuty's and
    /// Grafana OnCall's order; Opsgenie's rotations are reversed into it).
    pub layers: Vec<Layer>,
}

/// A rotation layer, in Firewatch's words (PRODUCT.md §3.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layer {
    pub name: String,
    /// "daily", "weekly" or "Nh" (1 to 168 whole hours).
    pub rotation: String,
    /// Weekly: "mon 09:00"; daily and N-hour: "09:00".
    pub handoff: String,
    /// "YYYY-MM-DD": the first handoff on or after this date starts `members[0]`.
    pub start: String,
    /// Person ids; a person may appear more than once (a two-week turn as a weekly
    /// rotation lists each member twice).
    pub members: Vec<String>,
    pub restrict: Vec<Restrict>,
    /// A line for the comment above the layer (how it was translated), if any.
    pub note: Option<String>,
}

/// `{ days = "mon-fri", from = "09:00", to = "18:00" }`; `to` not after `from` runs past
/// midnight; "24:00" ends at midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restrict {
    pub days: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub origin: Origin,
    pub id: String,
    pub name: String,
    /// The whole list runs 1 + `repeat` times unless acknowledged (at most 9).
    pub repeat: u32,
    /// Minutes from the last step to the next round's first; `None`: Firewatch's default.
    pub repeat_after_minutes: Option<u32>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Minutes after the previous step (the first: after the page starts).
    pub after_minutes: u32,
    /// "person:ID", "schedule:ID" or "team:ID" (a team tells its channel).
    pub notify: Vec<String>,
}

/// A future override: `person` is on call in place of `replaces` (or, with `None`, in place
/// of whoever the schedule has on call then, which is what PagerDuty, Opsgenie and Grafana
/// OnCall overrides mean; the writer finds who that is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub origin: Origin,
    pub schedule: String,
    pub person: String,
    /// RFC 3339.
    pub start: String,
    pub end: String,
    pub replaces: Option<String>,
}

/// An outbound destination (Alertmanager's receivers), as a TOML table with `name` and
/// `kind` first.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub origin: Origin,
    pub name: String,
    pub kind: String,
    /// The rest of the keys, in order. Secrets are written as `${VAR}` references, never
    /// as values read from the source.
    pub entries: Vec<(String, toml::Value)>,
}

/// A `[[routes]]` entry as a TOML table (`match`, `to`, `continue`, grouping...).
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub origin: Origin,
    pub entries: Vec<(String, toml::Value)>,
}

/// Something not carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub origin: Origin,
    /// Why, in a sentence.
    pub reason: String,
    /// What to do by hand, in a sentence.
    pub manual_step: String,
}

impl Skipped {
    pub fn new(origin: Origin, reason: impl Into<String>, manual_step: impl Into<String>) -> Self {
        Skipped {
            origin,
            reason: reason.into(),
            manual_step: manual_step.into(),
        }
    }
}

/// A source's API, as its reader sees it. The client behind it adds the credentials,
/// waits out `429` (`Retry-After`), and turns other failures into a sentence.
pub trait Api {
    /// GET `path_and_query` (`/users?limit=100&offset=0`) under the API's base URL, or a full
    /// URL the API gave (a `next` link); the body as JSON.
    fn get(
        &self,
        path_and_query: &str,
    ) -> impl Future<Output = Result<serde_json::Value, ApiError>> + Send;
}

/// Why a source could not be read, as a sentence for the person running the import.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ApiError(pub String);

/// A Firewatch id from a source's name or id: lowercase ASCII letters and digits, runs of
/// anything else as one `-`, trimmed; empty becomes `item`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "item".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Firewatch ids handed out so far, one set per kind of item (each kind's ids are unique
/// among themselves in the config).
#[derive(Debug, Default)]
pub struct Taken {
    pub people: std::collections::HashSet<String>,
    pub teams: std::collections::HashSet<String>,
    pub schedules: std::collections::HashSet<String>,
    pub policies: std::collections::HashSet<String>,
    pub services: std::collections::HashSet<String>,
}

/// `base` if unused, else `base-2`, `base-3`…; records the one it returns.
pub fn unique(base: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let mut candidate = base.to_owned();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}
