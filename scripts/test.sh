#!/usr/bin/env bash
# `npm test`: unit tests, then integration and end-to-end tests against the emulator (arguments go to vitest). Starts the
# emulator and deploys when needed (local stage, fault injection on: only payloads that carry a
# fault marker are affected), and stops the emulator afterwards if it started it.
# Tests run against the local stage on the emulator, whatever stage the caller's shell names.
export IDEMLOG_STAGE=local
source "$(dirname "$0")/lib/common.sh"

started_pid=""
if ! curl -fsS -m 2 "$AWS_ENDPOINT_URL/_localstack/health" >/dev/null 2>&1; then
  bash scripts/emulator.sh start
  started_pid="$(cat "$IDEMLOG_STATE/emulator.pid")"
fi
# Stop only the emulator this run started: a later run may have started another since.
cleanup() { [[ -n "$started_pid" && "$(cat "$IDEMLOG_STATE/emulator.pid" 2>/dev/null)" == "$started_pid" ]] && bash scripts/emulator.sh stop || true; }
trap cleanup EXIT

export IDEMLOG_FAULT_INJECTION=on
node scripts/deploy.ts
# With no arguments: unit, integration and end-to-end. `npm run test:reliability` passes --project reliability.
if [[ $# -eq 0 ]]; then set -- --project unit --project integration --project e2e; fi
vitest run "$@"
