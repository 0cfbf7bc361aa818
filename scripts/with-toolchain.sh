#!/usr/bin/env bash
# Runs one command with the project's toolchain: `bash scripts/with-toolchain.sh tsc --noEmit`.
source "$(dirname "$0")/lib/common.sh"
exec "$@"
