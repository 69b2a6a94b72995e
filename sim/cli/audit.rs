//! `failsim audit show|verify`: read an audit pack (a JSON file), print it, or check
//! its hash chain, action manifest and id. The checking itself is the library's
//! (`control::audit_pack`); this file reads the file and prints.

use super::Outcome;
use anyhow::{anyhow, bail, Context};
use failsim::control::audit_pack::{self, AuditPack};
use std::fmt::Write;
use std::io::Read;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  failsim audit show audit.json
  failsim audit verify audit.json && echo intact

An audit pack is a run's control-plane audit log, sealed: every detection, decision,
action attempt and verification in order, each entry's SHA-256 covering the one
before it, plus a SHA-256 manifest of the actions. The hashed bytes, and a script
that checks a pack without failsim, are in sim/control/audit_pack.rs.

Exit codes: 0 the pack is intact; 1 an entry, the manifest or the header was edited,
removed, inserted or reordered; 2 the file is not an audit pack.";

const SHOW_AFTER_HELP: &str = "\
Examples:
  failsim audit show audit.json

One line per entry: seq, virtual time in ms, kind, detail; then the manifest hash
and the chain head. Shows the pack as stored; `failsim audit verify` checks it.";

const VERIFY_AFTER_HELP: &str = "\
Examples:
  failsim audit verify audit.json

Prints `audit pack OK: N entries, chain head H, manifest M` and exits 0, or one line
naming the first broken entry (hash mismatch, prev_hash mismatch, seq out of order,
manifest or audit_id mismatch) and exits 1. Exit 2 when the file is not a pack.";

/// Packs larger than this are refused rather than read into memory.
const PACK_BYTES_MAX: u64 = 256 * 1024 * 1024;

/// Show or verify an audit pack: a run's hash-chained log of decisions and actions.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Print a pack: one line per entry, then the manifest hash and the chain head.
    #[command(after_help = SHOW_AFTER_HELP)]
    Show {
        /// The audit pack (JSON).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Check a pack's hash chain, manifest and id; exit 1 on any tampering.
    #[command(after_help = VERIFY_AFTER_HELP)]
    Verify {
        /// The audit pack (JSON).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Runs `audit show` or `audit verify`.
///
/// # Errors
/// The file cannot be read, or is not an audit pack (exit code 2).
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.action {
        Action::Show { file } => {
            print!("{}", show(&load(file)?));
            Ok(Outcome::Success)
        }
        Action::Verify { file } => match audit_pack::verify(&load(file)?) {
            Ok(verified) => {
                println!(
                    "audit pack OK: {} entries, chain head {}, manifest {}",
                    verified.entry_count, verified.chain_head, verified.manifest_sha256
                );
                Ok(Outcome::Success)
            }
            Err(broken) => {
                // The message quotes stored fields, which a tampered file may break lines in.
                println!("audit pack FAILED: {}", one_line(&broken.to_string()));
                Ok(Outcome::Finding)
            }
        },
    }
}

/// Reads and parses a pack, refusing files over [`PACK_BYTES_MAX`].
fn load(path: &Path) -> anyhow::Result<AuditPack> {
    let file = std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut bytes = Vec::new();
    file.take(PACK_BYTES_MAX + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if bytes.len() as u64 > PACK_BYTES_MAX {
        bail!("{}: not an audit pack: larger than {} MiB", path.display(), PACK_BYTES_MAX >> 20);
    }
    serde_json::from_slice(&bytes).map_err(|e| anyhow!("{}: not an audit pack: {e}", path.display()))
}

/// The pack as text: a header line, one line per entry, the manifest and chain head.
fn show(pack: &AuditPack) -> String {
    let mut text = format!(
        "audit pack {}: cluster {}, scenario {}, seed {}, {} entries\n",
        one_line(&pack.audit_id),
        one_line(&pack.cluster_id),
        one_line(&pack.scenario),
        pack.seed.0,
        pack.entries.len()
    );
    let _ = writeln!(text, "{:>5}  {:>14}  {:<12}  detail", "seq", "at_ms", "kind");
    for entry in &pack.entries {
        let _ = writeln!(
            text,
            "{:>5}  {:>14}  {:<12}  {}",
            entry.seq,
            milliseconds(entry.at_ns),
            audit_pack::kind_name(entry.kind),
            one_line(&entry.detail)
        );
    }
    let actions = match pack.manifest.actions.len() {
        1 => "1 action".to_owned(),
        n => format!("{n} actions"),
    };
    let _ = writeln!(text, "manifest sha256 {} ({actions})", one_line(&pack.manifest.sha256));
    let _ = writeln!(text, "chain head {}", one_line(pack.chain_head()));
    text
}

/// Nanoseconds as exact milliseconds: three decimals, six when the time has sub-µs parts.
fn milliseconds(at_ns: u64) -> String {
    let (ms, ns) = (at_ns / 1_000_000, at_ns % 1_000_000);
    if ns.is_multiple_of(1_000) {
        format!("{ms}.{:03}", ns / 1_000)
    } else {
        format!("{ms}.{ns:06}")
    }
}

/// Text from a pack with control characters escaped, so each entry stays on one line.
fn one_line(text: &str) -> String {
    text.chars().fold(String::with_capacity(text.len()), |mut out, c| {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        out
    })
}
