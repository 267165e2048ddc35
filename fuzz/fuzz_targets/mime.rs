//! cargo-fuzz target `mime`: see `browser_cors::fuzzing::mime` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("mime", data) {
        panic!("invariant violated in mime: {violation}");
    }
});
