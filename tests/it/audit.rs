//! Audit packs end to end: a hand-built auditor is sealed, written to a file and read
//! back by `failsim audit show|verify`; every kind of edit makes `verify` exit 1, a file
//! that is not a pack exits 2; and, as a property, any single-entry mutation of a
//! random log fails verification.
//!
//! The logs are built by hand (the simulation that records real ones is tested
//! elsewhere), with the shapes a failover produces: detection, decision, action
//! attempts with a retry, verification.

use crate::support::{failsim, parts};
use failsim::control::audit_pack::{self, AuditError, AuditPack};
use failsim::control::auditor::{AuditKind, Auditor};
use failsim::engine::{Seed, SimTime};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const MS: u64 = 1_000_000;

/// A primary-loss failover with a failed promote attempt, retried.
fn failover_log() -> Auditor {
    let mut auditor = Auditor::default();
    let entries = [
        (15_000, AuditKind::Detection, "node-1 declared failed after 3 missed heartbeats"),
        (15_000, AuditKind::Decision, "fail over: quorum 2/3, target node-2 (region-1, priority 90)"),
        (15_120, AuditKind::Action, "fence node-1: ok after 120 ms"),
        (17_480, AuditKind::Action, "promote node-2: failed (injected), retry 1 of 2"),
        (19_910, AuditKind::Action, "promote node-2: ok after 2430 ms"),
        (20_050, AuditKind::Action, "dns_flip prod.example -> node-2: ok"),
        (20_100, AuditKind::Action, "notify on-call: ok"),
        (20_400, AuditKind::Verification, "passed: one primary, standbys follow, confidence 95"),
    ];
    for (at_ms, kind, detail) in entries {
        auditor.record(SimTime(at_ms * MS), kind, detail.to_owned());
    }
    auditor
}

fn sealed() -> AuditPack {
    audit_pack::seal(&failover_log(), "prod-cluster", "primary_failure", Seed(42))
}

/// A pack written to a unique file under the system temp directory, removed on drop.
struct PackFile(PathBuf);

impl PackFile {
    fn bytes(bytes: &[u8]) -> PackFile {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!("failsim-audit-{}-{}.json", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, bytes).expect("the temp directory is writable");
        PackFile(path)
    }

    fn pack(pack: &AuditPack) -> PackFile {
        PackFile::bytes(serde_json::to_string_pretty(pack).expect("a pack serializes").as_bytes())
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("temp paths are UTF-8 here")
    }
}

impl Drop for PackFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `failsim audit verify` on a pack: exit code and the one line it prints.
fn verify_cli(pack: &AuditPack) -> (i32, String) {
    let file = PackFile::pack(pack);
    let (code, stdout, stderr) = parts(&failsim(&["audit", "verify", file.path()]));
    assert!(stderr.is_empty(), "verify writes its verdict to stdout only: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    (code, stdout)
}

fn assert_fails(pack: &AuditPack, names: &str) {
    let (code, stdout) = verify_cli(pack);
    assert_eq!(code, 1, "tampering is a finding: {stdout}");
    assert!(stdout.starts_with("audit pack FAILED: "), "{stdout}");
    assert!(stdout.contains(names), "the message names {names:?}: {stdout}");
}

#[test]
fn audit_verify_accepts_an_untouched_pack() {
    let pack = sealed();
    let (code, stdout) = verify_cli(&pack);
    assert_eq!(code, 0, "{stdout}");
    let expected =
        format!("audit pack OK: 8 entries, chain head {}, manifest {}\n", pack.entries[7].hash, pack.manifest.sha256);
    assert_eq!(stdout, expected);
}

#[test]
fn audit_verify_fails_when_any_byte_of_a_detail_changes() {
    let original = sealed();
    let detail = original.entries[4].detail.clone();
    for position in 0..detail.len() {
        let mut pack = original.clone();
        let mut bytes = detail.clone().into_bytes();
        bytes[position] = if bytes[position] == b'x' { b'y' } else { b'x' };
        pack.entries[4].detail = String::from_utf8(bytes).expect("ASCII stays UTF-8");
        assert_fails(&pack, "hash mismatch at seq 4");
    }
}

#[test]
fn audit_verify_fails_when_an_entry_is_removed() {
    let mut pack = sealed();
    pack.entries.remove(3);
    assert_fails(&pack, "prev_hash mismatch at seq 4");
}

#[test]
fn audit_verify_fails_when_the_last_entry_is_removed() {
    let mut pack = sealed();
    pack.entries.pop();
    assert_fails(&pack, "audit_id mismatch");
}

#[test]
fn audit_verify_fails_when_two_entries_swap() {
    let mut pack = sealed();
    pack.entries.swap(3, 4);
    assert_fails(&pack, "prev_hash mismatch at seq 4");
}

#[test]
fn audit_verify_fails_when_the_manifest_hash_is_edited() {
    let mut pack = sealed();
    let mut sha256 = pack.manifest.sha256.into_bytes();
    sha256[0] = if sha256[0] == b'0' { b'1' } else { b'0' };
    pack.manifest.sha256 = String::from_utf8(sha256).expect("hex");
    assert_fails(&pack, "manifest hash mismatch");
}

#[test]
fn audit_verify_fails_when_the_manifest_is_rewritten_with_a_fresh_hash() {
    let mut pack = sealed();
    pack.manifest.actions[1].detail = "promote node-2: ok".to_owned();
    pack.manifest.sha256 = audit_pack::manifest_sha256(&pack.manifest.actions);
    assert_fails(&pack, "manifest does not match the action entries at seq 3");
}

#[test]
fn audit_verify_fails_when_a_seq_is_changed() {
    let mut pack = sealed();
    pack.entries[2].seq = 7;
    assert_fails(&pack, "at seq 7 (entry 2)");
}

#[test]
fn audit_verify_fails_when_the_seed_is_edited() {
    let mut pack = sealed();
    pack.seed = Seed(43);
    assert_fails(&pack, "audit_id mismatch");
}

#[test]
fn audit_verify_exits_2_on_a_file_that_is_not_a_pack() {
    let mut unknown_field = serde_json::to_value(sealed()).expect("a pack serializes");
    unknown_field["entries"][0]["signature"] = "forged".into();
    let mut missing_field = serde_json::to_value(sealed()).expect("a pack serializes");
    missing_field.as_object_mut().expect("an object").remove("manifest");
    let mut wrong_kind = serde_json::to_value(sealed()).expect("a pack serializes");
    wrong_kind["entries"][1]["kind"] = "rollback".into();
    let garbage: [(&str, Vec<u8>); 7] = [
        ("empty", Vec::new()),
        ("not JSON", b"audit pack, honest".to_vec()),
        ("binary", vec![0xff, 0xfe, 0x00, 0x7b, 0x80]),
        ("a JSON list", b"[1, 2, 3]".to_vec()),
        ("an unknown field", unknown_field.to_string().into_bytes()),
        ("a missing field", missing_field.to_string().into_bytes()),
        ("an unknown kind", wrong_kind.to_string().into_bytes()),
    ];
    for (what, bytes) in garbage {
        let file = PackFile::bytes(&bytes);
        for command in ["verify", "show"] {
            let (code, stdout, stderr) = parts(&failsim(&["audit", command, file.path()]));
            assert_eq!(code, 2, "{what}: {stdout}{stderr}");
            assert_eq!(stderr.lines().count(), 1, "{what}: one line: {stderr}");
            assert!(stderr.contains("not an audit pack"), "{what}: {stderr}");
        }
    }
    let missing = Path::new("/nonexistent/failsim/audit.json").to_str().expect("UTF-8");
    let (code, _, stderr) = parts(&failsim(&["audit", "verify", missing]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("error: /nonexistent/failsim/audit.json: cannot read"), "{stderr}");
}

#[test]
fn audit_show_prints_one_line_per_entry_then_manifest_and_chain_head() {
    let mut auditor = failover_log();
    auditor.record(SimTime(20_400 * MS + 1), AuditKind::Decision, "two\nlines".to_owned());
    let pack = audit_pack::seal(&auditor, "prod-cluster", "primary_failure", Seed(42));
    let file = PackFile::pack(&pack);
    let (code, stdout, stderr) = parts(&failsim(&["audit", "show", file.path()]));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1 + 1 + 9 + 2, "header, column titles, 9 entries, manifest, head:\n{stdout}");
    assert_eq!(
        lines[0],
        format!("audit pack {}: cluster prod-cluster, scenario primary_failure, seed 42, 9 entries", pack.audit_id)
    );
    assert_eq!(
        lines[3],
        "    1       15000.000  decision      fail over: quorum 2/3, target node-2 (region-1, priority 90)"
    );
    assert_eq!(lines[5], "    3       17480.000  action        promote node-2: failed (injected), retry 1 of 2");
    assert_eq!(lines[10], "    8    20400.000001  decision      two\\nlines");
    assert_eq!(lines[11], format!("manifest sha256 {} (5 actions)", pack.manifest.sha256));
    assert_eq!(lines[12], format!("chain head {}", pack.entries[8].hash));
}

#[test]
fn audit_help_teaches_by_example() {
    for args in [&["audit", "--help"][..], &["audit", "show", "--help"], &["audit", "verify", "--help"]] {
        let (code, stdout, stderr) = parts(&failsim(args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stdout.contains("Examples:\n  failsim audit"), "{args:?}:\n{stdout}");
    }
}

/// One edit of one entry, as someone tampering with a pack might make it.
#[derive(Clone, Debug)]
enum Mutation {
    Detail { byte: u8 },
    Time { delta_ns: u64 },
    Kind { shift: u8 },
    Seq { delta: u32 },
    PrevHash,
    Hash,
    Remove,
    Duplicate,
    SwapWithNext,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<u8>().prop_map(|byte| Mutation::Detail { byte }),
        (1..u64::from(u32::MAX)).prop_map(|delta_ns| Mutation::Time { delta_ns }),
        (1..4u8).prop_map(|shift| Mutation::Kind { shift }),
        (1..u32::MAX).prop_map(|delta| Mutation::Seq { delta }),
        Just(Mutation::PrevHash),
        Just(Mutation::Hash),
        Just(Mutation::Remove),
        Just(Mutation::Duplicate),
        Just(Mutation::SwapWithNext),
    ]
}

const KINDS: [AuditKind; 4] = [AuditKind::Detection, AuditKind::Decision, AuditKind::Action, AuditKind::Verification];

fn auditor() -> impl Strategy<Value = Auditor> {
    prop::collection::vec((0..4usize, 0..10_000 * MS, "[a-z0-9 :>=().-]{0,40}"), 1..24).prop_map(|entries| {
        let mut auditor = Auditor::default();
        let mut at_ns = 0;
        for (kind, step_ns, detail) in entries {
            at_ns += step_ns;
            auditor.record(SimTime(at_ns), KINDS[kind], detail);
        }
        auditor
    })
}

/// Applies `mutation` to the entry at `index`; with `rehash`, an edit of the entry's
/// fields also recomputes its own hash, as a tamperer who knows the scheme would.
fn mutate(pack: &mut AuditPack, index: usize, mutation: &Mutation, rehash: bool) {
    let entries = &mut pack.entries;
    let flip = |hex: &mut String| {
        let first = if hex.starts_with('0') { "1" } else { "0" };
        hex.replace_range(..1, first);
    };
    match mutation {
        Mutation::Detail { byte } => {
            let detail = &mut entries[index].detail;
            let replacement = char::from(b'!' + byte % 94);
            match detail.pop() {
                Some(last) if last != replacement => detail.push(replacement),
                Some(_) => detail.push('~'),
                None => detail.push(replacement),
            }
        }
        Mutation::Time { delta_ns } => entries[index].at_ns = entries[index].at_ns.wrapping_add(*delta_ns),
        Mutation::Kind { shift } => {
            let now = KINDS.iter().position(|k| *k == entries[index].kind).expect("a known kind");
            entries[index].kind = KINDS[(now + usize::from(*shift)) % 4];
        }
        Mutation::Seq { delta } => entries[index].seq = entries[index].seq.wrapping_add(*delta),
        Mutation::PrevHash => flip(&mut entries[index].prev_hash),
        Mutation::Hash => {
            // Rehashing would undo this edit.
            flip(&mut entries[index].hash);
            return;
        }
        Mutation::Remove => {
            entries.remove(index);
            return;
        }
        Mutation::Duplicate => {
            let copy = entries[index].clone();
            entries.insert(index, copy);
            return;
        }
        Mutation::SwapWithNext => {
            let other = if index + 1 < entries.len() { index + 1 } else { index.saturating_sub(1) };
            entries.swap(index, other);
            return;
        }
    }
    if rehash {
        let e = &mut entries[index];
        e.hash = audit_pack::entry_hash(&e.prev_hash, e.seq, e.at_ns, e.kind, &e.detail);
    }
}

proptest! {
    #[test]
    fn any_sealed_log_verifies(auditor in auditor(), seed in any::<u64>()) {
        let pack = audit_pack::seal(&auditor, "prod-cluster", "random", Seed(seed));
        let verified = audit_pack::verify(&pack).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(verified.entry_count, auditor.entries.len());
    }

    #[test]
    fn any_single_entry_mutation_fails_verification(
        auditor in auditor(),
        index in any::<prop::sample::Index>(),
        mutation in mutation(),
        rehash in any::<bool>(),
    ) {
        let mut pack = audit_pack::seal(&auditor, "prod-cluster", "random", Seed(7));
        let index = index.index(pack.entries.len());
        let is_lone_swap = matches!(mutation, Mutation::SwapWithNext) && pack.entries.len() == 1;
        prop_assume!(!is_lone_swap, "swapping needs two entries");
        mutate(&mut pack, index, &mutation, rehash);
        let result: Result<_, AuditError> = audit_pack::verify(&pack);
        prop_assert!(result.is_err(), "{:?} of entry {} (rehash {}) went unnoticed", mutation, index, rehash);
    }
}
