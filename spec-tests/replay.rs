//! Replays every vector in `spec-tests/vectors/` through the machine against
//! the simulated server and fails on any disagreement, naming the scenario
//! and the field. Expected failures are listed below with a reason each; an
//! entry that starts passing fails the test too (so the list stays honest).

use browser_cors::Engine;
use browser_cors::conformance::{Scenario, StepReport, engine_of_file, replay};

/// (file, scenario id, step, why the machine deliberately differs).
const EXPECTED_FAILURES: &[(&str, &str, usize, &str)] = &[];

fn run_file(name: &str) -> Vec<StepReport> {
    let path = format!("{}/spec-tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let scenarios: Vec<Scenario> = serde_json::from_str(&text).unwrap();
    let engine = engine_of_file(name).unwrap_or(Engine::Chromium);
    replay(name, &scenarios, &engine.profile())
}

/// Replays `name`, which holds exactly `steps` steps.
fn check(name: &str, steps: usize) {
    let reports = run_file(name);
    assert_eq!(reports.len(), steps, "{name}: steps replayed");
    let mut problems = Vec::new();
    for r in &reports {
        let expected = EXPECTED_FAILURES
            .iter()
            .find(|(f, id, step, _)| *f == r.file && *id == r.id && *step == r.step);
        match (r.agrees, expected) {
            (false, None) => problems.push(format!(
                "{} step {}: {} differ (console: {:?}; observed {})",
                r.id,
                r.step,
                r.differences.join(", "),
                r.console,
                serde_json::to_string(&r.observed).unwrap()
            )),
            (true, Some((_, _, _, why))) => problems.push(format!(
                "{} step {} now passes; remove it from EXPECTED_FAILURES ({why})",
                r.id, r.step
            )),
            _ => {}
        }
        if !r.sec_fetch_agrees {
            problems.push(format!(
                "{} step {}: Sec-Fetch-* differ: {}",
                r.id,
                r.step,
                serde_json::to_string(&r.observed.server_log).unwrap()
            ));
        }
        if !r.request_headers_agree {
            problems.push(format!(
                "{} step {}: request_headers differ: {}",
                r.id,
                r.step,
                serde_json::to_string(&r.observed.server_log).unwrap()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{name}: {} problems\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn chromium_156() {
    check("chromium-156.json", 263);
}

#[test]
fn firefox_153() {
    check("firefox-153.json", 263);
}

#[test]
fn webkit_2_50() {
    check("webkit-2.50.json", 263);
}

#[test]
fn chromium_156_gate() {
    check("chromium-156-gate.json", 102);
}

#[test]
fn firefox_153_gate() {
    check("firefox-153-gate.json", 102);
}

#[test]
fn webkit_2_50_gate() {
    check("webkit-2.50-gate.json", 102);
}

// Recorded by this project with `browser-cors record --runs 2` (identical in
// both runs): the rules the shipped gate files do not reach.

#[test]
fn chromium_156_gate_recorded() {
    check("chromium-156-gate-recorded.json", 20);
}

#[test]
fn firefox_153_gate_recorded() {
    check("firefox-153-gate-recorded.json", 20);
}

#[test]
fn webkit_2_50_gate_recorded() {
    check("webkit-2.50-gate-recorded.json", 20);
}

// Recorded by this project (`--runs 2`), one site per scenario so that no
// scenario's cookies count against another's limit: how many cookies a site
// keeps, and which go.

#[test]
fn chromium_156_cookie_limits() {
    check("chromium-156-cookie-limits.json", 4);
}

#[test]
fn firefox_153_cookie_limits() {
    check("firefox-153-cookie-limits.json", 4);
}

#[test]
fn webkit_2_50_cookie_limits() {
    check("webkit-2.50-cookie-limits.json", 4);
}

// Recorded here (`--runs 2`): how each engine reads a `Set-Cookie` line's
// name, value and attribute sizes.

#[test]
fn chromium_156_cookie_syntax() {
    check("chromium-156-cookie-syntax.json", 36);
}

#[test]
fn firefox_153_cookie_syntax() {
    check("firefox-153-cookie-syntax.json", 36);
}

#[test]
fn webkit_2_50_cookie_syntax() {
    check("webkit-2.50-cookie-syntax.json", 36);
}

// Recorded here (`--runs 2`): CORS header values with tabs, padding, signs,
// fractions and repeated lines.

#[test]
fn chromium_156_header_syntax() {
    check("chromium-156-header-syntax.json", 42);
}

#[test]
fn firefox_153_header_syntax() {
    check("firefox-153-header-syntax.json", 40);
}

#[test]
fn webkit_2_50_header_syntax() {
    check("webkit-2.50-header-syntax.json", 42);
}

// Recorded here (`--runs 2`): cookies across redirects (set by a redirect,
// back home after another origin or site).

#[test]
fn chromium_156_cookie_redirects() {
    check("chromium-156-cookie-redirects.json", 9);
}

#[test]
fn firefox_153_cookie_redirects() {
    check("firefox-153-cookie-redirects.json", 9);
}

#[test]
fn webkit_2_50_cookie_redirects() {
    check("webkit-2.50-cookie-redirects.json", 9);
}

// Recorded here (`--runs 2`): which responses may store cookies (a
// preflight's, an uncredentialed one's, a no-cors one's) and `Secure` over
// loopback and named plain http.

#[test]
fn chromium_156_cookie_storage() {
    check("chromium-156-cookie-storage.json", 13);
}

#[test]
fn firefox_153_cookie_storage() {
    check("firefox-153-cookie-storage.json", 13);
}

#[test]
fn webkit_2_50_cookie_storage() {
    check("webkit-2.50-cookie-storage.json", 13);
}

// Recorded here (`--runs 2`), a file of their own so that no other
// scenario's cookies count against these sites: which cookies a purge takes.

#[test]
fn chromium_156_cookie_purge() {
    check("chromium-156-cookie-purge.json", 2);
}

#[test]
fn firefox_153_cookie_purge() {
    check("firefox-153-cookie-purge.json", 2);
}

#[test]
fn webkit_2_50_cookie_purge() {
    check("webkit-2.50-cookie-purge.json", 2);
}
