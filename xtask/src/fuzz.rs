//! `cargo xtask fuzz [--seconds N] [TARGET…]`: coverage-guided fuzzing with libFuzzer
//! (cargo-fuzz, a nightly compiler) of the two doors a stranger's bytes come through: a register
//! file (`register_file`) and a push to the server (`push`). Each target runs for N seconds
//! (default 300) on one core, within 2 GiB of memory and 10 s per input, starting from its kept
//! corpus (`fuzz/corpus/<target>`, and for registers the shared fixtures); then the corpus is
//! minimised again (`cargo fuzz cmin`). A crash, a timeout or a blown memory limit stops the run
//! with the input in `fuzz/artifacts/<target>/`: fix it, then copy the input, under a name that
//! says what it found, into `fuzz/regressions/<target>/` (which the minimiser never touches), so
//! that `tests/tests/fuzz_corpus.rs` replays it on every `cargo xtask test`. Inputs of 4 KiB and
//! more are moved to `fuzz/corpus-large/<target>` (not committed; a seed of the next run here),
//! so the committed corpus stays small.

use anyhow::{bail, Result};

use crate::{root, shared_dir, status};

/// The fuzz targets, in `fuzz/fuzz_targets/`.
const TARGETS: &[&str] = &["register_file", "push"];

/// Inputs this large or larger stay out of the committed corpus (bytes).
const LARGE: u64 = 4096;

/// Runs the fuzzers. `args`: `--seconds N` and target names (all when none).
pub fn fuzz(args: &[String]) -> Result<()> {
    let mut seconds = 300u64;
    let mut targets: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = match it.next().and_then(|s| s.parse().ok()) {
                    Some(n) if n > 0 => n,
                    _ => bail!("--seconds needs a whole number of seconds above 0"),
                }
            }
            name => match TARGETS.iter().find(|t| **t == name) {
                Some(t) => targets.push(t),
                None => bail!("no fuzz target {name}; there are {}", TARGETS.join(", ")),
            },
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    let fuzz_dir = root().join("fuzz");
    let cargo_fuzz = || {
        let mut c = std::process::Command::new("cargo");
        // The rustup proxy picks the nightly toolchain; xtask's own (stable) cargo must not.
        c.env_remove("CARGO").env_remove("RUSTUP_TOOLCHAIN");
        c.args(["+nightly", "fuzz"]).current_dir(&fuzz_dir);
        c
    };
    if !cargo_fuzz()
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        bail!(
            "cargo fuzz with a nightly toolchain is needed: `rustup toolchain install nightly` and `cargo install cargo-fuzz`"
        );
    }
    for target in targets {
        let corpus = format!("corpus/{target}");
        let large = fuzz_dir.join("corpus-large").join(target);
        std::fs::create_dir_all(&large)?;
        let mut run = cargo_fuzz();
        run.args(["run", "--sanitizer", "none", target, &corpus]);
        run.arg(&large)
            .arg(fuzz_dir.join("regressions").join(target));
        if target == "register_file" {
            // Seeds: the shared fixtures, and an .xls no fixture is.
            run.arg(shared_dir().join("fixtures/registers"));
            run.arg(root().join("crates/kadian-registers/tests/data"));
        }
        run.args([
            "--",
            &format!("-max_total_time={seconds}"),
            "-rss_limit_mb=2048",
            "-malloc_limit_mb=2048",
            "-timeout=10",
            "-max_len=262144",
            "-print_final_stats=1",
        ]);
        println!("xtask fuzz: {target} for {seconds} s");
        status(&format!("fuzzing {target}"), &mut run)?;
        status(
            &format!("minimising the corpus of {target}"),
            cargo_fuzz().args(["cmin", "--sanitizer", "none", target, &corpus]),
        )?;
        let mut kept = 0;
        for entry in std::fs::read_dir(fuzz_dir.join(&corpus))? {
            let entry = entry?;
            if entry.metadata()?.len() >= LARGE {
                std::fs::rename(entry.path(), large.join(entry.file_name()))?;
            } else {
                kept += 1;
            }
        }
        println!(
            "xtask fuzz: {target}: no crash in {seconds} s; {kept} inputs under {LARGE} bytes kept in fuzz/{corpus}"
        );
    }
    Ok(())
}
