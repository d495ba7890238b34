#!/usr/bin/env bash
# The field app's weight and time to interactive on a throttled link (400 kbit/s, 400 ms RTT):
# starts `tongchou serve --demo` on a fresh data directory, then bench/field_weight.py drives
# Chromium through a byte-counting proxy: first visit, login to the task list, repeat visit.
#   bench/field_weight.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
command -v chromedriver >/dev/null || { echo "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"; exit 1; }
PORT=18184
source bench/demo_server.sh
echo "browser: $(chromium --version 2>/dev/null)"
# A grid worker of 白塔村 (the demo's rural village), whose households are all due a visit.
GRID=$(curl -sf -c "$DATA/c" -H 'Content-Type: application/json' -d '{"username":"admin","password":"Demo@2026"}' \
  "http://127.0.0.1:$PORT/api/v1/auth/login" >/dev/null && curl -sf -b "$DATA/c" \
  "http://127.0.0.1:$PORT/api/v1/grids?region=320722101200" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["code"])')
python3 bench/field_weight.py "http://127.0.0.1:$PORT" "gw_$GRID" "Demo@2026" "$ROUNDS"
