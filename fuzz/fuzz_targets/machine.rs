//! cargo-fuzz target `machine`: see `browser_cors::fuzzing::machine` for what it drives and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = browser_cors::fuzzing::run("machine", data) {
        panic!("invariant violated in machine: {violation}");
    }
});
