//! The malformed-input corpus: every file under `tests/malformed/` is refused by
//! `failsim validate` with exit code 2 and one line on stderr that names the file, the
//! line and column, and the field, as `tests/malformed/EXPECTED.tsv` says; none panics.
//!
//! The manifest is the data (one row per file: file, `line:column`, field path, a piece
//! of the message); this module only runs it. A new case is a new file and a new row.

use crate::support::{failsim, parts, repo_path};
use std::collections::BTreeSet;

/// The corpus directory, relative to the repository root.
const CORPUS_DIR: &str = "tests/malformed";
/// The manifest's name inside the corpus directory.
const MANIFEST: &str = "EXPECTED.tsv";
/// The acceptance line asks for at least this many malformed inputs.
const CASE_COUNT_MIN: usize = 30;

/// One row of the manifest.
struct Case {
    file: String,
    /// `line:column`, both counted from 1.
    at: String,
    /// The field path as printed, `(document)` for the document as a whole.
    field: String,
    message_contains: String,
}

fn cases() -> Vec<Case> {
    let path = repo_path(&format!("{CORPUS_DIR}/{MANIFEST}"));
    let text = std::fs::read_to_string(&path).expect("the manifest is readable");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("file\tat\tfield\tmessage_contains"), "the manifest starts with its header row");
    lines
        .enumerate()
        .map(|(i, line)| {
            let columns: Vec<&str> = line.split('\t').collect();
            let [file, at, field, message_contains] = columns[..] else {
                panic!("{MANIFEST} row {}: expected 4 tab-separated columns: {line:?}", i + 2);
            };
            assert!(
                at.split(':').all(|n| n.parse::<u32>().is_ok_and(|n| n >= 1)) && at.split(':').count() == 2,
                "{MANIFEST} row {}: `{at}` is not line:column",
                i + 2
            );
            assert!(!message_contains.is_empty(), "{MANIFEST} row {}: empty message", i + 2);
            Case {
                file: file.to_string(),
                at: at.to_string(),
                field: field.to_string(),
                message_contains: message_contains.to_string(),
            }
        })
        .collect()
}

/// What is wrong with `validate`'s answer to one case, if anything.
fn check(case: &Case) -> Option<String> {
    let path = format!("{CORPUS_DIR}/{}", case.file);
    let (code, _stdout, stderr) = parts(&failsim(&["validate", &path]));
    let located = format!("{path}:{}: {}: ", case.at, case.field);
    let mut wrong = Vec::new();
    if code != 2 {
        wrong.push(format!("exit code {code}, expected 2"));
    }
    if stderr.contains("panicked") {
        wrong.push("panicked".to_string());
    }
    if stderr.lines().count() != 1 || !stderr.ends_with('\n') {
        wrong.push("stderr is not exactly one line".to_string());
    }
    if !stderr.starts_with("error: ") {
        wrong.push("stderr does not start with `error: `".to_string());
    }
    if !stderr.contains(&located) {
        wrong.push(format!("expected the location `{located}`"));
    }
    if !stderr.contains(&case.message_contains) {
        wrong.push(format!("expected the message to contain `{}`", case.message_contains));
    }
    (!wrong.is_empty()).then(|| format!("{}: {}\n  stderr: {stderr:?}", case.file, wrong.join("; ")))
}

#[test]
fn every_malformed_input_is_refused_with_one_located_line_and_exit_2() {
    let failures: Vec<String> = cases().iter().filter_map(check).collect();
    assert!(failures.is_empty(), "{} of the corpus's cases went wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_manifest_lists_every_corpus_file_once_and_nothing_else() {
    let rows: Vec<String> = cases().into_iter().map(|c| c.file).collect();
    let listed: BTreeSet<&str> = rows.iter().map(String::as_str).collect();
    assert_eq!(listed.len(), rows.len(), "a file is listed twice in {MANIFEST}");
    let on_disk: BTreeSet<String> = std::fs::read_dir(repo_path(CORPUS_DIR))
        .expect("the corpus directory is readable")
        .map(|entry| entry.expect("a directory entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name != MANIFEST)
        .collect();
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    assert_eq!(
        on_disk.difference(&listed).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "corpus files missing from {MANIFEST}"
    );
    assert_eq!(listed.difference(&on_disk).collect::<Vec<_>>(), Vec::<&&str>::new(), "{MANIFEST} rows without a file");
    assert!(rows.len() >= CASE_COUNT_MIN, "{} cases, expected at least {CASE_COUNT_MIN}", rows.len());
}

#[test]
fn the_corpus_covers_both_input_formats_and_binary_garbage() {
    let files: Vec<String> = cases().into_iter().map(|c| c.file).collect();
    let json = files.iter().filter(|f| f.ends_with(".json")).count();
    let yaml = files.iter().filter(|f| f.ends_with(".yaml")).count();
    assert!(json >= 5, "{json} JSON cases, expected at least 5");
    assert!(yaml >= 25, "{yaml} YAML cases, expected at least 25");
    let not_utf8 = files.iter().any(|f| {
        let bytes = std::fs::read(repo_path(&format!("{CORPUS_DIR}/{f}"))).expect("readable");
        std::str::from_utf8(&bytes).is_err()
    });
    assert!(not_utf8, "no corpus file is invalid UTF-8");
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_parsed() {
    let limit = failsim::model::load::FILE_BYTES_MAX;
    let size_bytes: u64 = 10 * 1024 * 1024;
    assert!(size_bytes > limit, "the test file must exceed the limit");
    let path = std::env::temp_dir().join(format!("failsim-oversized-{}.yaml", std::process::id()));
    // Valid YAML throughout, so that only the size can be the reason for refusal.
    let line = "# padding to push the file past the size limit .............................\n";
    let mut text = String::from("cluster_id: oversized\n");
    while (text.len() as u64) < size_bytes {
        text.push_str(line);
    }
    std::fs::write(&path, &text).expect("the temporary file is written");
    let path_text = path.to_string_lossy().into_owned();
    let (code, _stdout, stderr) = parts(&failsim(&["validate", &path_text]));
    std::fs::remove_file(&path).expect("the temporary file is removed");
    assert_eq!(code, 2, "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.starts_with(&format!("error: {path_text}:")), "stderr: {stderr}");
    assert!(stderr.contains(&format!("more than the {limit}")), "the message names the limit: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}
