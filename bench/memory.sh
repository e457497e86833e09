#!/usr/bin/env bash
# RSS per key after 1,000,000 `SET key:N <20-byte value>`, vigil-server vs
# Debian's redis-server, loaded the same way (redis-cli --pipe) in the same
# run: the strings row of bench/memory_types.sh, which covers every type.
# Usage: bench/memory.sh [build-dir]
set -euo pipefail
exec "$(dirname "$0")/memory_types.sh" "${1:-build}" strings
