#!/usr/bin/env bash
# Compiles the production template offline (`sls package --stage prod`) and runs cfn-lint and
# checkov on it, both pinned in scripts/requirements-checks.txt and installed by
# scripts/lib/checks-venv.sh. Accepted findings are listed, with reasons, in .cfnlintrc.yaml
# and .checkov.yaml; anything else fails.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/checks-venv.sh"

TEMPLATE_DIR="$IDEMLOG_STATE/template-prod"

ensure_checks_venv

log "compiling the production template (sls package --stage prod, offline)"
# Packaging needs no AWS access; the emulator's settings must not leak into a production template.
env -u AWS_ENDPOINT_URL -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY IDEMLOG_STAGE=prod \
  sls package --stage prod --package "$TEMPLATE_DIR" >/dev/null
template="$TEMPLATE_DIR/cloudformation-template-update-stack.json"

status=0
log "cfn-lint $("$CHECKS_VENV/bin/cfn-lint" --version | cut -d' ' -f2)"
"$CHECKS_VENV/bin/cfn-lint" --config-file .cfnlintrc.yaml "$template" || status=1
log "checkov $("$CHECKS_VENV/bin/checkov" --version)"
"$CHECKS_VENV/bin/checkov" --config-file .checkov.yaml -f "$template" --quiet || status=1
exit "$status"
