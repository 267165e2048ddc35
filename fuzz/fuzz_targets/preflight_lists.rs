//! cargo-fuzz target `preflight_lists`: see `browser_cors::fuzzing::preflight_lists` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("preflight_lists", data) {
        panic!("invariant violated in preflight_lists: {violation}");
    }
});
