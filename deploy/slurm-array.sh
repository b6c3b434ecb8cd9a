#!/bin/bash
# Grade a class on a SLURM cluster: one array task per shard, each grading its own part of the
# class (the index comes from SLURM_ARRAY_TASK_ID) into the same OUTDIR on a shared file system.
#   jobid=$(sbatch --parsable deploy/slurm-array.sh SUBMISSIONS OUTDIR)
#   sbatch --dependency=afterany:$jobid --wrap "python -m autograder batch --merge OUTDIR"
# SHARDS is the number of shards and the array must be 0..SHARDS-1 (--array=0-3 for four);
# PYTHON is the Python that has the package installed (default: python3). A task that fails
# can be resubmitted alone (sbatch --array=2 ...): it grades only what it had not finished.
#SBATCH --job-name=kmeans-grade
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --mem=6G
#SBATCH --time=02:00:00
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?run this script as a SLURM array job (sbatch --array=0-3)}"
exec "${PYTHON:-python3}" -m autograder batch "$1" --out "$2" --shard "${SHARDS:-4}" \
    --jobs "${SLURM_CPUS_PER_TASK:-1}"
