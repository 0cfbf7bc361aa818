# Source this in your shell to poke the running stack by hand:  source scripts/env.sh
# Puts awslocal and the pinned Node on PATH, sets emulator credentials, and exports API_URL,
# API_KEY, QUEUE_URL, DLQ_URL, EVENTS_TABLE, LEDGER_TABLE and PROCESS_FUNCTION from .idemlog/stack.json
# (the local stage's: this file is for poking the emulator).
# It sets no shell options, so it is safe in an interactive shell.
_idemlog_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export PATH="$_idemlog_root/.idemlog/venv/bin:$_idemlog_root/node_modules/.bin:$PATH"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export DISABLE_DEPRECATION_NOTICE=1 AWS_PAGER=""
if [ -f "$_idemlog_root/.idemlog/stack.json" ]; then
  eval "$(node -e '
    const s = require(process.argv[1]);
    const q = (v) => JSON.stringify(String(v));
    console.log(`export API_URL=${q(s.apiUrl)} API_KEY=${q(s.apiKey)} QUEUE_URL=${q(s.queueUrl)} DLQ_URL=${q(s.deadLetterQueueUrl)}`);
    console.log(`export EVENTS_TABLE=${q(s.eventsTable)} LEDGER_TABLE=${q(s.ledgerTable)} PROCESS_FUNCTION=${q(s.processFunction)}`);
  ' "$_idemlog_root/.idemlog/stack.json")"
else
  echo "idemlog: no .idemlog/stack.json yet; run npm start first" >&2
fi
unset _idemlog_root
