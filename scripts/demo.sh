#!/usr/bin/env bash
# Set up denialops and run the main job on the embedded default: generate the sample
# remittances, ingest them into a SQLite file (denialops.db) and print what was found.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/denialops demo "$@"
