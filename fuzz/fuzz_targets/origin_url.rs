//! cargo-fuzz target `origin_url`: see `browser_cors::fuzzing::origin_url` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("origin_url", data) {
        panic!("invariant violated in origin_url: {violation}");
    }
});
