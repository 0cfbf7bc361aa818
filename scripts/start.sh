#!/usr/bin/env bash
# `npm start`: install what is missing, start or find the emulator, deploy, print the URLs.
source "$(dirname "$0")/lib/common.sh"

bash scripts/emulator.sh start
node scripts/deploy.ts "$@"
node scripts/print-usage.ts
