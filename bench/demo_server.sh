# Sourced by the benchmarks that measure the demo over HTTP: picks the binary (TONGCHOU_BIN=path
# skips the release build and measures that one), starts `tongchou serve --demo` on a fresh data
# directory at $PORT (set by the caller) and waits for it. Leaves BIN, DATA and PID set; the
# server and its data go when the script exits.
if [ -n "${TONGCHOU_BIN:-}" ]; then
  BIN="$(realpath "$TONGCHOU_BIN")"
else
  cargo build --release -q -p tongchou
  BIN="$(realpath "${CARGO_TARGET_DIR:-target}/release/tongchou")"
fi
echo "binary: $BIN"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
DATA="$(mktemp -d /var/tmp/tongchou-demo-XXXXXX)"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --demo 2>"$DATA/serve.log" &
PID=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
