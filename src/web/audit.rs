//! `/audit` (admins): the audit log, newest first, filtered as the API filters it, with the
//! chain's state (`accounts::audit::verify` on demand).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Html;
use minijinja::context;
use serde::Deserialize;

use super::auth::SignedIn;
use super::frame::Frame;
use super::render::PageError;
use crate::core::role::Role;
use crate::state::AppState;
use crate::store::audit::AuditFilter;

/// Entries on one page; older ones are a link away.
const PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    actor: String,
    action: String,
    target: String,
    before: Option<i64>,
    verify: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, PageError> {
    user.require(Role::Admin)?;
    let query: AuditQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let present = |text: &str| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
    let entries = state
        .store
        .list_audit(&AuditFilter {
            actor: present(&query.actor),
            action: present(&query.action),
            target: present(&query.target),
            before_seq: query.before,
            limit: PAGE,
            ..AuditFilter::default()
        })
        .await?;
    let older = (entries.len() as i64 == PAGE)
        .then(|| entries.last().map(|entry| entry.seq))
        .flatten()
        .map(|seq| {
            serde_urlencoded::to_string([
                ("actor", query.actor.as_str()),
                ("action", query.action.as_str()),
                ("target", query.target.as_str()),
                ("before", &seq.to_string()),
            ])
            .unwrap_or_default()
        });
    let chain = if query.verify.is_some() {
        Some(match crate::accounts::audit::verify(&state.store).await {
            Ok(count) => context! { ok => true, count },
            Err(crate::accounts::audit::VerifyError::Broken(broken)) => {
                context! { ok => false, seq => broken.seq, why => broken.why }
            }
            Err(crate::accounts::audit::VerifyError::Store(error)) => return Err(error.into()),
        })
    } else {
        None
    };
    let items: Vec<minijinja::Value> = entries
        .iter()
        .map(|entry| {
            let json = entry.to_json();
            let shown = |value: &serde_json::Value| (!value.is_null()).then(|| value.to_string());
            context! {
                seq => entry.seq,
                at => minijinja::Value::from(minijinja::value::Serde(entry.at)),
                actor => &entry.actor,
                channel => &entry.channel,
                action => &entry.action,
                target => &entry.target,
                before => shown(&json["before"]),
                after => shown(&json["after"]),
                hash => entry.hash.get(..12).unwrap_or_default(),
            }
        })
        .collect();
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "audit",
    }
    .render(
        "audit.html",
        context! {
            items,
            older,
            chain,
            form => context! { actor => query.actor, action => query.action, target => query.target },
        },
    )
}
