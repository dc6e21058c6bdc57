#!/usr/bin/env bash
# Benchmark: `tierwise run` on a generated shop whose Shopify exports hold ~1,000,000 order
# rows (with matching roster, posts, followers and costs). Prints wall time, peak memory and
# the per-stage times from the run's log.
#   benches/run_1m.sh [ROWS]        (default 1000000; data kept in target/bench-ROWS/)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
target="${CARGO_TARGET_DIR:-target}"
data="$target/bench-$rows"
cargo build --release --quiet
bin="$target/release/tierwise"
if [ ! -f "$data/tierwise.toml" ]; then
    echo "generating $rows rows into $data"
    "$bin" generate --out "$data" --rows "$rows" --influencers 400 --weeks 8
fi
ls -l "$data"/orders_export_*.csv
rm -rf "$data/out"
/usr/bin/time -v "$bin" run --config "$data/tierwise.toml" --no-email 2> "$data/run.log" || { cat "$data/run.log"; exit 1; }
grep -E "inputs read|figures computed|report written" "$data/run.log" | sed 's/.*INFO //'
grep -E "Elapsed \(wall|Maximum resident|User time|System time" "$data/run.log"
