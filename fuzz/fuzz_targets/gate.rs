//! cargo-fuzz target `gate`: see `browser_cors::fuzzing::gate` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("gate", data) {
        panic!("invariant violated in gate: {violation}");
    }
});
