#!/usr/bin/env bash
# Validates a compose file (docker-compose.yml by default) against the Compose Specification's
# JSON schema, as vendored by check-jsonschema (pinned in scripts/requirements-checks.txt).
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/checks-venv.sh"

ensure_checks_venv
"$CHECKS_VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "${1:-docker-compose.yml}"
