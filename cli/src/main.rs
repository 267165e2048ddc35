//! The `browser-cors` command: see any endpoint as a browser sees it.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

/// See any endpoint as Chromium (or Firefox, or WebKit) sees it.
#[derive(Debug, Parser)]
#[command(name = "browser-cors", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch a URL as script in a page at --origin would, and explain the verdict.
    ///
    /// Example: browser-cors check https://api.example/items --origin https://app.example -H 'X-Token: 1'
    Check(cli::check::CheckArgs),
    /// Run the common CORS setups and mistakes against an embedded loopback server.
    ///
    /// Example: browser-cors demo
    Demo(cli::demo::DemoArgs),
    /// Probe methods × headers × credentials and show what a page may do.
    ///
    /// Example: browser-cors audit https://api.example/items --origin https://app.example --browser all
    Audit(cli::audit::AuditArgs),
    /// Replay conformance vector files through the emulator and report disagreements.
    ///
    /// Example: browser-cors replay spec-tests/vectors/*.json
    Replay(cli::replay::ReplayArgs),
    /// Run a vector file's scenarios in a real, installed browser and write what it did.
    ///
    /// Exit status: 0 when every scenario was recorded (and, with --runs, stable),
    /// 1 when some were left out (they are named), 2 on an error.
    ///
    /// Example: browser-cors record spec-tests/vectors/chromium-156.json out/ --browser chromium
    #[cfg(feature = "record")]
    Record(cli::record::RecordArgs),
    /// Record scenarios live in a real browser and compare the emulator with it.
    ///
    /// Exit status: 0 when every step agrees, 1 when one differs or a scenario
    /// could not be recorded, 2 on an error (no browser, unreadable file).
    ///
    /// Example: browser-cors verify --browser chromium
    #[cfg(feature = "record")]
    Verify(cli::record::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => cli::check::run(&args),
        Command::Demo(args) => cli::demo::run(&args),
        Command::Audit(args) => cli::audit::run(&args),
        Command::Replay(args) => cli::replay::run(&args),
        #[cfg(feature = "record")]
        Command::Record(args) => cli::record::run_record(&args),
        #[cfg(feature = "record")]
        Command::Verify(args) => cli::record::run_verify(&args),
    }
}
