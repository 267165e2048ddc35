//! The subcommands of the `browser-cors` binary.

use std::process::ExitCode;

pub mod audit;
pub mod check;
pub mod common;
pub mod demo;
pub mod explain;
pub mod replay;
pub mod server;

/// Prints a usage error as one line and returns exit status 2.
pub fn usage_error(e: &common::Usage) -> ExitCode {
    eprintln!("browser-cors: {e}");
    ExitCode::from(2)
}

/// A multi-threaded tokio runtime (two workers: the machine has few cores).
pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("browser-cors: cannot start the async runtime: {e}");
            None
        }
    }
}
