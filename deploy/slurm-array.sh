#!/bin/bash
# Grade a class on a SLURM cluster: one array task per shard, each grading its own part of the
# class (the index comes from SLURM_ARRAY_TASK_ID) into the same OUTDIR on a shared file system,
# then one job that merges them. Name the Python that has the package installed (a venv's
# bin/python: no need to activate it; sbatch passes PYTHON on to the job), from the folder the
# relative paths are relative to:
#   export PYTHON=/path/to/venv/bin/python
#   jobid=$(sbatch --parsable deploy/slurm-array.sh SUBMISSIONS OUTDIR)
#   sbatch --dependency=afterany:$jobid --wrap "$PYTHON -m autograder batch --merge OUTDIR"
# SHARDS is the number of shards (default 4) and the array must be 0..SHARDS-1 (--array=0-3
# for four). A task that fails can be resubmitted alone (sbatch --array=2 ...): it grades only
# what it had not finished.
#
# Each task asks for 2 CPUs and 6 GB (its grader plus two sandboxed workers of at most 2 GiB of
# address space each): a node must offer at least that (slurm.conf: CPUs >= 2 and RealMemory >=
# 6144 on its NodeName line; with SelectType=select/cons_tres and CR_Core_Memory, tasks share a
# node as its CPUs and memory allow). Override on the command line (sbatch --mem=4G
# --cpus-per-task=1 ...) for smaller nodes. PYTHON and the class must be at the same path on
# every node (a shared file system).
#SBATCH --job-name=kmeans-grade
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --mem=6G
#SBATCH --time=02:00:00
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?run this script as a SLURM array job (sbatch --array=0-3)}"
if [ $# -ne 2 ]; then
  echo "usage: sbatch deploy/slurm-array.sh SUBMISSIONS OUTDIR" >&2
  exit 2
fi
exec "${PYTHON:-python3}" -m autograder batch "$1" --out "$2" --shard "${SHARDS:-4}" \
    --jobs "${SLURM_CPUS_PER_TASK:-1}"
