//! cargo-fuzz target `max_age`: see `browser_cors::fuzzing::max_age` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("max_age", data) {
        panic!("invariant violated in max_age: {violation}");
    }
});
