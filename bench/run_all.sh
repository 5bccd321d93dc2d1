#!/usr/bin/env bash
# Run every benchmark at the sizes bench/README.md reports; one JSON summary per
# run in OUT_DIR (default bench/results-<UTC time>), with `uptime` before each.
# With --with-dask, also start a local Dask scheduler and two workers on
# loopback for the scale-out figure (and stop them afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results-$(date -u +%Y%m%dT%H%M%SZ)}
with_dask=${2:-}
mkdir -p "$out"
py=${PYTHON:-.venv/bin/python}

run() {
  local name=$1; shift
  echo "== $name: $*" >&2
  uptime > "$out/$name.uptime"
  "$py" "$@" > "$out/$name.json" 2> "$out/$name.err" || echo "   exit $? (see $out/$name.err)" >&2
  uptime >> "$out/$name.uptime"
}

run hosted_10k bench/hosted_ob2.py
run hosted_1k_20 bench/hosted_ob2.py --assertions 1000 --badgeclasses 20
run hosted_10k_workers2 bench/hosted_ob2.py --workers 2
run hosted_2k_profile bench/hosted_ob2.py --assertions 2000 --profile "$out/hosted_2k_profile.txt"
run ob3 bench/ob3_throughput.py --size 1000 --workers 2 --profile "$out/ob3_profile.txt"
run dashboard bench/dashboard_scale.py --candidates 10000 --badges-each 5
run intake bench/intake_resumes.py --count 200 --workers 2
if [ "$with_dask" = "--with-dask" ]; then
  export PYTHONPATH=$PWD
  .venv/bin/dask scheduler --host 127.0.0.1 --port 8786 --no-dashboard > "$out/dask-scheduler.log" 2>&1 &
  sched=$!
  sleep 5
  .venv/bin/dask worker tcp://127.0.0.1:8786 --nworkers 2 --nthreads 1 --no-dashboard --host 127.0.0.1 > "$out/dask-workers.log" 2>&1 &
  workers=$!
  sleep 10
  run hosted_10k_dask bench/hosted_ob2.py --scheduler tcp://127.0.0.1:8786
  kill "$workers"; sleep 3; kill "$sched"
fi
echo "results in $out" >&2
