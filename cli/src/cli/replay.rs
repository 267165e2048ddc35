//! `browser-cors replay FILE... [--json]`: as FORMAT.md's last section says.

use std::process::ExitCode;

use browser_cors::Engine;
use browser_cors::conformance::{Scenario, engine_of_file, replay};

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Vector files (JSON arrays of scenarios).
    #[arg(required = true)]
    pub files: Vec<String>,
    /// Print a JSON array of observed outcomes instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// The browser to emulate; by default the first word of each file's name
    /// (chromium-156.json is Chromium), else Chromium.
    #[arg(long, value_parser = crate::cli::common::parse_engine)]
    pub browser: Option<Engine>,
}

/// Runs `replay`: exit 0 when every step agrees, 1 when one does not, 2 when
/// a file cannot be read or parsed.
pub fn run(args: &ReplayArgs) -> ExitCode {
    let mut all = Vec::new();
    for path in &args.files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("browser-cors: cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let scenarios: Vec<Scenario> = match serde_json::from_str(&text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "browser-cors: cannot parse {path} at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                );
                return ExitCode::from(2);
            }
        };
        let engine = args
            .browser
            .or_else(|| engine_of_file(path))
            .unwrap_or(Engine::Chromium);
        let name = std::path::Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(path);
        all.extend(replay(name, &scenarios, &engine.profile()));
    }
    // Every step must agree in all it records: the outcome, and the
    // `Sec-Fetch-*` and watched request headers of each request.
    let agrees = |r: &browser_cors::conformance::StepReport| {
        r.agrees && r.sec_fetch_agrees && r.request_headers_agree
    };
    let failed = all.iter().filter(|r| !agrees(r)).count();
    if args.json {
        match serde_json::to_string_pretty(&all) {
            Ok(s) => outln!("{s}"),
            Err(e) => {
                eprintln!("browser-cors: cannot write JSON: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        for r in all.iter().filter(|r| !agrees(r)) {
            let mut differences = r.differences.clone();
            if !r.sec_fetch_agrees {
                differences.push("Sec-Fetch-*".into());
            }
            if !r.request_headers_agree {
                differences.push("request_headers".into());
            }
            outln!(
                "{} {} step {}: {}",
                r.file,
                r.id,
                r.step,
                differences.join(", ")
            );
        }
        outln!("{} passed, {} failed", all.len() - failed, failed);
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
