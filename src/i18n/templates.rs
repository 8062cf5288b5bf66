//! What a minijinja template needs to speak the reader's language: `t("key", name=value)`, and
//! the time filters (`when`, `when_full`, `ago`, `millis`, `span`) in the context's `locale`,
//! `tz` and `now`. The web UI and the status page register the same ones.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, State, Value};

use super::{Arg, Locale};

pub fn register(env: &mut Environment<'_>) {
    env.add_function("t", t);
    env.add_function("th", th);
    env.add_filter("when", when);
    env.add_filter("when_full", when_full);
    env.add_filter("when_public", when_public);
    env.add_filter("ago", ago);
    env.add_filter("millis", millis);
    env.add_filter("span", span);
}

/// The context's `locale` (`"en"`, `"ko"`); English when there is none.
pub fn locale_of(state: &State) -> Locale {
    state
        .lookup("locale")
        .and_then(|value| value.as_str().and_then(Locale::parse))
        .unwrap_or_default()
}

fn zone_of(state: &State) -> TimeZone {
    state
        .lookup("tz")
        .and_then(|value| value.as_str().and_then(|name| TimeZone::get(name).ok()))
        .unwrap_or(TimeZone::UTC)
}

fn timestamp(value: &Value) -> Option<Timestamp> {
    value.as_str().and_then(|text| text.parse().ok())
}

/// `{{ t("alerts-firing", count=3) }}`: numbers pick plural forms; anything else is text.
/// The result is escaped like any value.
fn t(state: &State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let args = arguments(&kwargs, false)?;
    Ok(locale_of(state).text_with(key, &args))
}

/// `{{ th("oncall-empty", code="[[schedules]]") }}`: a message that holds markup of its own
/// (`<code>`, a link), shown as it is; its values are escaped first, except markup a macro
/// made (`ago=ago(at)`), which is already safe.
fn th(state: &State, key: &str, kwargs: Kwargs) -> Result<Value, minijinja::Error> {
    let args = arguments(&kwargs, true)?;
    Ok(Value::from_safe_string(
        locale_of(state).text_with(key, &args),
    ))
}

fn arguments(kwargs: &Kwargs, html: bool) -> Result<Vec<(&str, Arg<'static>)>, minijinja::Error> {
    let mut args: Vec<(&str, Arg)> = Vec::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let arg = match value.kind() {
            ValueKind::Number if value.as_i64().is_some() => {
                Arg::Number(value.as_i64().unwrap_or_default())
            }
            ValueKind::Undefined | ValueKind::None => Arg::Text("".into()),
            _ if html && value.is_safe() => Arg::Text(value.to_string().into()),
            _ if html => Arg::Text(minijinja::HtmlEscape(&value.to_string()).to_string().into()),
            _ => Arg::Text(value.to_string().into()),
        };
        args.push((name, arg));
    }
    kwargs.assert_all_used()?;
    Ok(args)
}

/// `2026-11-22 14:03`, `2026년 11월 22일 14:03`, in the reader's zone.
fn when(state: &State, value: Value) -> String {
    timestamp(&value).map_or_else(String::new, |at| {
        locale_of(state).date_time(&at.to_zoned(zone_of(state)))
    })
}

/// To the second with the zone, for a tooltip.
fn when_full(state: &State, value: Value) -> String {
    timestamp(&value).map_or_else(String::new, |at| {
        locale_of(state).date_time_full(&at.to_zoned(zone_of(state)))
    })
}

/// `3 Nov 2026, 11:00 KST`, `2026년 11월 3일 11:00 KST`: for the public.
fn when_public(state: &State, value: Value) -> String {
    timestamp(&value).map_or_else(
        || value.as_str().unwrap_or_default().to_owned(),
        |at| locale_of(state).date_time_public(&at.to_zoned(zone_of(state))),
    )
}

/// `5 min ago`, `3시간 20분 전`, from the context's `now`.
fn ago(state: &State, value: Value) -> String {
    let (Some(at), Some(now)) = (
        timestamp(&value),
        state.lookup("now").as_ref().and_then(timestamp),
    ) else {
        return String::new();
    };
    locale_of(state).ago(at, now)
}

/// Seconds as a span: `2 h`, `3시간 20분`.
fn span(state: &State, value: Value) -> String {
    value.as_i64().map_or_else(String::new, |seconds| {
        locale_of(state).duration(jiff::SignedDuration::from_secs(seconds))
    })
}

/// `850 ms`, `2.5 s`, `3.2 min`.
fn millis(state: &State, value: Value) -> String {
    let Some(ms) = value
        .as_i64()
        .map(|v| v as f64)
        .or_else(|| f64::try_from(value).ok())
    else {
        return String::new();
    };
    locale_of(state).millis(ms)
}
