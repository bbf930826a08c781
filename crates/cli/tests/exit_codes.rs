//! The command line's contract for failures: an error in the input or the model files
//! prints one line in words on stderr and exits 1; a command-line usage error (unknown
//! flag, missing argument, a value clap cannot parse) exits 2, as clap does. Never 101
//! (a panic).

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

fn tlab(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tlab"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn errors_exit_1_usage_errors_exit_2_and_nothing_panics() {
    let bert = fixture("bert-gelu");
    let bert = bert.to_str().expect("utf-8 path");
    let marian = fixture("marian-relu");
    let marian = marian.to_str().expect("utf-8 path");
    let (code, _) = tlab(&["fill-mask", "--model", bert, "İstanbul is a [mask] city."]);
    assert_eq!(code, 0, "a lower-case mask after İ is found");
    for args in [
        vec!["fill-mask", "--model", bert, "no mask here"],
        vec!["fill-mask", "--model", bert, ""],
        vec!["fill-mask", "--model", bert, "--top-k", "0", "a [MASK]"],
        vec!["fill-mask", "--model", "/nonexistent", "a [MASK]"],
        vec!["translate", "--model", marian, "--beam", "9", "hello"],
        vec![
            "translate",
            "--model",
            marian,
            "--beam",
            "3",
            "--alpha=-1",
            "hello",
        ],
        vec![
            "translate",
            "--model",
            marian,
            "--alpha",
            "NaN",
            "--beam",
            "2",
            "hello",
        ],
        vec![
            "teacher-force",
            "--model",
            marian,
            "--reference",
            " ",
            "hello",
        ],
    ] {
        let (code, stderr) = tlab(&args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("tlab: "), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
    for args in [
        vec!["fill-mask"],
        vec!["fill-mask", "--top-k", "-1", "a [MASK]"],
        vec!["translate", "--beam", "x", "hello"],
        vec!["no-such-command"],
    ] {
        let (code, stderr) = tlab(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
}
