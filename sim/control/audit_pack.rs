//! Audit packs: a run's audit log sealed into a SHA-256 hash chain with a manifest of
//! the executor's actions, and the check that finds any edit of it.
//!
//! The last step of the control plane: [`seal`] turns the [`Auditor`]'s entries into an
//! [`AuditPack`] once a run is over; [`verify`] recomputes every hash, for `failsim
//! audit verify` and the `audit_chain` invariant. Pure: reads no clock, no file and no
//! randomness, and never panics on a pack read from a file.
//!
//! # The pack (JSON)
//!
//! ```text
//! { "audit_id", "cluster_id", "scenario", "seed",
//!   "entries": [{ "seq", "at_ns", "kind", "detail", "prev_hash", "hash" }, ...],
//!   "manifest": { "actions": [{ "seq", "detail" }, ...], "sha256" } }
//! ```
//!
//! `at_ns` is virtual time as the engine keeps it ([`crate::engine::SimTime`]): integer
//! nanoseconds since the run began, exact, no floating point (`failsim audit show`
//! prints it in milliseconds). `seq` counts from 0 and equals the entry's position.
//! Every hash is 64 lowercase hex digits of a SHA-256.
//!
//! # The bytes hashed
//!
//! 1. **Entry**: `hash` = SHA-256 of the UTF-8 text
//!    `{prev_hash}\n{seq}\n{at_ns}\n{kind}\n{detail}` (numbers in decimal, `kind` as
//!    stored: `detection`, `decision`, `action` or `verification`; `detail` verbatim;
//!    no trailing newline). The first entry's `prev_hash` is 64 `0`s ([`GENESIS`]),
//!    every other entry's is the hash of the entry before it. The chain head is the
//!    last entry's hash ([`GENESIS`] when the log is empty).
//! 2. **Manifest**: `actions` lists the `action` entries in log order as
//!    `{"seq":N,"detail":"..."}`; `sha256` = SHA-256 of their canonical JSON, as the
//!    seed's `manifest_hash`. Canonical JSON: compact (no whitespace), keys in the
//!    order written, strings escaped minimally (`\"`, `\\`, `\b \f \n \r \t`, other
//!    characters below U+0020 as `\u00xx`, everything else as literal UTF-8): what
//!    serde_json writes, and Python's `json.dumps(v, separators=(",", ":"),
//!    ensure_ascii=False)`.
//! 3. **audit_id**: `audit-` and the first 16 hex digits of SHA-256 of the canonical
//!    JSON of `[cluster_id, scenario, seed, chain_head]`, e.g.
//!    `["prod-cluster","primary_failure",42,"79fc…"]`. It ties the header to the end of
//!    the chain, so an edited scenario or seed, or entries cut from the end, are caught.
//!
//! To check a pack without failsim (Python, for its exact 64-bit integers):
//!
//! ```text
//! python3 - pack.json <<'EOF'
//! import hashlib, json, sys
//! p = json.load(open(sys.argv[1]))
//! h = lambda b: hashlib.sha256(b).hexdigest()
//! canon = lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()
//! prev = "0" * 64
//! for i, e in enumerate(p["entries"]):
//!     assert e["seq"] == i and e["prev_hash"] == prev, f"chain broken at seq {e['seq']}"
//!     prev = h(f'{prev}\n{e["seq"]}\n{e["at_ns"]}\n{e["kind"]}\n{e["detail"]}'.encode())
//!     assert e["hash"] == prev, f"hash mismatch at seq {e['seq']}"
//! acts = [{"seq": e["seq"], "detail": e["detail"]} for e in p["entries"] if e["kind"] == "action"]
//! assert p["manifest"]["actions"] == acts and p["manifest"]["sha256"] == h(canon(acts)), "manifest"
//! assert p["audit_id"] == "audit-" + h(canon([p["cluster_id"], p["scenario"], p["seed"], prev]))[:16]
//! print("ok")
//! EOF
//! ```
//!
//! One entry with jq and coreutils: `jq -j '.entries[0] |
//! "\(.prev_hash)\n\(.seq)\n\(.at_ns)\n\(.kind)\n\(.detail)"' pack.json | sha256sum`
//! (jq rounds numbers above 2^53, so seeds and times past 104 days are beyond it).
//!
//! What the chain does not do: the pack carries no key, so whoever rewrites every
//! entry and recomputes every hash makes a valid pack. It proves a pack intact against
//! a chain head or `audit_id` kept elsewhere (the run's report), and catches every
//! partial edit on its own.

use super::auditor::{AuditKind, Auditor};
use crate::engine::Seed;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The `prev_hash` of the first entry, and the chain head of an empty log: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A sealed audit log: the entries in a hash chain and the manifest of the actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditPack {
    /// `audit-` and 16 hex digits derived from the header and the chain head.
    pub audit_id: String,
    pub cluster_id: String,
    pub scenario: String,
    pub seed: Seed,
    pub entries: Vec<SealedEntry>,
    pub manifest: Manifest,
}

/// One audit entry with its link in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedEntry {
    /// Position in the log, from 0.
    pub seq: u32,
    /// Virtual time, in nanoseconds since the run began.
    pub at_ns: u64,
    pub kind: AuditKind,
    pub detail: String,
    /// The previous entry's `hash` ([`GENESIS`] for the first entry).
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and this entry's fields (see the module doc).
    pub hash: String,
}

/// The executor's actions, and the SHA-256 of their canonical JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub actions: Vec<ManifestAction>,
    pub sha256: String,
}

/// One action of the manifest: the `seq` and `detail` of an `action` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestAction {
    pub seq: u32,
    pub detail: String,
}

/// What [`verify`] found in an intact pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub entry_count: usize,
    pub action_count: usize,
    /// The last entry's hash ([`GENESIS`] when there are no entries).
    pub chain_head: String,
    pub manifest_sha256: String,
}

/// The first thing found wrong in a pack; `position` is the entry's index in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The entry's fields or `prev_hash` were edited: its `hash` no longer covers them.
    #[error("hash mismatch at seq {seq} (entry {position}): its content no longer matches its hash")]
    HashMismatch { seq: u32, position: usize },
    /// The entry does not link to the one before it: an entry was removed, inserted or
    /// reordered, or the one before was edited and rehashed.
    #[error(
        "prev_hash mismatch at seq {seq} (entry {position}): it does not link to the entry before it \
         (an entry was removed, inserted, reordered or rewritten)"
    )]
    PrevHashMismatch { seq: u32, position: usize },
    /// The entry's seq is not its position (the chain was rewritten around an edit).
    #[error("seq out of order at entry {position}: found seq {seq}, expected {position}")]
    SeqOutOfOrder { seq: u32, position: usize },
    /// The manifest's `sha256` is not the hash of its `actions`.
    #[error("manifest hash mismatch: the manifest says {stored}, its actions hash to {computed}")]
    ManifestHashMismatch { stored: String, computed: String },
    /// The manifest's `actions` are not the log's `action` entries.
    #[error("manifest does not match the action entries at seq {seq}: {reason}")]
    ManifestMismatch { seq: u32, reason: ManifestGap },
    /// The `audit_id` does not derive from the header and the chain head.
    #[error(
        "audit_id mismatch: the pack says {stored}, its content gives {computed} \
         (cluster_id, scenario or seed edited, or entries cut from the end)"
    )]
    AuditIdMismatch { stored: String, computed: String },
}

/// How the manifest differs from the log's action entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestGap {
    /// An `action` entry of the log is not in the manifest.
    #[error("the log has this action, the manifest does not")]
    MissingFromManifest,
    /// The manifest lists a seq that is not an `action` entry of the log.
    #[error("the manifest lists it, the log has no such action")]
    NotInLog,
    /// The same seq, a different detail.
    #[error("the manifest's detail differs from the entry's")]
    DetailDiffers,
}

/// Seals an auditor's log: chains the entries, builds the manifest, derives the id.
///
/// The entries are copied as recorded; [`verify`] expects `seq` to equal the position,
/// which [`Auditor::record`] guarantees.
pub fn seal(auditor: &Auditor, cluster_id: &str, scenario: &str, seed: Seed) -> AuditPack {
    let mut prev_hash = GENESIS.to_owned();
    let mut entries = Vec::with_capacity(auditor.entries.len());
    for entry in &auditor.entries {
        let hash = entry_hash(&prev_hash, entry.seq, entry.at_ns, entry.kind, &entry.detail);
        entries.push(SealedEntry {
            seq: entry.seq,
            at_ns: entry.at_ns,
            kind: entry.kind,
            detail: entry.detail.clone(),
            prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
            hash,
        });
    }
    let actions = manifest_actions(&entries);
    let manifest = Manifest { sha256: manifest_sha256(&actions), actions };
    AuditPack {
        audit_id: audit_id(cluster_id, scenario, seed, &prev_hash),
        cluster_id: cluster_id.to_owned(),
        scenario: scenario.to_owned(),
        seed,
        entries,
        manifest,
    }
}

/// Checks a pack: every entry's hash and link, the order of `seq`, the manifest's
/// hash and its agreement with the action entries, and the `audit_id`.
///
/// # Errors
/// The first thing found wrong, in that order, naming the entry where there is one.
pub fn verify(pack: &AuditPack) -> Result<Verified, AuditError> {
    let mut prev_hash = GENESIS;
    for (position, entry) in pack.entries.iter().enumerate() {
        let seq = entry.seq;
        if entry.hash != entry_hash(&entry.prev_hash, seq, entry.at_ns, entry.kind, &entry.detail) {
            return Err(AuditError::HashMismatch { seq, position });
        }
        if entry.prev_hash != prev_hash {
            return Err(AuditError::PrevHashMismatch { seq, position });
        }
        if usize::try_from(seq).ok() != Some(position) {
            return Err(AuditError::SeqOutOfOrder { seq, position });
        }
        prev_hash = &entry.hash;
    }
    let manifest_hash = manifest_sha256(&pack.manifest.actions);
    if pack.manifest.sha256 != manifest_hash {
        return Err(AuditError::ManifestHashMismatch { stored: pack.manifest.sha256.clone(), computed: manifest_hash });
    }
    if let Some((seq, reason)) = manifest_gap(&pack.manifest.actions, &manifest_actions(&pack.entries)) {
        return Err(AuditError::ManifestMismatch { seq, reason });
    }
    let computed = audit_id(&pack.cluster_id, &pack.scenario, pack.seed, prev_hash);
    if pack.audit_id != computed {
        return Err(AuditError::AuditIdMismatch { stored: pack.audit_id.clone(), computed });
    }
    Ok(Verified {
        entry_count: pack.entries.len(),
        action_count: pack.manifest.actions.len(),
        chain_head: prev_hash.to_owned(),
        manifest_sha256: manifest_hash,
    })
}

impl AuditPack {
    /// The last entry's stored hash ([`GENESIS`] when there are no entries).
    pub fn chain_head(&self) -> &str {
        self.entries.last().map_or(GENESIS, |entry| entry.hash.as_str())
    }
}

/// An entry's hash: SHA-256 of `{prev_hash}\n{seq}\n{at_ns}\n{kind}\n{detail}`, in hex.
pub fn entry_hash(prev_hash: &str, seq: u32, at_ns: u64, kind: AuditKind, detail: &str) -> String {
    let mut hasher = Sha256::new();
    // Written into the hasher as it is formatted: every run seals its pack, and a
    // formatted string per entry was a fifth of a run's allocations.
    let _ = write!(HashText(&mut hasher), "{prev_hash}\n{seq}\n{at_ns}\n{}\n", kind_name(kind));
    hasher.update(detail.as_bytes());
    hex(&hasher.finalize())
}

/// Formats text straight into a hasher; it never fails.
struct HashText<'a>(&'a mut Sha256);

impl std::fmt::Write for HashText<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.update(text.as_bytes());
        Ok(())
    }
}

/// The manifest's hash: SHA-256 of the canonical JSON of `actions`, in hex.
pub fn manifest_sha256(actions: &[ManifestAction]) -> String {
    hex(&Sha256::digest(canonical_json(&actions)))
}

/// `audit-` and the first 16 hex digits of SHA-256 of the canonical JSON of
/// `[cluster_id, scenario, seed, chain_head]`.
pub fn audit_id(cluster_id: &str, scenario: &str, seed: Seed, chain_head: &str) -> String {
    let digest = hex(&Sha256::digest(canonical_json(&(cluster_id, scenario, seed.0, chain_head))));
    format!("audit-{}", &digest[..16])
}

/// A kind's name as a pack stores it (and as it is hashed): `action`, `decision`, ...
pub fn kind_name(kind: AuditKind) -> &'static str {
    // The name hashed must be the name stored, so a verifier reading the JSON needs no
    // table: `kind_names_are_the_stored_names` holds this list to serde's names.
    match kind {
        AuditKind::Detection => "detection",
        AuditKind::Decision => "decision",
        AuditKind::Action => "action",
        AuditKind::Verification => "verification",
    }
}

/// The manifest the entries call for: every `action` entry's seq and detail, in order.
fn manifest_actions(entries: &[SealedEntry]) -> Vec<ManifestAction> {
    entries
        .iter()
        .filter(|entry| entry.kind == AuditKind::Action)
        .map(|entry| ManifestAction { seq: entry.seq, detail: entry.detail.clone() })
        .collect()
}

/// The first difference between the stored manifest and the one the entries call for.
fn manifest_gap(stored: &[ManifestAction], expected: &[ManifestAction]) -> Option<(u32, ManifestGap)> {
    let mismatch = stored.iter().zip(expected).find(|(s, e)| s != e);
    match mismatch {
        Some((s, e)) if s.seq == e.seq => Some((s.seq, ManifestGap::DetailDiffers)),
        Some((s, e)) if s.seq < e.seq => Some((s.seq, ManifestGap::NotInLog)),
        Some((_, e)) => Some((e.seq, ManifestGap::MissingFromManifest)),
        None => match stored.len().cmp(&expected.len()) {
            std::cmp::Ordering::Less => Some((expected[stored.len()].seq, ManifestGap::MissingFromManifest)),
            std::cmp::Ordering::Greater => Some((stored[expected.len()].seq, ManifestGap::NotInLog)),
            std::cmp::Ordering::Equal => None,
        },
    }
}

/// Compact JSON, as serde_json writes it (see the module doc for the exact rules).
fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("strings, integers and lists always serialize")
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    // The pinned hashes below were computed with the Python recipe of the module doc,
    // so they hold this code to the documented scheme.

    #[test]
    fn entry_hash_covers_the_documented_bytes() {
        let hash = entry_hash(GENESIS, 0, 1_500_000, AuditKind::Decision, "start failover: node-1 failed");
        assert_eq!(hash, "79fc406c39d9dca63e667911c5ade8df772f89a4768f8c9eb573dd2509c89ff4");
    }

    #[test]
    fn manifest_hash_is_over_canonical_json() {
        let actions = [ManifestAction { seq: 1, detail: "promote node-2: ok \"quoted\"\n\u{e9}".to_owned() }];
        assert_eq!(canonical_json(&actions), br#"[{"seq":1,"detail":"promote node-2: ok \"quoted\"\n"#
            .iter()
            .chain("\u{e9}\"}]".as_bytes())
            .copied()
            .collect::<Vec<u8>>());
        assert_eq!(manifest_sha256(&actions), "840d1b6ca39896a73b1d7d2231a067b2cbc0159bf1ef0150a1ef84087b690ab1");
        assert_eq!(manifest_sha256(&[]), "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
    }

    #[test]
    fn audit_id_covers_header_and_chain_head_with_exact_seeds() {
        let head = "79fc406c39d9dca63e667911c5ade8df772f89a4768f8c9eb573dd2509c89ff4";
        assert_eq!(audit_id("prod-cluster", "primary_failure", Seed(u64::MAX), head), "audit-3b2fa75daff6e688");
    }

    #[test]
    fn kind_names_are_the_stored_names() {
        let kinds = [AuditKind::Detection, AuditKind::Decision, AuditKind::Action, AuditKind::Verification];
        for kind in kinds {
            assert_eq!(serde_json::to_value(kind).unwrap(), serde_json::Value::from(kind_name(kind)));
        }
    }

    fn sample() -> AuditPack {
        let mut auditor = Auditor::default();
        auditor.record(SimTime(15_000_000_000), AuditKind::Detection, "node-1 failed".to_owned());
        auditor.record(SimTime(15_000_000_000), AuditKind::Decision, "fail over to node-2".to_owned());
        auditor.record(SimTime(15_200_000_000), AuditKind::Action, "fence node-1: ok".to_owned());
        auditor.record(SimTime(16_000_000_000), AuditKind::Action, "promote node-2: ok".to_owned());
        auditor.record(SimTime(17_000_000_000), AuditKind::Verification, "passed, confidence 95".to_owned());
        seal(&auditor, "prod-cluster", "primary_failure", Seed(42))
    }

    #[test]
    fn a_sealed_pack_verifies() {
        let pack = sample();
        let verified = verify(&pack).expect("untouched");
        assert_eq!(verified.entry_count, 5);
        assert_eq!(verified.action_count, 2);
        assert_eq!(verified.chain_head, pack.chain_head());
        assert_eq!(pack.entries[0].prev_hash, GENESIS);
        assert_eq!(pack.entries[1].prev_hash, pack.entries[0].hash);
        assert_eq!(pack.audit_id.len(), "audit-".len() + 16);
    }

    #[test]
    fn an_empty_log_seals_and_verifies() {
        let pack = seal(&Auditor::default(), "c", "s", Seed(0));
        assert_eq!(verify(&pack).expect("empty").chain_head, GENESIS);
    }

    #[test]
    fn each_kind_of_edit_names_what_broke() {
        let mut pack = sample();
        pack.entries[3].detail.push('!');
        assert_eq!(verify(&pack), Err(AuditError::HashMismatch { seq: 3, position: 3 }));

        let mut pack = sample();
        pack.entries.remove(1);
        assert_eq!(verify(&pack), Err(AuditError::PrevHashMismatch { seq: 2, position: 1 }));

        let mut pack = sample();
        pack.entries.swap(1, 2);
        assert_eq!(verify(&pack), Err(AuditError::PrevHashMismatch { seq: 2, position: 1 }));

        let mut pack = sample();
        pack.seed = Seed(43);
        assert!(matches!(verify(&pack), Err(AuditError::AuditIdMismatch { .. })));

        let mut pack = sample();
        pack.manifest.sha256 = GENESIS.to_owned();
        assert!(matches!(verify(&pack), Err(AuditError::ManifestHashMismatch { .. })));
    }

    #[test]
    fn a_rechained_seq_edit_is_out_of_order() {
        let mut pack = sample();
        let last = pack.entries.last_mut().expect("entries");
        last.seq = 9;
        last.hash = entry_hash(&last.prev_hash, last.seq, last.at_ns, last.kind, &last.detail);
        assert_eq!(verify(&pack), Err(AuditError::SeqOutOfOrder { seq: 9, position: 4 }));
    }

    #[test]
    fn manifest_gaps_name_the_first_differing_action() {
        let action = |seq: u32, detail: &str| ManifestAction { seq, detail: detail.to_owned() };
        let log = [action(2, "a"), action(3, "b")];
        assert_eq!(manifest_gap(&log, &log), None);
        assert_eq!(manifest_gap(&[action(2, "a")], &log), Some((3, ManifestGap::MissingFromManifest)));
        assert_eq!(manifest_gap(&[action(3, "b")], &log), Some((2, ManifestGap::MissingFromManifest)));
        assert_eq!(manifest_gap(&[action(1, "x"), action(2, "a")], &log), Some((1, ManifestGap::NotInLog)));
        assert_eq!(manifest_gap(&[action(2, "a"), action(3, "c")], &log), Some((3, ManifestGap::DetailDiffers)));
        assert_eq!(
            manifest_gap(&[action(2, "a"), action(3, "b"), action(4, "c")], &log),
            Some((4, ManifestGap::NotInLog))
        );
    }
}
