#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, and every test (unit, backend suite on SQLite and
# PostgreSQL, HTTP against the real server, the browser flow in headless Chromium).
# PostgreSQL: TONGCHOU_TEST_PG (default postgres://postgres@127.0.0.1:5432/test); without it the
# PostgreSQL half is skipped with a message unless TONGCHOU_REQUIRE_PG=1.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
