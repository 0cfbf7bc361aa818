#!/usr/bin/env bash
# Installs the real shippers `npm run test:shippers` drives: the OpenTelemetry Python SDK (pinned,
# into .idemlog/shippers-venv) and Debian's syslog-ng with its HTTP module (the Elasticsearch bulk
# daemon), when they are missing.
source "$(dirname "$0")/lib/common.sh"
VENV="$IDEMLOG_STATE/shippers-venv"
REQUIREMENTS="scripts/requirements-shippers.txt"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ ! -f "$VENV/.requirements.sha" || "$(cat "$VENV/.requirements.sha")" != "$want" ]]; then
  log "installing the OpenTelemetry Python SDK into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >&2
  echo "$want" >"$VENV/.requirements.sha"
fi
if [[ ! -f /usr/share/syslog-ng/include/scl/elasticsearch/elastic-http.conf ]] || ! command -v syslog-ng >/dev/null; then
  log "installing syslog-ng with its HTTP module (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends syslog-ng-core syslog-ng-mod-http syslog-ng-scl >/dev/null
fi
