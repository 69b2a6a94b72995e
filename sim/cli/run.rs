//! `failsim run`: the main job. Runs a matrix of scenarios x topologies x seeds in
//! parallel (all of it, one shard of it, or what an interrupted run left), prints a
//! table, and writes report.json, report.html, summary.md, junit.xml and the
//! progress.json that resumes and merges read, each atomically.

use super::interrupt::{self, Signal};
use super::output;
use super::progress_file;
use super::session;
use super::target::{self, Target};
use super::Outcome;
use failsim::check::Invariant;
use failsim::control::standard::Mutant;
use failsim::report::model::{Finding, Incomplete, SampleRun, SignatureReport, FINDINGS_MAX};
use failsim::report::{self, model::Timing, Report};
use failsim::run::aggregate::Aggregate;
use failsim::run::matrix::{Cell, Options};
use failsim::run::progress::{MatrixSpec, Progress, Shard};
use failsim::run::runset::RunSet;
use failsim::run::sample;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

const AFTER_HELP: &str = "\
Examples:
  failsim run                                  the built-in suite, every scenario on its topologies
  failsim run --scenario primary_failure --cluster builtin:three-region-7 --seeds 1000
  failsim run --no-timing --threads 1 --out a  then --threads 2 --out b: identical report.json
  failsim run --mutant no_lease_wait           prove the suite catches a broken control plane
  failsim run --shard 2/3 --out shards/2       one of three slices; then `failsim merge shards/*`
  failsim run --resume reports/latest          finish a run that Ctrl-C or SIGTERM stopped

Each run's seed derives from (--master-seed, scenario, topology, run index), so a
result never depends on the thread count or on which other runs exist; with
--no-timing, report.json is byte-identical across thread counts and machines, and
equal whether the matrix ran in one process, in shards merged, or interrupted and
resumed. Beside the reports, progress.json records which runs finished, exactly.

Ctrl-C or SIGTERM stops starting runs, lets those under way finish, and writes the
reports marked incomplete (a second Ctrl-C quits at once). Exit code 1 when any
scenario misses its expectations; 128 + the signal's number when interrupted.";

/// Where reports go unless `--out` says otherwise.
const DEFAULT_OUT: &str = "reports/latest";

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
    /// The seed every run's seed derives from, with its scenario, topology and index.
    #[arg(long, default_value_t = 0)]
    master_seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Where to write the reports [default: reports/latest; with --resume, the directory resumed].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Leave the wall-clock `timing` key out, so reports compare byte for byte.
    #[arg(long)]
    no_timing: bool,
    /// Run a deliberately broken control plane.
    #[arg(long, value_parser = target::parse_mutant)]
    mutant: Option<Mutant>,
    /// Run only the K-th of N disjoint slices of every cell's runs; `failsim merge`
    /// joins the N outputs into the report one process would have written.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// Finish the interrupted run whose output directory is DIR, with the matrix
    /// recorded in its progress.json; the result equals an uninterrupted run.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["scenarios", "clusters", "policy", "seeds", "master_seed", "mutant", "shard"]
    )]
    resume: Option<PathBuf>,
    /// Seconds between saves of progress.json while running, so that even a process
    /// killed outright (SIGKILL, a lost machine) resumes from its last save.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = parse_checkpoint)]
    checkpoint_every: f64,
}

/// `--checkpoint-every`: from 0.1 s to a day.
fn parse_checkpoint(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.1..=86_400.0).contains(&s) => Ok(s),
        _ => Err("expected seconds from 0.1 to 86400".to_string()),
    }
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let out = args.out.clone().or_else(|| args.resume.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_OUT));
    output::ensure_directory_target("--out", &out)?;
    if args.resume.is_none() {
        refuse_to_overwrite_unfinished(&out)?;
    }
    let resumed = args.resume.as_deref().map(progress_file::read).transpose()?;
    let spec = match &resumed {
        Some(progress) => progress.matrix.clone(),
        None => MatrixSpec {
            scenarios: args.scenarios.clone(),
            clusters: args.clusters.clone(),
            policy: args.policy.clone(),
            seeds: args.seeds,
            master_seed: args.master_seed,
            mutant: args.mutant.map(|m| m.as_str().to_string()),
        },
    };
    let matrix = Matrix::resolve(&spec)?;
    let cells = matrix.cells();
    let progress = match (resumed, &args.resume) {
        (Some(progress), Some(dir)) => {
            progress.check_cells(&cells).map_err(|e| progress_file::error(dir, &format!("cannot resume: {e}")))?;
            progress
        }
        _ => Progress::start(spec, args.shard, &cells),
    };
    let checkpoint = Duration::from_secs_f64(args.checkpoint_every);
    continue_matrix(progress, &cells, matrix.options, args.threads, !args.no_timing, checkpoint, &out)
}

/// A new run into `out` would overwrite the progress of an unfinished one there (a
/// run interrupted, or killed after a checkpoint): refuse, and say how to go on.
fn refuse_to_overwrite_unfinished(out: &Path) -> anyhow::Result<()> {
    let Ok(progress) = progress_file::read(out) else { return Ok(()) };
    if progress.finished {
        return Ok(());
    }
    let out = failsim::run::replay::quote(&out.display().to_string());
    anyhow::bail!(
        "{out} holds an unfinished run ({} runs done): continue it with `failsim run --resume {out}`, \
         write elsewhere with --out, or delete {out}/{} to start over",
        progress.runs_done(),
        progress_file::NAME
    )
}

/// A matrix's inputs resolved from its [`MatrixSpec`], and the options its runs share.
pub(super) struct Matrix {
    targets: Vec<Target>,
    seeds: Option<u64>,
    pub options: Options,
}

impl Matrix {
    pub fn resolve(spec: &MatrixSpec) -> anyhow::Result<Matrix> {
        let targets =
            target::resolve_all(&spec.scenarios, target::builtin_suite, &spec.clusters, spec.policy.as_deref())?;
        let mutant = spec.mutant.as_deref().map(target::parse_mutant).transpose().map_err(|e| anyhow::anyhow!(e))?;
        let options = Options { master_seed: spec.master_seed, mutant, ..Options::default() };
        Ok(Matrix { targets, seeds: spec.seeds, options })
    }

    pub fn cells(&self) -> Vec<Cell<'_>> {
        cells(&self.targets, self.seeds)
    }
}

/// Runs what `progress` has still to do until done or interrupted, then writes the
/// reports (marked incomplete when they are) and the progress beside them.
fn continue_matrix(
    mut progress: Progress,
    cells: &[Cell<'_>],
    options: Options,
    threads: Option<usize>,
    timing: bool,
    checkpoint: Duration,
    out: &Path,
) -> anyhow::Result<Outcome> {
    let todo = progress.todo(cells);
    let stop = interrupt::install();
    let runs: u64 = todo.iter().map(RunSet::len).sum();
    eprintln!("running {runs} runs of {} cells; Ctrl-C stops and keeps what finished", cells.len());
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", out.display()))?;
    let session = session::run_in_waves(cells, todo, options, threads, stop, Some(checkpoint), |runs, wall_s| {
        progress.add(cells, runs, wall_s);
        progress_file::write(&progress, out)
    })?;
    let interrupted = interrupt::received().filter(|_| progress.todo(cells).iter().any(|t| !t.is_empty()));
    let incomplete = (!progress.is_complete(cells)).then(|| incomplete(&progress, cells, interrupted, out));
    let wall_s = progress.wall_s;
    let mut report = report_of(progress, cells, options);
    if timing {
        report.timing = Some(timing_of(cells, &report, session.threads, wall_s));
    }
    report.incomplete = incomplete;
    print!("{}", report::table::render(&report));
    write_reports(&report, out)?;
    println!("reports written to {}", out.display());
    if let (Some(signal), Some(incomplete)) = (interrupted, &report.incomplete) {
        eprintln!(
            "interrupted: {} of {} runs finished; continue with: {}",
            incomplete.runs_done, incomplete.runs_total, incomplete.next
        );
        return Ok(Outcome::Interrupted(signal.exit_code()));
    }
    Ok(if report.passed { Outcome::Success } else { Outcome::Finding })
}

/// What part of the matrix a report covers, and the command that completes it.
fn incomplete(progress: &Progress, cells: &[Cell<'_>], signal: Option<Signal>, out: &Path) -> Incomplete {
    let resume = format!("failsim run --resume {}", failsim::run::replay::quote(&out.display().to_string()));
    let (reason, next) = match (signal, progress.shard) {
        (Some(signal), None) => (format!("interrupted ({})", signal.name()), resume),
        (Some(signal), Some(shard)) => (format!("shard {shard}, interrupted ({})", signal.name()), resume),
        (None, Some(shard)) => (
            format!("shard {shard}"),
            format!("failsim merge DIR... (the output directories of all {} shards)", shard.count),
        ),
        (None, None) => ("unfinished".to_string(), resume),
    };
    Incomplete { reason, runs_done: progress.runs_done(), runs_total: cells.iter().map(|c| c.runs).sum(), next }
}

/// The report of what `progress` holds: every cell's aggregate, the sample run and the
/// findings re-run with their traces. No timing.
pub(super) fn report_of(progress: Progress, cells: &[Cell<'_>], options: Options) -> Report {
    let aggregates = progress.into_aggregates();
    let mut report = Report::build(cells, &aggregates, options.master_seed, options.mutant);
    report.sample = sample_run(cells, &aggregates, options);
    report.findings = findings(cells, &report, options);
    report
}

/// Runs `cells` on a pool of `threads` (default: one per core) with a progress bar on
/// a terminal, and builds the report, with the wall-clock `timing` when asked.
pub(super) fn execute(
    cells: &[Cell<'_>],
    options: Options,
    threads: Option<usize>,
    timing: bool,
) -> anyhow::Result<(Report, Vec<Aggregate>)> {
    let todo: Vec<RunSet> = cells.iter().map(Cell::all_runs).collect();
    let mut aggregates = Vec::new();
    let never = AtomicBool::new(false);
    let session = session::run_in_waves(cells, todo, options, threads, &never, None, |runs, _| {
        aggregates = runs.into_iter().map(|runs| runs.aggregate).collect();
        Ok(())
    })?;
    let mut report = Report::build(cells, &aggregates, options.master_seed, options.mutant);
    if timing {
        report.timing = Some(timing_of(cells, &report, session.threads, session.wall_s));
    }
    Ok((report, aggregates))
}

/// The harness's speed over the runs in `report`, which took `wall_s` on `threads`.
fn timing_of(cells: &[Cell<'_>], report: &Report, threads: usize, wall_s: f64) -> Timing {
    let runs = report.totals.runs;
    let simulated_s: f64 = cells.iter().zip(&report.cells).map(|(c, r)| r.runs as f64 * c.scenario.duration_s).sum();
    let wall = wall_s.max(1e-9);
    Timing {
        threads: threads as u64,
        wall_s,
        runs_per_s: runs as f64 / wall,
        events_per_s: report.totals.events as f64 / wall,
        simulated_s_per_wall_s: simulated_s / wall,
    }
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
