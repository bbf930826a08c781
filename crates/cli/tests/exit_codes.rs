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

/// `tlab generate --json` prints the documented object; bad options are errors in words.
#[test]
fn generate_prints_the_documented_json() {
    let dir = fixture("gpt2-bpe");
    let dir = dir.to_str().expect("utf-8 path");
    let out = Command::new(env!("CARGO_BIN_EXE_tlab"))
        .args([
            "generate",
            "--model",
            dir,
            "--max-new-tokens",
            "5",
            "--json",
            "The man",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ids = v["ids"].as_array().expect("ids");
    assert!(!ids.is_empty() && ids.len() <= 5);
    assert_eq!(v["tokens"].as_array().expect("tokens").len(), ids.len());
    assert!(v["text"].is_string());
    let steps = v["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), ids.len());
    for (step, id) in steps.iter().zip(ids) {
        assert_eq!(&step["id"], id);
        assert!(
            step["prob"]
                .as_f64()
                .is_some_and(|p| (0.0..=1.0).contains(&p))
        );
        let top = step["top"].as_array().expect("top");
        assert_eq!(&top[0]["id"], id, "greedy takes the most probable token");
        assert!(
            top.windows(2)
                .all(|w| w[0]["prob"].as_f64() >= w[1]["prob"].as_f64())
        );
    }
    for args in [
        vec![
            "generate",
            "--model",
            dir,
            "--sample",
            "--temperature",
            "0",
            "hi",
        ],
        vec!["generate", "--model", dir, "--beam", "40", "hi"],
        vec!["generate", "--model", dir, "--max-new-tokens", "0", "hi"],
    ] {
        let (code, stderr) = tlab(&args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let (code, _) = tlab(&["generate", "--model", dir, "--temperature", "0.5", "hi"]);
    assert_eq!(code, 2, "--temperature needs --sample");
}
