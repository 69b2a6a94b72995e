//! `failsim run`: the main job. Runs a matrix of scenarios x topologies x seeds in
//! parallel, prints a table, and writes report.json, report.html, summary.md and
//! junit.xml, each atomically.

use super::output;
use super::target::{self, Target};
use super::Outcome;
use failsim::check::Invariant;
use failsim::control::standard::Mutant;

use failsim::report::model::{Finding, SampleRun, SignatureReport, FINDINGS_MAX};
use failsim::report::{self, model::Timing, Report};
use failsim::run::aggregate::Aggregate;
use failsim::run::matrix::{self, Cell, Options};
use failsim::run::sample;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

const AFTER_HELP: &str = "\
Examples:
  failsim run                                  the built-in suite, every scenario on its topologies
  failsim run --scenario primary_failure --cluster builtin:three-region-7 --seeds 1000
  failsim run --threads 1 --no-timing --out /tmp/a && failsim run --threads 2 --no-timing --out /tmp/b
  failsim run --mutant no_lease_wait           prove the suite catches a broken control plane

Each run's seed derives from (--master-seed, scenario, topology, run index), so a
result never depends on the thread count or on which other runs exist; with
--no-timing, report.json is byte-identical across thread counts and machines.
Exit code 1 when any scenario misses its expectations.";

/// Run a matrix of scenarios x topologies x seeds and write the reports.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Scenario (repeatable): a file path, builtin:NAME or a built-in name. Default: every built-in.
    #[arg(long = "scenario", value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Topology (repeatable) to run every scenario on, instead of each scenario's own.
    #[arg(long = "cluster", value_name = "CLUSTER")]
    clusters: Vec<String>,
    /// Policy for every scenario, instead of each scenario's own.
    #[arg(long, value_name = "POLICY")]
    policy: Option<String>,
    /// Runs per (scenario, topology), instead of each scenario's `seeds`.
    #[arg(long, value_parser = target::parse_seeds)]
    seeds: Option<u64>,
    #[arg(long, default_value_t = 0)]
    master_seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Where to write the reports.
    #[arg(long, value_name = "DIR", default_value = "reports/latest")]
    out: PathBuf,
    /// Leave the wall-clock `timing` key out, so reports compare byte for byte.
    #[arg(long)]
    no_timing: bool,
    /// Run a deliberately broken control plane.
    #[arg(long, value_parser = target::parse_mutant)]
    mutant: Option<Mutant>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    if args.out.is_file() {
        anyhow::bail!("--out {}: is a file, expected a directory", args.out.display());
    }
    let targets = target::resolve_all(&args.scenarios, target::builtin_suite, &args.clusters, args.policy.as_deref())?;
    let cells = cells(&targets, args.seeds);
    let options = Options { master_seed: args.master_seed, mutant: args.mutant, ..Options::default() };
    let (mut report, aggregates) = execute(&cells, options, args.threads, !args.no_timing)?;
    report.sample = sample_run(&cells, &aggregates, options);
    report.findings = findings(&cells, &report, options);
    print!("{}", report::table::render(&report));
    write_reports(&report, &args.out)?;
    println!("reports written to {}", args.out.display());
    Ok(if report.passed { Outcome::Success } else { Outcome::Finding })
}

/// Runs `cells` on a pool of `threads` (default: one per core) with a progress bar on
/// a terminal, and builds the report, with the wall-clock `timing` when asked.
pub(super) fn execute(
    cells: &[Cell<'_>],
    options: Options,
    threads: Option<usize>,
    timing: bool,
) -> anyhow::Result<(Report, Vec<Aggregate>)> {
    let total: u64 = cells.iter().map(|c| c.runs).sum();
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let done = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    #[allow(clippy::disallowed_methods)] // the runner times itself; nothing simulated reads this
    let started = std::time::Instant::now();
    let aggregates = std::thread::scope(|scope| {
        if std::io::stdout().is_terminal() {
            scope.spawn(|| show_progress(total, &done, &finished));
        }
        let aggregates = pool.install(|| matrix::run(cells, options, &done));
        finished.store(true, Ordering::Relaxed);
        aggregates
    });
    let wall_s = started.elapsed().as_secs_f64();
    let mut report = Report::build(cells, &aggregates, options.master_seed, options.mutant);
    if timing {
        let simulated_s: f64 = cells.iter().map(|c| c.runs as f64 * c.scenario.duration_s).sum();
        report.timing = Some(Timing {
            threads: threads as u64,
            wall_s,
            runs_per_s: total as f64 / wall_s.max(1e-9),
            events_per_s: report.totals.events as f64 / wall_s.max(1e-9),
            simulated_s_per_wall_s: simulated_s / wall_s.max(1e-9),
        });
    }
    Ok((report, aggregates))
}

/// The run drawn as a timeline: the lowest-indexed example of the first failing cell,
/// else run 0 of the first cell.
fn sample_run(cells: &[Cell<'_>], aggregates: &[Aggregate], options: Options) -> Option<SampleRun> {
    let failing = cells.iter().zip(aggregates).find_map(|(cell, aggregate)| {
        let first = aggregate.examples.iter().min_by_key(|e| e.run_index)?;
        Some((cell, first.run_index, format!("first failing run ({})", first.invariant.as_str())))
    });
    let (cell, index, reason) = match failing {
        Some(found) => found,
        None => (cells.first()?, cells.first()?.first_run, "run 0 of the first cell".to_string()),
    };
    Some(sample::sample(cell, index, options, reason))
}

/// Each distinct signature's fastest run over every cell (the soonest violation; the
/// earlier cell on a tie), re-run for the report: the first `FINDINGS_MAX` signatures
/// in order of first appearance.
fn findings(cells: &[Cell<'_>], report: &Report, options: Options) -> Vec<Finding> {
    let mut picked: Vec<(&Cell<'_>, &SignatureReport, u64)> = Vec::new();
    for (cell, cell_report) in cells.iter().zip(&report.cells) {
        for signature in &cell_report.signatures {
            match picked.iter_mut().find(|(_, kept, _)| kept.signature == signature.signature) {
                Some(entry) => {
                    entry.2 += signature.runs;
                    if signature.at_ms < entry.1.at_ms {
                        (entry.0, entry.1) = (cell, signature);
                    }
                }
                None => picked.push((cell, signature, signature.runs)),
            }
        }
    }
    // Safety findings first: they are the ones that must never happen.
    let safety = |s: &SignatureReport| Invariant::ALL.iter().any(|i| i.is_safety() && i.as_str() == s.invariant);
    picked.sort_by_key(|(_, signature, _)| !safety(signature));
    picked
        .into_iter()
        .take(FINDINGS_MAX)
        .map(|(cell, signature, runs)| Finding { runs, ..sample::finding(cell, signature, options) })
        .collect()
}

/// One cell per (scenario, topology), in the order given.
pub(super) fn cells(targets: &[Target], seeds: Option<u64>) -> Vec<Cell<'_>> {
    let mut cells = Vec::new();
    for target in targets {
        for (cluster, cluster_ref) in &target.clusters {
            cells.push(Cell {
                scenario: &target.scenario.value,
                scenario_ref: target.scenario_ref.clone(),
                cluster: &cluster.value,
                cluster_ref: cluster_ref.clone(),
                policy: &target.policy.value,
                policy_ref: target.policy_ref.clone(),
                first_run: 0,
                runs: seeds.unwrap_or(u64::from(target.scenario.value.seeds)),
            });
        }
    }
    cells
}

fn show_progress(total: u64, done: &AtomicU64, finished: &AtomicBool) {
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    while !finished.load(Ordering::Relaxed) {
        bar.set_position(done.load(Ordering::Relaxed));
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

/// Writes every report file into `out`, each atomically.
pub fn write_reports(report: &Report, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", out.display()))?;
    let json = serde_json::to_string_pretty(report)? + "\n";
    output::write_atomically(&out.join("report.json"), json.as_bytes())?;
    output::write_atomically(&out.join("summary.md"), report::markdown::render(report).as_bytes())?;
    output::write_atomically(&out.join("junit.xml"), report::junit::render(report).as_bytes())?;
    output::write_atomically(&out.join("report.html"), report::html::render(report).as_bytes())?;
    Ok(())
}
