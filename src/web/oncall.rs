//! `/oncall`: who is on call now on each schedule, a two-week calendar per schedule with its
//! overrides and gaps (in the viewer's time zone), a form to override (responders), and "My
//! on-call" for the signed-in person: their shifts, contact methods and a test-page button.

use crate::store::audit::NewAudit;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::auth::{Form, NoFields, SignedIn};
use super::frame::{Frame, viewer_time_zone};
use super::render::{PageError, local_time};
use crate::config::Config;
use crate::core::role::Role;
use crate::i18n::Locale;
use crate::oncall::views::{self, ViewError};
use crate::state::AppState;
use crate::store::oncall::NewOverride;
use crate::web::PagePath;

const DAYS: i64 = 14;

#[derive(Debug, Default, Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    replaces: String,
    /// `datetime-local` values, in the viewer's zone.
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    changed: Option<String>,
}

/// One stretch of a calendar day: someone on call, or nobody.
#[derive(Debug, Serialize)]
struct Stretch {
    from: String,
    to: String,
    person: Option<String>,
    #[serde(rename = "override")]
    override_id: Option<String>,
}

#[derive(Debug, Serialize)]
struct Day {
    date: String,
    stretches: Vec<Stretch>,
}

fn clock_time(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone()).strftime("%H:%M").to_string()
}

/// The schedule's next two weeks, day by day in `zone`, gaps included.
async fn calendar(
    state: &AppState,
    schedule: &str,
    zone: &TimeZone,
    today: jiff::civil::Date,
) -> Result<Vec<Day>, PageError> {
    let config = state.config.current();
    let start = zone
        .to_ambiguous_timestamp(today.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .map_err(|_| PageError::Internal)?;
    let mut days = Vec::new();
    let mut date = today;
    let mut day_start = start;
    for _ in 0..DAYS {
        let next = date.tomorrow().map_err(|_| PageError::Internal)?;
        let day_end = zone
            .to_ambiguous_timestamp(next.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .map_err(|_| PageError::Internal)?;
        let shifts = views::shifts(&state.store, &config, schedule, day_start, day_end)
            .await
            .map_err(view_error)?;
        let mut stretches: Vec<(Timestamp, Stretch)> = shifts
            .iter()
            .map(|shift| {
                (
                    shift.start,
                    Stretch {
                        from: clock_time(shift.start, zone),
                        to: if shift.end == day_end {
                            "24:00".into()
                        } else {
                            clock_time(shift.end, zone)
                        },
                        person: Some(
                            config
                                .person(&shift.person)
                                .map_or(shift.person.clone(), |p| p.display_name().to_owned()),
                        ),
                        override_id: shift.override_id.clone(),
                    },
                )
            })
            .collect();
        for (from, to) in crate::core::oncall::gaps(&shifts, day_start, day_end) {
            stretches.push((
                from,
                Stretch {
                    from: clock_time(from, zone),
                    to: if to == day_end {
                        "24:00".into()
                    } else {
                        clock_time(to, zone)
                    },
                    person: None,
                    override_id: None,
                },
            ));
        }
        stretches.sort_by_key(|(at, _)| *at);
        days.push(Day {
            date: date.strftime("%a %d %b").to_string(),
            stretches: stretches.into_iter().map(|(_, stretch)| stretch).collect(),
        });
        date = next;
        day_start = day_end;
    }
    Ok(days)
}

/// One bar of a schedule's timeline: a layer's own rotation, the overrides, or the final
/// rotation pages follow. Segments are placed in per-mille of the two weeks, for an SVG
/// whose rects need no inline style.
#[derive(Debug, Serialize)]
struct Bar {
    label: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Serialize)]
struct Segment {
    x: f64,
    width: f64,
    /// Colour class: `p0`…`p7` per person, `gap` for nobody.
    class: String,
    title: String,
}

/// Day boundaries and labels under the bars.
#[derive(Debug, Serialize)]
struct Tick {
    x: f64,
    label: String,
}

/// The schedule over the two weeks from the viewer's midnight: each layer, the overrides and
/// the final rotation (gaps drawn), with day ticks, the now line and the people's colours.
async fn timeline(
    state: &AppState,
    schedule: &crate::config::oncall::ScheduleConfig,
    zone: &TimeZone,
    today: jiff::civil::Date,
    now: Timestamp,
    locale: Locale,
) -> Result<minijinja::Value, PageError> {
    let config = state.config.current();
    let Ok(compiled) = schedule.compile() else {
        return Ok(minijinja::Value::UNDEFINED);
    };
    let midnight = |date: jiff::civil::Date| {
        zone.to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .map_err(|_| PageError::Internal)
    };
    let from = midnight(today)?;
    let mut days = vec![from];
    let mut date = today;
    for _ in 0..DAYS {
        date = date.tomorrow().map_err(|_| PageError::Internal)?;
        days.push(midnight(date)?);
    }
    let to = days[days.len() - 1];
    let span = to.duration_since(from).as_secs_f64().max(1.0);
    let place =
        |at: Timestamp| (at.duration_since(from).as_secs_f64() / span * 1000.0).clamp(0.0, 1000.0);
    let name_of = |person: &str| {
        config
            .person(person)
            .map_or(person.to_owned(), |p| p.display_name().to_owned())
    };
    let colour = |person: &str| {
        let index = config
            .people
            .iter()
            .position(|p| p.id == person)
            .unwrap_or(config.people.len());
        format!("p{}", index % 8)
    };
    let when = |at: Timestamp| {
        let format = match locale {
            Locale::En => "%a %d %b %H:%M",
            _ => "%-m월 %-d일 %H:%M",
        };
        at.to_zoned(zone.clone()).strftime(format).to_string()
    };
    let segment = |person: Option<&str>, start: Timestamp, end: Timestamp, note: &str| Segment {
        x: place(start),
        width: (place(end) - place(start)).max(0.0),
        class: person.map_or("gap".to_owned(), colour),
        title: format!(
            "{}{note}: {} → {}",
            person.map_or_else(|| locale.text("oncall-bar-nobody"), name_of),
            when(start),
            when(end)
        ),
    };
    let overrides: Vec<_> = state
        .store
        .list_overrides(Some(&schedule.id), from, to)
        .await?
        .iter()
        .map(crate::store::oncall::OverrideRow::as_core)
        .collect();
    let mut bars = Vec::new();
    if compiled.layers.len() > 1 || !overrides.is_empty() {
        for (index, layer) in compiled.layers.iter().enumerate() {
            let alone = crate::core::oncall::Schedule {
                time_zone: compiled.time_zone.clone(),
                layers: vec![layer.clone()],
            };
            bars.push(Bar {
                label: locale.text_with("oncall-bar-layer", &[("number", (index + 1).into())]),
                segments: alone
                    .shifts(&[], from, to)
                    .iter()
                    .map(|shift| segment(Some(&shift.person), shift.start, shift.end, ""))
                    .collect(),
            });
        }
        bars.push(Bar {
            label: locale.text("oncall-bar-overrides"),
            segments: overrides
                .iter()
                .map(|o| {
                    let note = match &o.replaces {
                        Some(replaced) => locale
                            .text_with("oncall-bar-for", &[("name", name_of(replaced).into())]),
                        None => locale.text("oncall-bar-beside"),
                    };
                    segment(Some(&o.person), o.start.max(from), o.end.min(to), &note)
                })
                .collect(),
        });
    }
    let final_shifts = compiled.shifts(&overrides, from, to);
    let mut segments: Vec<Segment> = final_shifts
        .iter()
        .map(|shift| {
            segment(
                Some(&shift.person),
                shift.start,
                shift.end,
                &if shift.override_id.is_some() {
                    locale.text("cli-override-mark")
                } else {
                    String::new()
                },
            )
        })
        .collect();
    segments.extend(
        crate::core::oncall::gaps(&final_shifts, from, to)
            .into_iter()
            .map(|(start, end)| segment(None, start, end, "")),
    );
    bars.push(Bar {
        label: locale.text("nav-oncall"),
        segments,
    });
    let mut people: Vec<String> = final_shifts.iter().map(|s| s.person.clone()).collect();
    people.extend(
        compiled
            .layers
            .iter()
            .flat_map(|l| l.members.iter().cloned()),
    );
    people.sort_by_key(|person| config.people.iter().position(|p| &p.id == person));
    people.dedup();
    let ticks: Vec<Tick> = days[..days.len() - 1]
        .iter()
        .map(|day| Tick {
            x: place(*day),
            label: day
                .to_zoned(zone.clone())
                .strftime(match locale {
                    Locale::En => "%a %-d",
                    _ => "%-d일",
                })
                .to_string(),
        })
        .collect();
    Ok(context! {
        bars => minijinja::Value::from(minijinja::value::Serde(&bars)),
        ticks => minijinja::Value::from(minijinja::value::Serde(&ticks)),
        now => (now >= from && now < to).then(|| place(now)),
        legend => people.iter().map(|person| context! { name => name_of(person), class => colour(person) }).collect::<Vec<_>>(),
    })
}

fn view_error(error: ViewError) -> PageError {
    match error {
        ViewError::Unknown(what, _) => PageError::NotFound(what),
        ViewError::Invalid(message) => PageError::BadRequest(message),
        ViewError::Store(error) => error.into(),
    }
}

async fn render(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    extra: minijinja::Value,
) -> Result<Html<String>, PageError> {
    let config = state.config.current();
    let now = state.clock.now();
    let zone = viewer_time_zone(headers);
    let locale = super::frame::viewer_locale(state, headers, Some(user));
    let today = now.to_zoned(zone.clone()).date();
    let gaps = views::coverage_gaps(Some(&state.store), &config, now).await?;
    let mut schedules = Vec::new();
    for schedule in &config.schedules {
        let on_call = views::on_call(
            &state.store,
            &config,
            views::Scope::Schedule(&schedule.id),
            now,
        )
        .await
        .map_err(view_error)?;
        let overrides = state
            .store
            .list_overrides(
                Some(&schedule.id),
                now,
                now + SignedDuration::from_hours(24 * DAYS),
            )
            .await?;
        let what = format!("schedule:{}", schedule.id);
        schedules.push(context! {
            id => &schedule.id,
            name => schedule.display_name(),
            timezone => &schedule.timezone,
            on_call => minijinja::Value::from(minijinja::value::Serde(&on_call)),
            overrides => minijinja::Value::from(minijinja::value::Serde(&overrides)),
            gaps => minijinja::Value::from(minijinja::value::Serde(
                gaps.iter().filter(|gap| gap.what == what).collect::<Vec<_>>(),
            )),
            days => minijinja::Value::from(minijinja::value::Serde(
                calendar(state, &schedule.id, &zone, today).await?,
            )),
            timeline => timeline(state, schedule, &zone, today, now, locale).await?,
            ical => format!("{}/ical/schedules/{}.ics", config.server.base_url(), schedule.id),
        });
    }
    let mut teams = Vec::new();
    for team in &config.teams {
        let on_call = views::on_call(&state.store, &config, views::Scope::Team(&team.id), now)
            .await
            .map_err(view_error)?;
        if !on_call.is_empty()
            || !views::schedules(&config, views::Scope::Team(&team.id))
                .map_err(view_error)?
                .is_empty()
        {
            teams.push(context! {
                id => &team.id,
                name => team.name.as_deref().unwrap_or(&team.id),
                on_call => minijinja::Value::from(minijinja::value::Serde(&on_call)),
            });
        }
    }
    let policy_gaps: Vec<_> = gaps
        .iter()
        .filter(|gap| gap.what.starts_with("policy:"))
        .collect();
    // "My on-call": the person whose `user` is the one signed in.
    let me = user.person(&config);
    let mine = match me {
        Some(person) => {
            let mut shifts = Vec::new();
            for schedule in &config.schedules {
                let upcoming = views::shifts(
                    &state.store,
                    &config,
                    &schedule.id,
                    now,
                    now + SignedDuration::from_hours(24 * DAYS),
                )
                .await
                .map_err(view_error)?;
                for shift in upcoming
                    .into_iter()
                    .filter(|shift| shift.person == person.id)
                {
                    shifts.push(context! {
                        schedule => schedule.display_name(),
                        start => shift.start.to_string(),
                        end => shift.end.to_string(),
                    });
                }
            }
            let contacts: Vec<_> = person
                .contacts
                .iter()
                .map(|contact| context! { name => contact.name(), kind => contact.kind_name() })
                .collect();
            let rules: Vec<_> = person
                .rules()
                .into_iter()
                .map(|(after, contact)| {
                    context! {
                        after => if after.is_zero() {
                            "at once".to_owned()
                        } else {
                            format!("after {}", crate::core::noise::human_duration(after.as_secs_f64()))
                        },
                        contact => contact.name(),
                    }
                })
                .collect();
            Some(context! {
                id => &person.id,
                name => person.display_name(),
                shifts,
                contacts,
                rules,
            })
        }
        None => None,
    };
    let people: Vec<_> = config
        .people
        .iter()
        .map(|person| context! { id => &person.id, name => person.display_name() })
        .collect();
    let shadow = shadow_pages(state, &config).await?;
    Frame {
        state,
        user,
        headers,
        section: "oncall",
    }
    .render(
        "oncall.html",
        context! {
            schedules,
            teams,
            policy_gaps => minijinja::Value::from(minijinja::value::Serde(&policy_gaps)),
            mine,
            people,
            shadow,
            ..extra
        },
    )
}

/// The latest shadow pages and which policies are in shadow mode, for the week beside the
/// old pager.
async fn shadow_pages(state: &AppState, config: &Config) -> Result<minijinja::Value, PageError> {
    let policies: Vec<&str> = if config.paging.shadow {
        vec!["[paging]"]
    } else {
        config
            .escalation_policies
            .iter()
            .filter(|policy| policy.shadow)
            .map(|policy| policy.id.as_str())
            .collect()
    };
    let pages = state
        .store
        .list_pages(crate::store::oncall::PageFilter::Shadow, 50)
        .await?;
    let pages: Vec<_> = pages
        .iter()
        .map(|page| {
            context! {
                id => &page.id,
                at => page.sent_at.unwrap_or(page.due_at).to_string(),
                pending => page.state == crate::store::oncall::PageState::Pending,
                person => config.person(&page.person).map_or(page.person.as_str(), |p| p.display_name()),
                contact => &page.contact,
                kind => &page.contact_kind,
                step => page.step.map(|step| step + 1),
                round => page.round.map(|round| round + 1),
                summary => &page.summary,
            }
        })
        .collect();
    Ok(context! {
        on => !policies.is_empty(),
        policies => policies.join(", "),
        pages,
    })
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    axum::extract::Query(query): axum::extract::Query<Flash>,
) -> Result<Html<String>, PageError> {
    render(
        &state,
        &user,
        &headers,
        context! { changed => query.changed },
    )
    .await
}

pub async fn create_override(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(form): Form<OverrideForm>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let zone = viewer_time_zone(&headers);
    let config = state.config.current();
    let created_by = format!("user:{}", user.user.name);
    let result = match (local_time(&form.start, &zone), local_time(&form.end, &zone)) {
        (Some(start), Some(end)) => views::check_override(
            &config,
            NewOverride {
                schedule: &form.schedule,
                person: &form.person,
                replaces: Some(form.replaces.trim()).filter(|text| !text.is_empty()),
                start,
                end,
                created_by: &created_by,
            },
        )
        .map_err(|error| error.to_string()),
        _ => Err("give a start and an end".to_owned()),
    };
    match result {
        Ok(new) => {
            let actor = user.actor();
            state
                .store
                .create_override(&new, state.clock.now(), &|row| {
                    vec![NewAudit::new(&actor, "override.create", &row.id).after(row)]
                })
                .await?;
            tracing::info!(user = %user.user.name, schedule = %form.schedule, person = %form.person, "override created from the web UI");
            Ok(Redirect::to("/oncall?changed=created").into_response())
        }
        Err(problem) => {
            let page = render(
                &state,
                &user,
                &headers,
                context! {
                    problem,
                    form => context! {
                        schedule => form.schedule,
                        person => form.person,
                        replaces => form.replaces,
                        start => form.start,
                        end => form.end,
                    },
                },
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

pub async fn delete_override(
    State(state): State<AppState>,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    user.require(Role::Responder)?;
    let actor = user.actor();
    let removed = state
        .store
        .delete_override(&id, state.clock.now(), &|row| {
            vec![NewAudit::new(&actor, "override.delete", &row.id).before(row)]
        })
        .await?;
    if !removed {
        return Err(PageError::NotFound("override"));
    }
    tracing::info!(user = %user.user.name, override_id = %id, "override removed from the web UI");
    Ok(Redirect::to("/oncall?changed=removed").into_response())
}

/// "Send me a test page": only for the signed-in person's own contacts.
pub async fn test_page(
    State(state): State<AppState>,
    user: SignedIn,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    let config = state.config.current();
    let Some(person) = user.person(&config) else {
        return Err(PageError::BadRequest(
            "You are not a person in [[people]] (their `user` names your sign-in).".into(),
        ));
    };
    match crate::oncall::ops::test_page(&state, &person.id).await {
        Ok(_) => Ok(Redirect::to("/oncall?changed=test_page").into_response()),
        Err(crate::oncall::ops::PageError::Store(error)) => Err(error.into()),
        Err(error) => Err(PageError::BadRequest(error.to_string())),
    }
}
