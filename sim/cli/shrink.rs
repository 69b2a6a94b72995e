//! `failsim shrink`: not built yet.

/// Not built yet.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: &Args) -> anyhow::Result<super::Outcome> {
    anyhow::bail!("shrink: not built yet")
}
