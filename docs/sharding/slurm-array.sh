#!/bin/bash
# A Slurm job array that runs a failsim matrix as 32 shards, then a dependent job that
# merges them. Submit from a directory on a shared filesystem:
#
#   jobid=$(sbatch --parsable docs/sharding/slurm-array.sh)
#   sbatch --dependency=afterany:$jobid --wrap 'failsim merge results/shard-* --out results/merged'
#
# afterany, not afterok: a shard that found violations exits 1, and the merge is what
# reports them. A shard that hit its time limit got SIGTERM first (see --signal), wrote
# what finished, and can be resubmitted: it resumes.
#SBATCH --job-name=failsim
#SBATCH --array=1-32
#SBATCH --cpus-per-task=8
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --signal=B:TERM@120
#SBATCH --output=results/logs/shard-%a.log

set -u
out="results/shard-${SLURM_ARRAY_TASK_ID}"
if [ -f "$out/progress.json" ]; then
    exec failsim run --resume "$out" --threads "$SLURM_CPUS_PER_TASK"
fi
exec failsim run --seeds 200000 --no-timing --threads "$SLURM_CPUS_PER_TASK" \
    --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" --out "$out"
