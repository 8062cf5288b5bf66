//! What an API token may do. `admin` implies every other scope.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    EventsRead,
    EventsWrite,
    NotificationsRead,
    NotificationsWrite,
    AlertsRead,
    AlertsWrite,
    OncallRead,
    OncallWrite,
    IncidentsRead,
    IncidentsWrite,
    ChangesWrite,
    DeploymentsWrite,
    MetricsRead,
    DeliveryRead,
    AuditRead,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 16] = [
        Scope::EventsRead,
        Scope::EventsWrite,
        Scope::NotificationsRead,
        Scope::NotificationsWrite,
        Scope::AlertsRead,
        Scope::AlertsWrite,
        Scope::OncallRead,
        Scope::OncallWrite,
        Scope::IncidentsRead,
        Scope::IncidentsWrite,
        Scope::ChangesWrite,
        Scope::DeploymentsWrite,
        Scope::MetricsRead,
        Scope::DeliveryRead,
        Scope::AuditRead,
        Scope::Admin,
    ];

    /// The least web UI role that may use this scope: a token acting for a person can do no
    /// more than that person could in the UI.
    pub fn role_needed(self) -> crate::core::role::Role {
        use crate::core::role::Role;
        match self {
            Scope::EventsRead
            | Scope::NotificationsRead
            | Scope::AlertsRead
            | Scope::OncallRead
            | Scope::IncidentsRead
            | Scope::MetricsRead
            | Scope::DeliveryRead => Role::Viewer,
            Scope::EventsWrite
            | Scope::NotificationsWrite
            | Scope::AlertsWrite
            | Scope::OncallWrite
            | Scope::IncidentsWrite
            | Scope::ChangesWrite
            | Scope::DeploymentsWrite
            // Who merged what unreviewed names people: for those who act, not every viewer.
            | Scope::AuditRead => Role::Responder,
            Scope::Admin => Role::Admin,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EventsRead => "events:read",
            Scope::EventsWrite => "events:write",
            Scope::NotificationsRead => "notifications:read",
            Scope::NotificationsWrite => "notifications:write",
            Scope::AlertsRead => "alerts:read",
            Scope::AlertsWrite => "alerts:write",
            Scope::OncallRead => "oncall:read",
            Scope::OncallWrite => "oncall:write",
            Scope::IncidentsRead => "incidents:read",
            Scope::IncidentsWrite => "incidents:write",
            Scope::ChangesWrite => "changes:write",
            Scope::DeploymentsWrite => "deployments:write",
            Scope::MetricsRead => "metrics:read",
            Scope::DeliveryRead => "delivery:read",
            Scope::AuditRead => "audit:read",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown scope \"{0}\" (known: events:read, events:write, notifications:read, notifications:write, alerts:read, alerts:write, oncall:read, oncall:write, incidents:read, incidents:write, changes:write, deployments:write, metrics:read, delivery:read, audit:read, admin)"
)]
pub struct UnknownScope(pub String);

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == text.trim())
            .ok_or_else(|| UnknownScope(text.trim().to_owned()))
    }
}

/// Parses `events:read,admin` into scopes, rejecting unknown names and an empty list.
pub fn parse_list(text: &str) -> Result<Vec<Scope>, UnknownScope> {
    let mut scopes: Vec<Scope> = text
        .split(',')
        .filter(|part| !part.trim().is_empty())
        .map(Scope::from_str)
        .collect::<Result<_, _>>()?;
    if scopes.is_empty() {
        return Err(UnknownScope(String::new()));
    }
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}

pub fn allows(granted: &[Scope], needed: Scope) -> bool {
    granted.contains(&Scope::Admin) || granted.contains(&needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_admin_implies_all() {
        let scopes = parse_list("notifications:write, events:read").unwrap();
        assert_eq!(scopes, vec![Scope::EventsRead, Scope::NotificationsWrite]);
        assert!(allows(&scopes, Scope::EventsRead));
        assert!(!allows(&scopes, Scope::NotificationsRead));
        assert!(allows(&[Scope::Admin], Scope::NotificationsRead));
        assert!(parse_list("events:read,root").is_err());
        assert!(parse_list("").is_err());
    }
}
