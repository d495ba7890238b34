#!/usr/bin/env bash
# Region import benchmark: `tongchou import regions DIR` (SQLite) against sqlite3's own `.import`
# of the same five CSV files into plain tables, alternating, ROUNDS times; prints each time, the
# medians and their ratio.
#   bench/import_regions.sh [DIR] [ROUNDS]      DIR defaults to ../shared/data/china-division
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$(realpath "${1:-../shared/data/china-division}")"
ROUNDS="${2:-5}"
command -v sqlite3 >/dev/null || { echo "needs sqlite3 (apt-get install sqlite3)"; exit 1; }
cargo build --release -q -p tongchou
BIN="${CARGO_TARGET_DIR:-target}/release/tongchou"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ROWS=$(( $(cat "$DIR"/{provinces,cities,areas,streets,villages}.csv | wc -l) - 5 ))
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); rows: $ROWS"

now() { date +%s.%N; }
t_tc=(); t_sq=()
for r in $(seq 1 "$ROUNDS"); do
  rm -rf "$WORK/tc"; s=$(now)
  "$BIN" import regions "$DIR" --data-dir "$WORK/tc" >/dev/null
  e=$(now); t_tc+=("$(echo "$e - $s" | bc)")

  rm -f "$WORK/sq.db"; s=$(now)
  sqlite3 "$WORK/sq.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
.import --csv --skip 1 $DIR/provinces.csv provinces
.import --csv --skip 1 $DIR/cities.csv cities
.import --csv --skip 1 $DIR/areas.csv areas
.import --csv --skip 1 $DIR/streets.csv streets
.import --csv --skip 1 $DIR/villages.csv villages
SQL
  e=$(now); t_sq+=("$(echo "$e - $s" | bc)")
  echo "round $r: tongchou ${t_tc[-1]} s, sqlite3 .import ${t_sq[-1]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_tc=$(median "${t_tc[@]}"); m_sq=$(median "${t_sq[@]}")
n=$(sqlite3 "$WORK/tc/tongchou.db" "select count(*) from regions")
echo "stored regions: $n"
echo "median tongchou import regions: $m_tc s"
echo "median sqlite3 .import:         $m_sq s"
echo "ratio tongchou / sqlite3:       $(echo "scale=2; $m_tc / $m_sq" | bc)"
