//! Parses the command line and hands over to `cli`; the parts are wired in `app`.

use std::process::ExitCode;

use clap::Parser;

// glibc's allocator showed up as ~8% of intake CPU under contention between threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    firewatch::cli::run(firewatch::cli::Cli::parse()).await
}
