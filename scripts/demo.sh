#!/usr/bin/env bash
# Set up denialops and run the main job on the embedded default: generate the sample
# remittances, ingest them into a SQLite file (denialops.db), print what was found, and
# start the web application on it (http://127.0.0.1:8000/, demo login printed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/denialops demo "$@"
# Then the web application on the same database, with the demo login it prints.
# DENIALOPS_DEMO_NO_SERVE=1 stops after the summary (for scripts and CI).
if [ -z "${DENIALOPS_DEMO_NO_SERVE:-}" ]; then
  exec .venv/bin/denialops serve --demo
fi
