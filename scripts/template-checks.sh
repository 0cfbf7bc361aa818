#!/usr/bin/env bash
# Compiles the production template offline (`sls package --stage prod`) and runs cfn-lint and
# checkov on it, both pinned in scripts/requirements-checks.txt and installed into
# .idemlog/checks-venv on first use. Accepted findings are listed, with reasons, in .cfnlintrc.yaml
# and .checkov.yaml; anything else fails.
source "$(dirname "$0")/lib/common.sh"

VENV="$IDEMLOG_STATE/checks-venv"
REQUIREMENTS="scripts/requirements-checks.txt"
TEMPLATE_DIR="$IDEMLOG_STATE/template-prod"

stamp="$VENV/.requirements.sha"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  log "installing the template checks into $VENV ($(grep -v '^#' "$REQUIREMENTS" | xargs))"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >&2
  echo "$want" >"$stamp"
fi

log "compiling the production template (sls package --stage prod, offline)"
# Packaging needs no AWS access; the emulator's settings must not leak into a production template.
env -u AWS_ENDPOINT_URL -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY IDEMLOG_STAGE=prod \
  sls package --stage prod --package "$TEMPLATE_DIR" >/dev/null
template="$TEMPLATE_DIR/cloudformation-template-update-stack.json"

status=0
log "cfn-lint $("$VENV/bin/cfn-lint" --version | cut -d' ' -f2)"
"$VENV/bin/cfn-lint" --config-file .cfnlintrc.yaml "$template" || status=1
log "checkov $("$VENV/bin/checkov" --version)"
"$VENV/bin/checkov" --config-file .checkov.yaml -f "$template" --quiet || status=1
exit "$status"
