#!/usr/bin/env bash
# Regenerate the hashed requirements files from uv.lock (the one source of versions).
# Run after any change to uv.lock; tests/test_requirements.py fails until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
export_lock() {
    uv export --locked --quiet --format requirements-txt --no-emit-project "$@"
}
# Production: the bot's dependencies and the build backend, no dev tools.
export_lock --no-dev --group build --output-file requirements/production.txt
# Development: everything, for running the tests and the linters.
export_lock --all-groups --output-file requirements/development.txt
