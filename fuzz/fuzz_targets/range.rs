//! cargo-fuzz target `range`: see `browser_cors::fuzzing::range` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("range", data) {
        panic!("invariant violated in range: {violation}");
    }
});
