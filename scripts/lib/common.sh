# Sourced by every entry script. Puts the project's pinned Node first on PATH, installs the
# npm packages when they are missing or stale, and sets the emulator defaults.
set -euo pipefail

IDEMLOG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IDEMLOG_STATE="$IDEMLOG_ROOT/.idemlog"
mkdir -p "$IDEMLOG_STATE"
cd "$IDEMLOG_ROOT"

export PATH="$IDEMLOG_ROOT/node_modules/.bin:$PATH"
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
# Only the local stage talks to the emulator, with its test credentials; any other stage is real
# AWS with the caller's own configuration, untouched (scripts/lib/stage.ts refuses a mix).
if [[ "${IDEMLOG_STAGE:-local}" == local ]]; then
  export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
fi

log() { printf '\033[1;34m[idemlog]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[idemlog] %s\033[0m\n' "$*" >&2; exit 1; }

# npm ci runs under the machine's Node the first time (it only unpacks files); from then on
# node_modules/.bin/node, the pinned Node from the npm package "node", runs everything.
ensure_node_modules() {
  local stamp="$IDEMLOG_STATE/npm-lock.sha" want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [[ -x node_modules/.bin/node && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
}

ensure_node_modules
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" -ge 24 ]] || die "expected the pinned Node 24 on PATH, found $(node --version)"
