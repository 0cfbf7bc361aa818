#!/usr/bin/env bash
# `npm start`: install what is missing, start or find the emulator, deploy, print the URLs.
source "$(dirname "$0")/lib/common.sh"

# The local stage runs on the emulator; any other stage deploys to the AWS account the caller is configured for.
[[ "${IDEMLOG_STAGE:-local}" == local ]] && bash scripts/emulator.sh start
node scripts/deploy.ts "$@"
node scripts/print-usage.ts
