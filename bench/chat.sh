#!/usr/bin/env bash
# Chat benchmark: click-to-answer latency of the release binary, from a Slack button click
# (signed as Slack signs it) on an alert's message to Firewatch's answer, and to the chat.update
# that changes the message, at rest and during bench/paging.sh's alert storm
# (bench/rust/chat_bench.rs). Goal (issue 30): p99 under 300 ms, well inside Slack's 3 s.
#
#   bench/chat.sh [storm seconds=10] [storm connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --quiet --bin firewatch --example chat_bench
target/release/examples/chat_bench target/release/firewatch "${1:-10}" "${2:-32}"
