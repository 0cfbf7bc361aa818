#!/usr/bin/env bash
# LocalStack runs this once its services are ready. It creates nothing: `npm start` (sls deploy)
# owns every resource. It only says the emulator is ready and what to run next.
set -euo pipefail
echo "idemlog: LocalStack is ready on port 4566; on the host run: npm start"
