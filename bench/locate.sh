#!/usr/bin/env bash
# Point-in-polygon lookup over HTTP: which grid holds a point (`GET /api/v1/locate`), on the demo
# with its generated boundaries (one county, its townships and villages, 49 grids), against a
# plain lookup of one region by code (`GET /api/v1/regions/{code}`) in the same run.
#   bench/locate.sh [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000}"
PORT=18185
source bench/demo_server.sh
python3 bench/locate.py "$PORT" "$N" "$DATA/serve.log"
