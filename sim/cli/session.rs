//! One session of running: the runs to do, on a thread pool of the chosen size, with a
//! progress bar on a terminal, in waves. A wave ends when a stop is asked for, or when
//! the checkpoint interval has passed; the runs it finished go to the caller, who can
//! save them, so a process killed outright (SIGKILL, a lost machine) loses at most the
//! last wave. Waves cost nothing measurable: ending one waits only for the runs under
//! way, tens of microseconds each.

use failsim::run::matrix::{self, Cell, CellRuns, Options};
use failsim::run::runset::RunSet;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often the watcher looks at the clock, the stop flag and the runs done.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// The wall clock, for the session's timing and its checkpoints; nothing simulated
/// reads it.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

/// What a session was: its thread count and wall-clock seconds.
pub struct Session {
    pub threads: usize,
    pub wall_s: f64,
}

/// Runs `todo` of `cells` on `threads` (default: one per core) until all are done or
/// `stop` is set, handing each wave's finished runs and wall-clock seconds to
/// `on_wave`; a wave lasts `checkpoint` at most, or until the end when none is given.
pub fn run_in_waves(
    cells: &[Cell<'_>],
    mut todo: Vec<RunSet>,
    options: Options,
    threads: Option<usize>,
    stop: &AtomicBool,
    checkpoint: Option<Duration>,
    mut on_wave: impl FnMut(Vec<CellRuns>, f64) -> anyhow::Result<()>,
) -> anyhow::Result<Session> {
    let total: u64 = todo.iter().map(RunSet::len).sum();
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let done = AtomicU64::new(0);
    let wave_over = AtomicBool::new(false);
    let finished = AtomicBool::new(false);
    let started = now();
    let watcher = Watcher { total, done: &done, stop, wave_over: &wave_over, finished: &finished, checkpoint };
    std::thread::scope(|scope| {
        scope.spawn(|| watcher.watch());
        let mut outcome = Ok(());
        loop {
            let wave_started = now();
            wave_over.store(false, Ordering::SeqCst);
            let runs = pool.install(|| matrix::run_until(cells, &todo, options, &done, &wave_over));
            for (left, finished) in todo.iter_mut().zip(&runs) {
                *left = left.minus(&finished.done);
            }
            if let Err(error) = on_wave(runs, wave_started.elapsed().as_secs_f64()) {
                outcome = Err(error);
                break;
            }
            if stop.load(Ordering::SeqCst) || todo.iter().all(RunSet::is_empty) {
                break;
            }
        }
        finished.store(true, Ordering::SeqCst);
        outcome
    })?;
    Ok(Session { threads, wall_s: started.elapsed().as_secs_f64() })
}

/// The thread beside the pool: ends waves, and draws the progress bar on a terminal.
struct Watcher<'a> {
    total: u64,
    done: &'a AtomicU64,
    stop: &'a AtomicBool,
    wave_over: &'a AtomicBool,
    finished: &'a AtomicBool,
    checkpoint: Option<Duration>,
}

impl Watcher<'_> {
    fn watch(&self) {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(self.total);
            let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        let mut wave_started = now();
        while !self.finished.load(Ordering::SeqCst) {
            let checkpoint_due = self.checkpoint.is_some_and(|every| wave_started.elapsed() >= every);
            if self.stop.load(Ordering::SeqCst) || checkpoint_due {
                self.wave_over.store(true, Ordering::SeqCst);
                if checkpoint_due {
                    wave_started = now();
                }
            }
            if let Some(bar) = &bar {
                bar.set_position(self.done.load(Ordering::Relaxed));
            }
            std::thread::sleep(WATCH_EVERY);
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    }
}
