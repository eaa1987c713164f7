#!/usr/bin/env bash
# Starts Bunka locally: ./your_program.sh [path/to/server.properties]
# Builds with .codecrafters/compile.sh (BUNKA_BUILD_ONLY=1: stop there), then runs
# .codecrafters/run.sh, the two steps CodeCrafters runs. The broker runs in the caller's
# directory, so a relative config path (and a relative log.dirs) means what it means to the
# caller, as with Kafka's kafka-server-start.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/.codecrafters/compile.sh"
[ "${BUNKA_BUILD_ONLY:-}" = 1 ] && exit 0
exec "$root/.codecrafters/run.sh" "$@"
