//! Every input the fuzzers kept (`fuzz/corpus/<target>/`, minimised with `cargo fuzz cmin`, and
//! every crash they found, kept there once fixed) replayed on the stable compiler: the register
//! reader and the push endpoint still take each without a panic, an abort or a 5xx. The fuzzing
//! itself is `cargo xtask fuzz` (a nightly compiler and libFuzzer; docs/sync-protocol.md §12).

use std::path::PathBuf;

use kadian_tests::fuzz::{push_input, register_file, PushTarget};
use kadian_tests::workspace_root;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = workspace_root().join("fuzz/corpus").join(target);
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

#[test]
fn every_register_file_the_fuzzer_kept_is_read_or_refused_cleanly() {
    let files = corpus("register_file");
    assert!(files.len() >= 50, "the corpus is there: {}", files.len());
    for (path, bytes) in &files {
        let outcome = std::panic::catch_unwind(|| register_file(bytes));
        assert!(outcome.is_ok(), "{} panicked", path.display());
    }
}

#[test]
fn every_push_the_fuzzer_kept_is_answered_without_a_server_error() {
    let files = corpus("push");
    assert!(files.len() >= 50, "the corpus is there: {}", files.len());
    let target = PushTarget::new();
    for (path, bytes) in &files {
        let (device, body) = push_input(bytes);
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target.push(device, body)));
        assert!(outcome.is_ok(), "{}", path.display());
    }
}
