#!/usr/bin/env bash
# Install everything the tests need (venv, PostgreSQL server binaries) and run all checks:
# ruff, mypy and the full pytest suite against SQLite and a real PostgreSQL server.
# Extra arguments go to pytest (e.g. scripts/test.sh -k ingest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure_postgres.sh
bash scripts/ensure_chromium.sh
bash scripts/ensure_java.sh
echo "==> ruff" >&2
.venv/bin/ruff check denialops tests bench
.venv/bin/ruff format --check denialops tests bench
echo "==> mypy" >&2
.venv/bin/mypy
echo "==> pytest" >&2
workers="${DENIALOPS_TEST_WORKERS:-2}"
exec .venv/bin/python -m pytest -n "$workers" "$@"
