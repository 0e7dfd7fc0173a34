//! Every input the fuzzers kept (`fuzz/corpus/<target>/`, minimised with `cargo fuzz cmin`) and
//! every crash they found (`fuzz/regressions/<target>/`, kept there once fixed, out of the
//! minimiser's reach) replayed on the stable compiler: the register reader and the push endpoint
//! still take each without a panic, an abort or a 5xx. The fuzzing itself is `cargo xtask fuzz`
//! (a nightly compiler and libFuzzer; docs/sync-protocol.md §12a).

use std::path::PathBuf;

use kadian_tests::fuzz::{push_input, register_file, PushTarget};
use kadian_tests::workspace_root;

/// The files of `fuzz/<folder>/<target>`, sorted.
fn inputs(folder: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = workspace_root().join("fuzz").join(folder).join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read");
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

/// The kept corpus and the regressions of `target`.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let regressions = inputs("regressions", target);
    assert!(
        !regressions.is_empty(),
        "the regressions of {target} are there"
    );
    let mut all = inputs("corpus", target);
    assert!(
        all.len() >= 50,
        "the corpus of {target} is there: {}",
        all.len()
    );
    all.extend(regressions);
    all
}

#[test]
fn every_register_file_the_fuzzer_kept_is_read_or_refused_cleanly() {
    let files = corpus("register_file");
    for (path, bytes) in &files {
        let outcome = std::panic::catch_unwind(|| register_file(bytes));
        assert!(outcome.is_ok(), "{} panicked", path.display());
    }
}

#[test]
fn every_push_the_fuzzer_kept_is_answered_without_a_server_error() {
    let files = corpus("push");
    let target = PushTarget::new();
    for (path, bytes) in &files {
        let (device, body) = push_input(bytes);
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target.push(device, body)));
        assert!(outcome.is_ok(), "{}", path.display());
    }
}
