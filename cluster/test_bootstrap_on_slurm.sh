#!/usr/bin/env bash
# Runs the bootstrap of the built-in cohort on a real single-node SLURM (cluster/local_slurm.sh) with
# `snakemake --executor slurm --profile profiles/slurm` and the plugin's default status checks, runs
# it again locally, and checks that the results are byte-identical. Stops every daemon it started.
# Usage: cluster/test_bootstrap_on_slurm.sh [work-folder]   (needs root; installs Debian packages)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${1:-$(mktemp -d /tmp/myoild-slurm-test.XXXXXX)}
SNAKEMAKE=${SNAKEMAKE:-$ROOT/.venv/bin/snakemake}
mkdir -p "$WORK"

trap 'cluster/local_slurm.sh stop' EXIT
cluster/local_slurm.sh start

# A small bootstrap keeps the cycle short; the chunking differs between the two runs on purpose.
cat >"$WORK/overlay.yaml" <<YAML
synthetic: {out_dir: synthetic}
bootstrap: {replicates: 200, chunk_size: 20}
YAML
cat >"$WORK/overlay_local.yaml" <<YAML
bootstrap: {replicates: 200, chunk_size: 200}
YAML
common=(--snakefile "$ROOT/Snakefile" --configfile "$ROOT/config/config.yaml" "$WORK/overlay.yaml")

echo "== bootstrap on SLURM"
# Snakemake under the executor plugin stops on SIGINT, not SIGTERM.
(cd "$WORK" && timeout -s INT 900 "$SNAKEMAKE" "${common[@]}" --profile "$ROOT/profiles/slurm" \
    --slurm-init-seconds-before-status-checks 5 --seconds-between-status-checks 5 \
    --config results_dir=slurm logs_dir=slurm_logs \
    -- slurm/tables/bootstrap.tsv)
sacct -n -X --format=JobID,JobName%30,State,Elapsed | tee "$WORK/sacct.txt"
grep -q COMPLETED "$WORK/sacct.txt"

echo "== the same bootstrap locally"
(cd "$WORK" && "$SNAKEMAKE" "${common[@]}" "$WORK/overlay_local.yaml" --profile "$ROOT/profiles/default" \
    --cores 2 --config results_dir=local logs_dir=local_logs \
    -- local/tables/bootstrap.tsv)

echo "== compare"
status=0
for file in tables/bootstrap.tsv tables/survival_models.tsv; do
    if cmp "$WORK/slurm/$file" "$WORK/local/$file"; then
        echo "identical: $file"
    else
        echo "DIFFERENT: $file"
        status=1
    fi
done
exit $status
