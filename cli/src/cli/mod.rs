//! The subcommands of the `browser-cors` binary.

use std::process::ExitCode;

/// `print!` that ignores a closed stdout (`browser-cors demo | head`)
/// instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

/// `println!` that ignores a closed stdout.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

pub mod audit;
pub mod check;
pub mod common;
pub mod demo;
pub mod explain;
#[cfg(feature = "record")]
pub mod record;
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
