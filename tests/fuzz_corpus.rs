//! Replays every committed fuzz corpus file (`fuzz/corpus/TARGET/*`) through
//! the same target code the fuzzer runs (`browser_cors::fuzzing`), on stable,
//! so CI exercises the seeds and every finding kept there.

use std::path::Path;

use browser_cors::fuzzing::{TARGETS, run};

#[test]
fn every_corpus_file_of_every_target_holds_the_invariants() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut failures = Vec::new();
    let mut total = 0;
    for target in TARGETS {
        let folder = root.join(target);
        let entries =
            std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        let mut count = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            count += 1;
            if let Err(violation) = run(target, &data) {
                failures.push(format!("{}: {violation}", path.display()));
            }
        }
        assert!(count > 0, "no corpus for target {target}");
        total += count;
    }
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_target_has_a_fuzz_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for target in TARGETS {
        assert!(
            root.join(format!("{target}.rs")).is_file(),
            "fuzz/fuzz_targets/{target}.rs missing"
        );
    }
}

#[test]
fn an_unknown_target_is_an_error() {
    assert!(run("no-such-target", b"").is_err());
}
