//! `failsim gate`: the RG-8 continuity gate. Prints one verdict per check as seed 000
//! shows them, writes the seed's artifacts, and exits 0 when all five pass.

use super::output;
use super::run::write_reports;
use super::target;
use super::Outcome;
use failsim::control::standard::Mutant;
use failsim::gate::{self, Baseline, GateConfig};
use failsim::model::{load, syntax, InputError};
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  failsim gate                                   all five checks with the built-in defaults
  failsim gate --config rg8.yaml --out reports/rg8
  failsim gate --update-baseline                 accept today's p95s as the new baseline

Checks: RG-8.1 presence (every built-in and extra input validates; each control-plane
component passes a self-test), RG-8.2 plan integrity (plans round-trip YAML -> JSON ->
YAML byte for byte), RG-8.3 failover validity (the suite has no safety violation and
meets every scenario's expectations), RG-8.4 audit integrity (audit packs verify; a
tampered copy is rejected), RG-8.5 performance (virtual p95s within thresholds and the
baseline; wall-clock p95 per simulated failover under 100 ms). Artifacts in --out:
rg8_report.json, CONTINUITY_SUMMARY.md, sample_plan.yaml, rg8_badge.svg, junit.xml, and
the suite's reports under suite/. Exit 0 when all pass, 1 when one fails, 2 on bad input.";

/// Run the RG-8 continuity gate.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Gate configuration (YAML or JSON); every field has a built-in default.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[arg(long, value_name = "DIR", default_value = "reports/rg8")]
    out: PathBuf,
    /// The baseline RG-8.5 compares with.
    #[arg(long, value_name = "FILE", default_value = "reports/baseline/rg8_baseline.json")]
    baseline: PathBuf,
    /// Write this run's p95s as the new baseline (only when RG-8.1 to RG-8.4 pass).
    #[arg(long, conflicts_with = "mutant")]
    update_baseline: bool,
    /// Run the suite against a deliberately broken control plane (the gate must fail).
    #[arg(long, value_parser = target::parse_mutant)]
    mutant: Option<Mutant>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    output::ensure_directory_target("--out", &args.out)?;
    if args.update_baseline {
        output::ensure_file_target("--baseline", &args.baseline)?;
    }
    let config = match &args.config {
        Some(path) => {
            let loaded = load::decode::<GateConfig>(&load::read_file(path)?)?;
            output::warn_all(&loaded.warnings);
            loaded.value
        }
        None => GateConfig::default(),
    };
    let baseline = read_baseline(&args.baseline)?;
    #[allow(clippy::disallowed_methods)] // RG-8.5 times real runs; nothing simulated reads this
    let started = std::time::Instant::now();
    let mut stopwatch = || started.elapsed().as_secs_f64() * 1000.0;
    let result = gate::run(&config, baseline.as_ref(), args.update_baseline, args.mutant, &mut stopwatch)?;

    for check in &result.checks {
        println!("{}: Continuity {} Check", check.id, title(check.name));
        println!("  [{}] {}", if check.passed { "PASS" } else { "FAIL" }, check.figure);
        for detail in &check.details {
            println!("    {detail}");
        }
        println!();
    }
    let passed = result.checks.iter().filter(|c| c.passed).count();
    println!("{}", "=".repeat(60));
    println!("RG-8 CONTINUITY GATE: {}", if result.passed() { "PASS" } else { "FAIL" });
    println!("{passed} of {} checks passed", result.checks.len());

    std::fs::create_dir_all(&args.out).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", args.out.display()))?;
    let write = |name: &str, text: String| output::write_atomically(&args.out.join(name), text.as_bytes());
    write("rg8_report.json", serde_json::to_string_pretty(&gate::rg8_report(&result))? + "\n")?;
    write("CONTINUITY_SUMMARY.md", gate::continuity_summary(&result))?;
    write("sample_plan.yaml", output::render(&result.sample_plan, output::DataFormat::Yaml)?)?;
    write("rg8_badge.svg", gate::badge_svg(result.passed()))?;
    write("junit.xml", gate::junit(&result))?;
    write_reports(&result.report, &args.out.join("suite"))?;
    let others_failed: Vec<&str> =
        result.checks.iter().filter(|c| !c.passed && c.id != "RG-8.5").map(|c| c.id).collect();
    if args.update_baseline && !others_failed.is_empty() {
        println!("baseline not written: {} failed", others_failed.join(", "));
    } else if args.update_baseline {
        if let Some(dir) = args.baseline.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", dir.display()))?;
        }
        output::write_atomically(&args.baseline, (serde_json::to_string_pretty(&result.baseline)? + "\n").as_bytes())?;
        println!("baseline written to {}", args.baseline.display());
    }
    println!("artifacts written to {}", args.out.display());
    Ok(if result.passed() { Outcome::Success } else { Outcome::Finding })
}

fn title(name: &str) -> String {
    name.split(' ').map(|w| w[..1].to_uppercase() + &w[1..]).collect::<Vec<_>>().join(" ")
}

/// The baseline, if the file exists; a file that exists but does not parse is bad input.
fn read_baseline(path: &Path) -> Result<Option<Baseline>, InputError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = load::read_file(path)?;
    let tree = load::parse(&text)?;
    syntax::from_node(&tree)
        .map(Some)
        .map_err(|e| InputError::new(&text.origin, e.at, e.path.as_deref().unwrap_or_default(), e.message))
}
