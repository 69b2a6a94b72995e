//! Scale-out and interruption: a matrix run as shards and merged, or interrupted by a
//! signal and resumed, writes the reports one uninterrupted process writes, byte for
//! byte; and what merge and resume refuse.

use crate::support::{failsim, parts, repo_path, scratch_dir};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const REPORT_FILES: [&str; 4] = ["report.json", "summary.md", "junit.xml", "report.html"];

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("report.json"))).expect("report.json is JSON")
}

fn assert_same_reports(expected: &Path, actual: &Path) {
    for file in REPORT_FILES {
        assert!(
            read(&expected.join(file)) == read(&actual.join(file)),
            "{file} differs between {} and {}",
            expected.display(),
            actual.display()
        );
    }
}

fn run_ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = parts(&failsim(args));
    assert_eq!(code, 0, "failsim {args:?}: {stderr}");
    stdout
}

#[test]
fn the_default_suite_in_three_shards_merges_byte_identical_to_one_process() {
    let dir = scratch_dir("shards");
    let path = |name: &str| dir.join(name).display().to_string();
    run_ok(&["run", "--no-timing", "--threads", "2", "--out", &path("one")]);
    let mut shard_runs = 0;
    for (k, threads) in [(1, "1"), (2, "2"), (3, "1")] {
        let out = path(&format!("shard-{k}"));
        run_ok(&["run", "--no-timing", "--shard", &format!("{k}/3"), "--threads", threads, "--out", &out]);
        let incomplete = &report(Path::new(&out))["incomplete"];
        assert_eq!(incomplete["reason"], format!("shard {k}/3"));
        shard_runs += incomplete["runs_done"].as_u64().expect("a count");
    }
    assert_eq!(Some(shard_runs), report(&dir.join("one"))["totals"]["runs"].as_u64(), "the shards split the runs");
    // In another order than the shards': merging does not depend on it.
    run_ok(&["merge", &path("shard-3"), &path("shard-1"), &path("shard-2"), "--out", &path("merged")]);
    assert_same_reports(&dir.join("one"), &dir.join("merged"));
    assert!(report(&dir.join("merged")).get("incomplete").is_none());
}

#[test]
fn merge_refuses_a_missing_shard_a_repeated_one_another_matrix_and_a_damaged_file() {
    let dir = scratch_dir("merge-refusals");
    let path = |name: &str| dir.join(name).display().to_string();
    let matrix = ["--scenario", "primary_failure", "--cluster", "builtin:seed-example", "--seeds", "30", "--no-timing"];
    for k in 1..=3 {
        run_ok(&[&["run"][..], &matrix, &["--shard", &format!("{k}/3"), "--out", &path(&format!("s{k}"))]].concat());
    }
    run_ok(&["run", "--scenario", "primary_failure", "--seeds", "30", "--shard", "3/3", "--out", &path("other")]);
    let merged = path("m");
    let refused = |dirs: &[String], expected: &str| {
        let args: Vec<&str> =
            ["merge"].into_iter().chain(dirs.iter().map(String::as_str)).chain(["--out", &merged]).collect();
        let (code, _, stderr) = parts(&failsim(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: expected `{expected}` in: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(!dir.join("m").exists(), "nothing written on a refused merge");
    };
    refused(&[path("s1"), path("s2")], "10 of 30 runs are in none of the 2 directories");
    refused(&[path("s1"), path("s2"), path("s2"), path("s3")], "repeats 10 runs of primary_failure");
    refused(&[path("s1"), path("s2"), path("other")], "holds another matrix than");
    refused(&[path("s1"), path("nowhere")], "nowhere: not a directory");
    let progress = dir.join("s2").join("progress.json");
    let text = read(&progress);
    std::fs::write(&progress, &text[..text.len() / 2]).expect("truncate");
    refused(&[path("s1"), path("s2"), path("s3")], "s2/progress.json:1:");
    std::fs::write(&progress, &text).expect("restore");
    let first = dir.join("s1").join("progress.json");
    let edited = read(&first).replacen("\"done\":[[0,10]]", "\"done\":[[0,9]]", 1);
    assert!(edited.contains("[[0,9]]"), "the edit applies");
    std::fs::write(&first, edited).expect("edit");
    refused(&[path("s1"), path("s2"), path("s3")], "its runs and its aggregate disagree");
}

/// Starts `failsim args` and returns it once it has begun running (its first line on
/// stderr), with the rest of its stderr still to read.
fn start(args: &[&str]) -> (std::process::Child, BufReader<std::process::ChildStderr>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_failsim"))
        .args(args)
        .current_dir(crate::support::root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failsim starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("a line on stderr");
    assert!(line.starts_with("running "), "first line: {line}");
    (child, stderr)
}

fn signal(child: &std::process::Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: sends a signal to our own child process, which has not been reaped yet.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
}

/// Every file in `dir` is whole: no temporary file is left, the JSON files parse and
/// junit.xml is well-formed XML.
fn assert_no_partial_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("the output directory") {
        let name = entry.expect("an entry").file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "a temporary file was left: {name}");
    }
    for json in ["report.json", "progress.json"] {
        serde_json::from_str::<serde_json::Value>(&read(&dir.join(json))).expect("whole JSON");
    }
    roxmltree::Document::parse(&read(&dir.join("junit.xml"))).expect("whole XML");
    assert!(read(&dir.join("report.html")).trim_end().ends_with("</html>"), "whole HTML");
}

#[test]
fn a_run_interrupted_by_sigint_resumes_to_the_uninterrupted_report() {
    let dir = scratch_dir("interrupt");
    let path = |name: &str| dir.join(name).display().to_string();
    let matrix = ["run", "--scenario", "primary_failure", "--seeds", "5000", "--no-timing"];
    run_ok(&[&matrix[..], &["--out", &path("whole")]].concat());
    // An earlier complete run in the directory: interrupting must replace each file
    // whole, never leave one cut short.
    run_ok(&["run", "--scenario", "primary_failure", "--seeds", "10", "--out", &path("stopped")]);

    let (mut child, mut stderr) = start(&[&matrix[..], &["--out", &path("stopped")]].concat());
    std::thread::sleep(std::time::Duration::from_millis(300));
    signal(&child, libc::SIGINT);
    let status = child.wait().expect("it ends");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
    assert_eq!(status.code(), Some(130), "exit 128 + SIGINT; stderr: {rest}");
    assert!(rest.contains("continue with: failsim run --resume"), "{rest}");
    assert_no_partial_files(&dir.join("stopped"));
    let incomplete = report(&dir.join("stopped"))["incomplete"].clone();
    assert_eq!(incomplete["reason"], "interrupted (SIGINT)");
    let (done, total) = (incomplete["runs_done"].as_u64().unwrap(), incomplete["runs_total"].as_u64().unwrap());
    assert!(done < total && total == 5000 * 6, "{done} of {total} runs");

    // Running again without --resume would throw the finished runs away: refused.
    let before = read(&dir.join("stopped").join("progress.json"));
    let (code, _, stderr) = parts(&failsim(&[&matrix[..], &["--out", &path("stopped")]].concat()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("holds an unfinished run") && stderr.contains("--resume"), "{stderr}");
    assert_eq!(read(&dir.join("stopped").join("progress.json")), before, "nothing overwritten");

    run_ok(&["run", "--resume", &path("stopped"), "--no-timing"]);
    assert_no_partial_files(&dir.join("stopped"));
    assert_same_reports(&dir.join("whole"), &dir.join("stopped"));
}

#[test]
fn sigterm_stops_a_shard_which_then_resumes_and_merges() {
    let dir = scratch_dir("sigterm");
    let path = |name: &str| dir.join(name).display().to_string();
    let matrix = ["run", "--scenario", "primary_failure", "--cluster", "builtin:seed-example", "--seeds", "20000"];
    let (mut child, _stderr) = start(&[&matrix[..], &["--shard", "1/2", "--no-timing", "--out", &path("a")]].concat());
    std::thread::sleep(std::time::Duration::from_millis(200));
    signal(&child, libc::SIGTERM);
    assert_eq!(child.wait().expect("it ends").code(), Some(143), "exit 128 + SIGTERM");
    assert_eq!(report(&dir.join("a"))["incomplete"]["reason"], "shard 1/2, interrupted (SIGTERM)");
    let (code, _, stderr) = parts(&failsim(&["merge", &path("a"), "--out", &path("m")]));
    assert_eq!(code, 2, "an interrupted shard does not merge alone: {stderr}");
    run_ok(&["run", "--resume", &path("a"), "--no-timing"]);
    assert_eq!(report(&dir.join("a"))["incomplete"]["reason"], "shard 1/2");
    run_ok(&[&matrix[..], &["--shard", "2/2", "--no-timing", "--out", &path("b")]].concat());
    run_ok(&["merge", &path("b"), &path("a"), "--out", &path("m")]);
    run_ok(&[&matrix[..], &["--no-timing", "--out", &path("whole")]].concat());
    assert_same_reports(&dir.join("whole"), &dir.join("m"));
}

#[test]
fn a_run_killed_outright_resumes_from_its_last_checkpoint() {
    let dir = scratch_dir("sigkill");
    let path = |name: &str| dir.join(name).display().to_string();
    let matrix = ["run", "--scenario", "primary_failure", "--seeds", "5000", "--no-timing"];
    let (mut child, _stderr) = start(&[&matrix[..], &["--checkpoint-every", "0.2", "--out", &path("killed")]].concat());
    // Wait for a checkpoint with runs in it, then kill: no handler runs, no report is
    // written; only the last checkpoint remains.
    let progress = dir.join("killed").join("progress.json");
    let runs_saved = |text: &str| -> u64 {
        let value: serde_json::Value = serde_json::from_str(text).expect("a checkpoint is always whole JSON");
        let cells = value["cells"].as_array().expect("cells").iter();
        cells.map(|c| c["aggregate"]["runs"].as_u64().expect("a count")).sum()
    };
    while std::fs::read_to_string(&progress).map_or(true, |text| runs_saved(&text) == 0) {
        assert!(child.try_wait().expect("a status").is_none(), "it ended before a checkpoint");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    signal(&child, libc::SIGKILL);
    child.wait().expect("it ends");
    let saved = runs_saved(&read(&progress));
    assert!(saved > 0 && saved < 30_000, "{saved} runs saved");
    assert!(!dir.join("killed").join("report.json").exists(), "killed before any report");

    run_ok(&["run", "--resume", &path("killed"), "--no-timing"]);
    run_ok(&[&matrix[..], &["--out", &path("whole")]].concat());
    assert_same_reports(&dir.join("whole"), &dir.join("killed"));
}

#[test]
fn resume_refuses_a_directory_without_progress_and_inputs_that_changed() {
    let dir = scratch_dir("resume-refusals");
    let path = |name: &str| dir.join(name).display().to_string();
    std::fs::create_dir_all(dir.join("empty")).expect("mkdir");
    let (code, _, stderr) = parts(&failsim(&["run", "--resume", &path("empty")]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no progress.json here"), "{stderr}");

    let scenario = dir.join("s.yaml");
    let original = read(&repo_path("scenarios/primary_failure.yaml"));
    std::fs::write(&scenario, &original).expect("write");
    let scenario = scenario.display().to_string();
    run_ok(&["run", "--scenario", &scenario, "--seeds", "5", "--out", &path("r")]);
    std::fs::write(&scenario, original.replace("duration_s: 300", "duration_s: 200")).expect("edit");
    let (code, _, stderr) = parts(&failsim(&["run", "--resume", &path("r")]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("progress.json: cannot resume: its scenarios, topologies or policies have changed"),
        "{stderr}"
    );
    let (code, _, stderr) = parts(&failsim(&["run", "--resume", &path("r"), "--seeds", "3"]));
    assert_eq!(code, 2, "--resume takes the matrix from the file: {stderr}");
}
