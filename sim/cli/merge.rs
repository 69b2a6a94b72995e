//! `failsim merge`: joins the output directories of the shards of one matrix (or any
//! runs of it that did not overlap) into the reports one process would have written.

use super::output;
use super::progress_file;
use super::run::{report_of, write_reports, Matrix};
use super::Outcome;
use failsim::report;
use failsim::run::progress::Progress;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  failsim run --shard 1/3 --out shards/1 --no-timing   (and 2/3, 3/3, on any machines)
  failsim merge shards/1 shards/2 shards/3 --out reports/merged

Each shard's progress.json holds its runs' exact aggregates (histogram buckets, not
percentiles), so the merged report.json is byte-identical to one process's with
--no-timing. The shards must come from one matrix (the same command line, inputs and
failsim version) and together hold every run exactly once; merge refuses anything
else and says what is missing or repeated. The merged report has no `timing`: the
shards' own reports have theirs. See docs/SHARDING.md for scheduler examples.";

/// Merge the outputs of `failsim run --shard K/N` into one report.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Output directories of the shards (each holds a progress.json).
    #[arg(value_name = "DIR", required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged reports.
    #[arg(long, value_name = "DIR", default_value = "reports/latest")]
    out: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    output::ensure_directory_target("--out", &args.out)?;
    let pieces = args
        .dirs
        .iter()
        .map(|dir| Ok((dir.display().to_string(), progress_file::read(dir)?)))
        .collect::<anyhow::Result<Vec<(String, Progress)>>>()?;
    let progress = Progress::merge(pieces).map_err(|e| anyhow::anyhow!("cannot merge: {e}"))?;
    let matrix = Matrix::resolve(&progress.matrix)?;
    let cells = matrix.cells();
    let first = &args.dirs[0];
    progress.check_cells(&cells).map_err(|e| progress_file::error(first, &format!("cannot merge: {e}")))?;
    let missing: Vec<String> = cells
        .iter()
        .zip(&progress.cells)
        .filter_map(|(cell, p)| {
            let left = cell.all_runs().minus(&p.done);
            let range = left.ranges().first()?;
            Some(format!("{} on {} runs {}..{}", p.scenario, p.cluster_id, range.start, range.end))
        })
        .collect();
    if let Some(example) = missing.first() {
        let total: u64 = cells.iter().map(|c| c.runs).sum();
        anyhow::bail!(
            "cannot merge: {} of {total} runs are in none of the {} directories (first: {example}); \
             give every shard's output, and resume any that was interrupted",
            total - progress.runs_done(),
            args.dirs.len()
        );
    }
    let progress = Progress { finished: true, ..progress };
    progress_file::write(&progress, &args.out)?;
    let report = report_of(progress, &cells, matrix.options);
    print!("{}", report::table::render(&report));
    write_reports(&report, &args.out)?;
    println!("reports written to {}", args.out.display());
    Ok(if report.passed { Outcome::Success } else { Outcome::Finding })
}
