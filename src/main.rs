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
    /// Replay conformance vector files through the emulator and report disagreements.
    ///
    /// Example: browser-cors replay spec-tests/vectors/*.json
    Replay(cli::replay::ReplayArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay(args) => cli::replay::run(&args),
    }
}
