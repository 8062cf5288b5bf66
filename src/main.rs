//! Parses the command line and hands over to `cli`; the parts are wired in `app`.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    firewatch::cli::run(firewatch::cli::Cli::parse()).await
}
