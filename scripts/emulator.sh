#!/usr/bin/env bash
# Embedded emulator lifecycle: start | stop | status.
# `start` reuses anything LocalStack-compatible already answering on AWS_ENDPOINT_URL;
# otherwise it installs the pinned MiniStack into .idemlog/venv and starts it on 127.0.0.1.
source "$(dirname "$0")/lib/common.sh"
# The emulator is the local stage's, whatever stage the caller's shell names.
AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"

VENV="$IDEMLOG_STATE/venv"
# A second emulator (the F4 restart test runs one on another port) sets IDEMLOG_EMULATOR_ID.
EMULATOR_ID="${IDEMLOG_EMULATOR_ID:-emulator}"
PID_FILE="$IDEMLOG_STATE/$EMULATOR_ID.pid"
LOG_FILE="$IDEMLOG_STATE/$EMULATOR_ID.log"
REQUIREMENTS="scripts/requirements-emulator.txt"

health_ok() {
  curl -fsS -m 2 "$AWS_ENDPOINT_URL/_localstack/health" >/dev/null 2>&1
}

ensure_venv() {
  local stamp="$VENV/.requirements.sha" want
  want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return
  log "installing the emulator into $VENV ($(grep -v '^#' "$REQUIREMENTS" | xargs))"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >&2
  echo "$want" >"$stamp"
}

endpoint_port() {
  local hostport="${AWS_ENDPOINT_URL#*://}"
  hostport="${hostport%%/*}"
  [[ "$hostport" == *:* ]] && echo "${hostport##*:}" || echo 80
}

start() {
  if health_ok; then
    log "an emulator already answers on $AWS_ENDPOINT_URL: using it"
    return
  fi
  ensure_venv
  log "starting MiniStack on 127.0.0.1:$(endpoint_port) (log: .idemlog/$EMULATOR_ID.log)"
  # The pinned Node is first on PATH, so MiniStack's local executor runs handlers on it.
  # IOT_MTLS_ENABLED=0 and SFTP_ENABLED=0 keep it from opening listeners beyond its one port.
  GATEWAY_PORT="$(endpoint_port)" BIND_HOST=127.0.0.1 MINISTACK_HOST=localhost \
    LAMBDA_EXECUTOR=local IOT_MTLS_ENABLED=0 SFTP_ENABLED=0 \
    PERSIST_STATE="${PERSIST_STATE:-0}" STATE_DIR="${STATE_DIR:-$IDEMLOG_STATE/emulator-state}" \
    nohup "$VENV/bin/ministack" >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  local wait_seconds="${IDEMLOG_EMULATOR_START_SECONDS:-60}"
  for _ in $(seq 1 $((2 * wait_seconds))); do
    health_ok && { log "emulator ready"; return; }
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || die "MiniStack exited during start; see .idemlog/$EMULATOR_ID.log"
    sleep 0.5
  done
  die "MiniStack did not become healthy within $wait_seconds s; see .idemlog/$EMULATOR_ID.log"
}

stop() {
  if [[ ! -f "$PID_FILE" ]]; then
    log "no emulator started by idemlog is running"
    return
  fi
  local pid
  pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    # SIGTERM lets MiniStack save its state when PERSIST_STATE=1.
    kill "$pid"
    # A persisted emulator writes every table as JSON before it exits: the chaos run gives it longer.
    for _ in $(seq 1 $((4 * ${IDEMLOG_EMULATOR_STOP_SECONDS:-20}))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "emulator stopped"
  fi
  rm -f "$PID_FILE"
}

status() {
  if health_ok; then echo "emulator: up on $AWS_ENDPOINT_URL"; else echo "emulator: down"; exit 1; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: scripts/emulator.sh start|stop|status" ;;
esac
