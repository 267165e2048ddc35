//! The subcommands of the `browser-cors` binary.

pub mod replay;
