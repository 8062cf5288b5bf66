//! Performance bands: where each DORA figure falls in a published benchmark table. The tables
//! are data files (`data/dora-bands/*.toml`), versioned by the report's year, embedded here.

use serde::{Deserialize, Serialize};

use crate::core::dora::Report;

/// The tables, newest first: the first is the default.
const TABLES: &[(&str, &str)] = &[
    ("2024", include_str!("../../data/dora-bands/2024.toml")),
    ("2023", include_str!("../../data/dora-bands/2023.toml")),
    ("2021", include_str!("../../data/dora-bands/2021.toml")),
];

/// Deployment frequency classes, most frequent first.
const CLASSES: &[&str] = &[
    "on_demand",
    "daily_to_weekly",
    "weekly_to_monthly",
    "monthly_to_biannually",
    "less_than_biannually",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    table: String,
    source: String,
    levels: Vec<Level>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Level {
    name: String,
    share: f64,
    deployment_frequency_at_least: String,
    lead_time_at_most: String,
    change_failure_rate_at_most: Option<f64>,
    change_failure_rate_typical: Option<f64>,
    recovery_time_at_most: String,
}

/// Where a report's figures fall in one table; `None` where the figure is N/A.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bands {
    pub table: String,
    pub source: String,
    pub deployment_frequency: Option<String>,
    pub lead_time: Option<String>,
    pub change_failure_rate: Option<String>,
    pub recovery_time: Option<String>,
    /// Each level with the share of the report's respondents in it, best first.
    pub levels: Vec<(String, f64)>,
}

/// The years there are tables for, newest first.
pub fn years() -> Vec<&'static str> {
    TABLES.iter().map(|(year, _)| *year).collect()
}

fn table(year: &str) -> Option<Table> {
    let (_, text) = TABLES.iter().find(|(known, _)| *known == year)?;
    // The files are part of the build and a unit test reads each one.
    toml::from_str(text).ok()
}

fn seconds(text: &str) -> i64 {
    crate::core::silence::parse_duration(text).map_or(i64::MAX, |d| d.as_secs())
}

/// The best level whose bound the value meets, else the last (worst) level.
fn best(levels: &[Level], meets: impl Fn(&Level) -> bool) -> &str {
    levels
        .iter()
        .find(|level| meets(level))
        .or(levels.last())
        .map_or("", |level| level.name.as_str())
}

/// The report's figures placed in the table of `year` (`None`: the newest); `None` when there
/// is no such table.
pub fn classify(report: &Report, year: Option<&str>) -> Option<Bands> {
    let table = table(year.unwrap_or(TABLES[0].0))?;
    let levels = &table.levels;
    let rank = |class: &str| {
        CLASSES
            .iter()
            .position(|c| *c == class)
            .unwrap_or(CLASSES.len())
    };
    let frequency = report.deployment_frequency.class.map(|class| {
        best(levels, |level| {
            rank(class) <= rank(&level.deployment_frequency_at_least)
        })
        .to_owned()
    });
    let lead_time = report
        .lead_time
        .median_seconds
        .map(|lead| best(levels, |level| lead <= seconds(&level.lead_time_at_most)).to_owned());
    let recovery_time = report.recovery_time.median_seconds.map(|recovery| {
        best(levels, |level| {
            recovery <= seconds(&level.recovery_time_at_most)
        })
        .to_owned()
    });
    let change_failure_rate = report.change_failure_rate.value.map(|rate| {
        if levels
            .iter()
            .all(|level| level.change_failure_rate_typical.is_some())
        {
            // Typical values, not bounds: the nearest one.
            levels
                .iter()
                .min_by(|a, b| {
                    let distance = |level: &Level| {
                        (level.change_failure_rate_typical.unwrap_or(0.0) - rate).abs()
                    };
                    distance(a).total_cmp(&distance(b))
                })
                .map_or_else(String::new, |level| level.name.clone())
        } else {
            best(levels, |level| {
                level
                    .change_failure_rate_at_most
                    .is_some_and(|most| rate <= most)
            })
            .to_owned()
        }
    });
    Some(Bands {
        levels: levels
            .iter()
            .map(|level| (level.name.clone(), level.share))
            .collect(),
        table: table.table,
        source: table.source,
        deployment_frequency: frequency,
        lead_time,
        change_failure_rate,
        recovery_time,
    })
}

/// A table's bounds as lines to draw on a chart: (level, value), best level first, the worst
/// level left out (it has no bound below it) and a value two levels share drawn once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Markers {
    pub table: String,
    pub deployments_per_week: Vec<(String, f64)>,
    pub lead_time_seconds: Vec<(String, f64)>,
    pub change_failure_rate: Vec<(String, f64)>,
    pub recovery_seconds: Vec<(String, f64)>,
}

/// The least deployments a week of each frequency class (DORA's answer choices).
fn class_per_week(class: &str) -> f64 {
    match class {
        "on_demand" => 7.0,
        "daily_to_weekly" => 1.0,
        "weekly_to_monthly" => 7.0 / 30.44,
        "monthly_to_biannually" => 7.0 / 182.6,
        _ => 0.0,
    }
}

pub fn markers(year: Option<&str>) -> Option<Markers> {
    let table = table(year.unwrap_or(TABLES[0].0))?;
    let bounded = &table.levels[..table.levels.len().saturating_sub(1)];
    let lines = |value: &dyn Fn(&Level) -> Option<f64>| {
        let mut lines: Vec<(String, f64)> = Vec::new();
        for level in bounded {
            if let Some(value) = value(level) {
                if !lines.iter().any(|(_, seen)| *seen == value) {
                    lines.push((level.name.clone(), value));
                }
            }
        }
        lines
    };
    Some(Markers {
        deployments_per_week: lines(&|level| {
            Some(class_per_week(&level.deployment_frequency_at_least))
        }),
        lead_time_seconds: lines(&|level| Some(seconds(&level.lead_time_at_most) as f64)),
        change_failure_rate: lines(&|level| {
            level
                .change_failure_rate_at_most
                .or(level.change_failure_rate_typical)
        }),
        recovery_seconds: lines(&|level| Some(seconds(&level.recovery_time_at_most) as f64)),
        table: table.table,
    })
}

/// The 2025 DORA Quick Check's 0–10 scores (dora.dev/quickcheck), from measured figures
/// instead of a person's answers. The Quick Check asks for one of six answers for lead time,
/// deployment frequency and recovery time (worst 1 to best 6, scored (answer − 1) / 5 × 10), and a
/// percentage for change failure and rework rates (scored (100 − percent) / 10); the overall
/// score is the mean. A figure that is N/A has no score and is left out of the mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuickCheck {
    pub lead_time: Option<f64>,
    pub deployment_frequency: Option<f64>,
    pub recovery_time: Option<f64>,
    pub change_failure_rate: Option<f64>,
    pub rework_rate: Option<f64>,
    pub overall: Option<f64>,
    pub method: &'static str,
}

const HOUR: f64 = 3_600.0;
const DAY: f64 = 24.0 * HOUR;

/// The Quick Check's answer (1–6) for a duration: less than one hour, less than one day, one
/// day to one week, one week to one month, one to six months, more than six months.
fn duration_answer(seconds: i64) -> u8 {
    let seconds = seconds as f64;
    match seconds {
        s if s < HOUR => 6,
        s if s < DAY => 5,
        s if s <= 7.0 * DAY => 4,
        s if s <= 30.44 * DAY => 3,
        s if s <= 182.6 * DAY => 2,
        _ => 1,
    }
}

/// The answer for deployments a day: on demand (several a day), between once an hour and once
/// a day, once a day to once a week, once a week to once a month, once a month to once every
/// six months, less often.
fn frequency_answer(per_day: f64) -> u8 {
    match per_day {
        d if d > 1.0 => 6,
        d if d >= 1.0 => 5,
        d if d >= 1.0 / 7.0 => 4,
        d if d >= 1.0 / 30.44 => 3,
        d if d >= 1.0 / 182.6 => 2,
        _ => 1,
    }
}

fn answer_score(answer: u8) -> f64 {
    f64::from(answer - 1) / 5.0 * 10.0
}

fn rate_score(rate: f64) -> f64 {
    ((1.0 - rate.clamp(0.0, 1.0)) * 10.0 * 100.0).round() / 100.0
}

pub fn quick_check(report: &Report) -> QuickCheck {
    let frequency = &report.deployment_frequency;
    let scores = QuickCheck {
        lead_time: report
            .lead_time
            .median_seconds
            .map(|s| answer_score(duration_answer(s))),
        deployment_frequency: frequency
            .na_reason
            .is_none()
            .then(|| answer_score(frequency_answer(frequency.per_day))),
        recovery_time: report
            .recovery_time
            .median_seconds
            .map(|s| answer_score(duration_answer(s))),
        change_failure_rate: report.change_failure_rate.value.map(rate_score),
        rework_rate: report.rework_rate.value.map(rate_score),
        overall: None,
        method: "the 2025 Quick Check's scoring of the measured figures: each time answer (1 worst to 6 best) as (answer - 1) / 5 x 10, each rate as (100 - percent) / 10; overall the mean of those that are not N/A",
    };
    let known: Vec<f64> = [
        scores.lead_time,
        scores.deployment_frequency,
        scores.recovery_time,
        scores.change_failure_rate,
        scores.rework_rate,
    ]
    .into_iter()
    .flatten()
    .collect();
    let overall = (!known.is_empty())
        .then(|| (known.iter().sum::<f64>() / known.len() as f64 * 10.0).round() / 10.0);
    QuickCheck { overall, ..scores }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::dora::{self, Settings};

    #[test]
    fn every_table_reads_and_names_its_year() {
        for (year, text) in TABLES {
            let table: Table = toml::from_str(text).unwrap_or_else(|e| panic!("{year}: {e}"));
            assert_eq!(table.table, *year);
            assert_eq!(table.levels.len(), 4, "{year}");
            for level in &table.levels {
                assert!(CLASSES.contains(&level.deployment_frequency_at_least.as_str()));
                assert!(seconds(&level.lead_time_at_most) < i64::MAX);
                assert!(seconds(&level.recovery_time_at_most) < i64::MAX);
                assert!(
                    level.change_failure_rate_at_most.is_some()
                        != level.change_failure_rate_typical.is_some()
                );
            }
        }
    }

    #[test]
    fn figures_fall_in_the_levels_of_each_table() {
        let mut report = dora::report(
            &[],
            &[],
            "2026-11-01T00:00:00Z".parse().unwrap(),
            "2026-11-29T00:00:00Z".parse().unwrap(),
            &Settings::default(),
        );
        report.deployment_frequency.class = Some("daily_to_weekly");
        report.lead_time.median_seconds = Some(2 * 3600);
        report.change_failure_rate.value = Some(0.12);
        report.recovery_time.median_seconds = Some(30 * 60);
        let bands = classify(&report, None).unwrap();
        assert_eq!(bands.table, "2024");
        assert_eq!(bands.deployment_frequency.as_deref(), Some("high"));
        assert_eq!(bands.lead_time.as_deref(), Some("elite"));
        // 12% is nearest medium's typical 10% in 2024.
        assert_eq!(bands.change_failure_rate.as_deref(), Some("medium"));
        assert_eq!(bands.recovery_time.as_deref(), Some("elite"));
        let old = classify(&report, Some("2021")).unwrap();
        // 2021's high level deployed weekly to monthly, its medium monthly to twice a year.
        assert_eq!(old.deployment_frequency.as_deref(), Some("high"));
        report.deployment_frequency.class = Some("monthly_to_biannually");
        assert_eq!(
            classify(&report, Some("2021"))
                .unwrap()
                .deployment_frequency
                .as_deref(),
            Some("medium")
        );
        assert_eq!(
            classify(&report, Some("2024"))
                .unwrap()
                .deployment_frequency
                .as_deref(),
            Some("low")
        );
        report.deployment_frequency.class = Some("daily_to_weekly");
        // Two hours is past 2021's elite hour.
        assert_eq!(old.lead_time.as_deref(), Some("high"));
        assert_eq!(old.change_failure_rate.as_deref(), Some("elite"));
        assert!(classify(&report, Some("1999")).is_none());
        report.lead_time.median_seconds = None;
        assert_eq!(classify(&report, None).unwrap().lead_time, None);
    }

    #[test]
    fn quick_check_scores_follow_the_2025_recoding() {
        let mut report = dora::report(
            &[],
            &[],
            "2026-11-01T00:00:00Z".parse().unwrap(),
            "2026-11-29T00:00:00Z".parse().unwrap(),
            &Settings::default(),
        );
        // No deployments: frequency is the only figure, the worst answer, 0.
        let none = quick_check(&report);
        assert_eq!(none.deployment_frequency, Some(0.0));
        assert_eq!((none.lead_time, none.overall), (None, Some(0.0)));
        report.deployment_frequency.na_reason = None;
        report.deployment_frequency.per_day = 3.0;
        report.lead_time.median_seconds = Some(5 * 3600);
        report.recovery_time.median_seconds = Some(30 * 60);
        report.change_failure_rate.value = Some(0.12);
        report.rework_rate.value = None;
        let scores = quick_check(&report);
        // Several a day: answer 6 of 6, 10. Five hours: less than a day, answer 5, 8. Half
        // an hour: 10. 12% of changes failed: (100 - 12) / 10 = 8.8.
        assert_eq!(scores.deployment_frequency, Some(10.0));
        assert_eq!(scores.lead_time, Some(8.0));
        assert_eq!(scores.recovery_time, Some(10.0));
        assert_eq!(scores.change_failure_rate, Some(8.8));
        assert_eq!(scores.rework_rate, None);
        // The mean of the four: (10 + 8 + 10 + 8.8) / 4 = 9.2.
        assert_eq!(scores.overall, Some(9.2));
        for (seconds, answer) in [
            (59 * 60, 6),
            (3600, 5),
            (7 * 86_400, 4),
            (8 * 86_400, 3),
            (60 * 86_400, 2),
            (200 * 86_400, 1),
        ] {
            assert_eq!(duration_answer(seconds), answer, "{seconds}");
        }
        for (per_day, answer) in [(1.0, 5), (0.5, 4), (0.1, 3), (0.01, 2), (0.001, 1)] {
            assert_eq!(frequency_answer(per_day), answer, "{per_day}");
        }
    }

    #[test]
    fn markers_are_the_bounds_of_all_but_the_worst_level() {
        let markers = markers(None).unwrap();
        assert_eq!(markers.table, "2024");
        let names = |lines: &[(String, f64)]| -> Vec<String> {
            lines.iter().map(|(name, _)| name.clone()).collect()
        };
        assert_eq!(
            markers.lead_time_seconds,
            [
                ("elite".to_owned(), 86_400.0),
                ("high".to_owned(), 7.0 * 86_400.0),
                ("medium".to_owned(), 30.0 * 86_400.0)
            ]
        );
        // High and medium both recover within a day: one line.
        assert_eq!(names(&markers.recovery_seconds), ["elite", "high"]);
        assert_eq!(markers.deployments_per_week[0], ("elite".to_owned(), 7.0));
        assert_eq!(markers.change_failure_rate.len(), 3);
    }
}
