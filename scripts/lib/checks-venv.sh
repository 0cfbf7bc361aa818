# Sourced by the checks scripts: installs the pinned Python checks (scripts/requirements-checks.txt)
# into .idemlog/checks-venv on first use, once even when several tests ask at the same time.
CHECKS_VENV="$IDEMLOG_STATE/checks-venv"

ensure_checks_venv() {
  local requirements="scripts/requirements-checks.txt" stamp="$CHECKS_VENV/.requirements.sha" want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  exec {lock}>"$IDEMLOG_STATE/checks-venv.lock"
  flock "$lock"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "installing the checks into $CHECKS_VENV ($(grep -v '^#' "$requirements" | xargs))"
    python3 -m venv "$CHECKS_VENV"
    "$CHECKS_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
    echo "$want" >"$stamp"
  fi
  flock -u "$lock"
}
