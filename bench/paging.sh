#!/usr/bin/env bash
# Paging benchmark: alert-to-first-page latency of the release binary, from a critical alert
# posted in Alertmanager's webhook format to the page's arrival at the on-call person's
# webhook, at rest and during a storm of alerts on another service at the highest rate the
# server takes (bench/rust/paging_bench.rs). Goals (PRODUCT.md §4): p99 under 50 ms at rest
# (there is no grouping wait here), and under 1 s during the storm.
#
#   bench/paging.sh [storm seconds=10] [storm connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --quiet --bin firewatch --example paging_bench
target/release/examples/paging_bench target/release/firewatch "${1:-10}" "${2:-32}"
