//! Logs (text or JSON, filtered by `RUST_LOG`) and the Prometheus metrics behind `/metrics`.
//! Metric names follow one pattern everywhere: `firewatch_<area>_<what>_<unit>`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub mod shared;

/// Sets up the global logger once; later calls are ignored (tests start many apps).
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IntakeLabels {
    pub integration: String,
    pub result: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub destination: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PrunedLabels {
    pub kind: String,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub intake_requests: Family<IntakeLabels, Counter>,
    pub commit_batch_size: Histogram,
    pub commit_seconds: Histogram,
    pub sync_seconds: Histogram,
    pub delivery_attempts: Family<DeliveryLabels, Counter>,
    pub delivery_queue_depth: Gauge,
    pub delivery_dead_letters: Gauge,
    pub retention_pruned: Family<PrunedLabels, Counter>,
    /// Read from the store at scrape time.
    pub database_bytes: Gauge,
    /// DORA and the operations figures, computed at scrape time.
    pub shared: shared::Gauges,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("firewatch");
        let intake_requests = Family::<IntakeLabels, Counter>::default();
        registry.register(
            "intake_requests",
            "Requests to /hooks by integration and result (accepted, duplicate, or an error code)",
            intake_requests.clone(),
        );
        let commit_batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        registry.register(
            "intake_commit_batch_size",
            "Events committed per intake transaction",
            commit_batch_size.clone(),
        );
        let commit_seconds = Histogram::new(exponential_buckets(0.000_125, 2.0, 14));
        registry.register(
            "intake_commit_seconds",
            "Time to write one intake batch (before the sync that makes it durable)",
            commit_seconds.clone(),
        );
        let sync_seconds = Histogram::new(exponential_buckets(0.000_125, 2.0, 14));
        registry.register(
            "intake_sync_seconds",
            "Time of one store sync (SQLite: WAL fsync) covering one or more batches",
            sync_seconds.clone(),
        );
        let delivery_attempts = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "delivery_attempts",
            "Delivery attempts by destination and outcome (delivered, retry, dead)",
            delivery_attempts.clone(),
        );
        let delivery_queue_depth = Gauge::default();
        registry.register(
            "delivery_queue_depth",
            "Jobs waiting to run or retry",
            delivery_queue_depth.clone(),
        );
        let delivery_dead_letters = Gauge::default();
        registry.register(
            "delivery_dead_letters",
            "Notifications that gave up and wait for a re-drive",
            delivery_dead_letters.clone(),
        );
        let retention_pruned = Family::<PrunedLabels, Counter>::default();
        registry.register(
            "retention_pruned_rows",
            "Rows removed past [retention], by kind (payloads, events, finished_jobs, dead_letters)",
            retention_pruned.clone(),
        );
        let database_bytes = Gauge::default();
        registry.register(
            "database_bytes",
            "The database's size on disk (SQLite: the database file without its WAL)",
            database_bytes.clone(),
        );
        let shared = shared::Gauges::register(&mut registry);
        Self {
            retention_pruned,
            database_bytes,
            shared,
            registry,
            intake_requests,
            commit_batch_size,
            commit_seconds,
            sync_seconds,
            delivery_attempts,
            delivery_queue_depth,
            delivery_dead_letters,
        }
    }
}

impl Metrics {
    pub fn count_pruned(&self, pruned: &crate::core::retention::Pruned) {
        for (kind, rows) in pruned.by_kind() {
            self.retention_pruned
                .get_or_create(&PrunedLabels { kind: kind.into() })
                .inc_by(rows);
        }
    }

    pub fn count_intake(&self, integration: &str, result: &str) {
        self.intake_requests
            .get_or_create(&IntakeLabels {
                integration: integration.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    pub fn count_delivery(&self, destination: &str, outcome: &str) {
        self.delivery_attempts
            .get_or_create(&DeliveryLabels {
                destination: destination.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// The registry in OpenMetrics' text format, for a scraper that asks for it.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// The registry in Prometheus' classic text format (0.0.4), what a scraper gets unless it
    /// asks for OpenMetrics.
    pub fn render_classic(&self) -> String {
        classic(&self.render())
    }
}

/// OpenMetrics text made classic: a counter's HELP and TYPE name its `_total` series (the
/// classic format names the samples, OpenMetrics the family), the `_created` samples, UNIT
/// lines and `# EOF` go, and HELP unescapes the quotes OpenMetrics escapes.
fn classic(open_metrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = open_metrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut text = String::with_capacity(open_metrics.len());
    for line in open_metrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            let total = if counters.contains(name) {
                "_total"
            } else {
                ""
            };
            text.push_str(&format!(
                "# HELP {name}{total} {}\n",
                help.replace("\\\"", "\"")
            ));
            continue;
        }
        if let Some(name) = line
            .strip_prefix("# TYPE ")
            .and_then(|rest| rest.strip_suffix(" counter"))
        {
            text.push_str(&format!("# TYPE {name}_total counter\n"));
            continue;
        }
        let series = line.split(['{', ' ']).next().unwrap_or_default();
        if series
            .strip_suffix("_created")
            .is_some_and(|name| counters.contains(name))
        {
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_counter_is_named_by_its_total_series_in_the_classic_format() {
        let open_metrics = "# HELP fw_requests Requests by \\\"kind\\\".\n\
            # TYPE fw_requests counter\n\
            fw_requests_total{kind=\"a\"} 1\n\
            fw_requests_created{kind=\"a\"} 1.7e9\n\
            # HELP fw_depth Jobs waiting.\n\
            # TYPE fw_depth gauge\n\
            # UNIT fw_depth jobs\n\
            fw_depth 3\n\
            # EOF\n";
        assert_eq!(
            super::classic(open_metrics),
            "# HELP fw_requests_total Requests by \"kind\".\n\
             # TYPE fw_requests_total counter\n\
             fw_requests_total{kind=\"a\"} 1\n\
             # HELP fw_depth Jobs waiting.\n\
             # TYPE fw_depth gauge\n\
             fw_depth 3\n"
        );
    }
}
