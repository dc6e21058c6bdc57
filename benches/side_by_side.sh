#!/usr/bin/env bash
# Benchmark: tierwise beside DuckDB on the shared generated Shopify data (issue 9's bar), then
# a rerun of 52 weeks against one run of the year.
#
#   benches/side_by_side.sh            (SIZES="1m 5m" PERIODS="week year" N=1 by default)
#
# Needs the shared bench harness (BENCH, default ../shared/bench: gen.py, duckdb_ref.py,
# compare_figures.py, side_by_side.sh), a Python with its requirements (PY) and the generated
# folders DATA/1m and DATA/5m (see BENCH/README.md). Prints each tool's median wall time and
# peak RSS, the ratios to DuckDB, the warm second run (parse cache kept) and figure agreement.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-$(cd .. && pwd)/shared/bench}
export PY=${PY:-/tmp/bench-venv/bin/python} DATA=${DATA:-/tmp/bench-data}
export N=${N:-1} SIZES=${SIZES:-"1m 5m"} PERIODS=${PERIODS:-"week year"} SKIP_PANDAS=${SKIP_PANDAS:-1}
target="${CARGO_TARGET_DIR:-target}"
[ -n "${TIERWISE_BIN:-}" ] || { cargo build --release --quiet; TIERWISE_BIN="$target/release/tierwise"; }
export TIERWISE_BIN
"$BENCH/side_by_side.sh"

# rerun of every week of 2026 (52 periods, no email) against one run of the year, on 1m
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$PY" "$BENCH/make_config.py" "$DATA/1m" "$DATA/1m/case_year.json" "$work/year.toml" "$work/w"
/usr/bin/time -f '%e %M' -o "$work/t1" "$TIERWISE_BIN" run --config "$work/year.toml" --from 2026-01-01 --to 2026-12-31 \
    --out "$work/year" --no-email >/dev/null 2>&1
rm -rf "$work/w/state"
/usr/bin/time -f '%e %M' -o "$work/t2" "$TIERWISE_BIN" rerun --config "$work/year.toml" --from 2026-01-01 --to 2026-12-31 \
    --every week >/dev/null 2>&1
read -r yw yr < "$work/t1"; read -r rw rr < "$work/t2"
echo "1m year run: ${yw} s, $((yr / 1024)) MiB; rerun of 52 weeks: ${rw} s, $((rr / 1024)) MiB; ratio $(echo "scale=2; $rw / $yw" | bc)x"
