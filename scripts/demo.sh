#!/usr/bin/env bash
# Builds the optimised preset and runs the main job: `agentrace demo`, the multi-agent demo,
# offline (a scripted model; the search, file reading, calculator and SQLite memory really run).
# It prints a live step log, the answer, the span tree and the timeline, and writes the trace and
# its cassette under .agentrace/traces/.
#
#   scripts/demo.sh [demo options...]      e.g. --no-color, --quiet, --content truncated
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# Only the CLI: the release preset would otherwise build every test and benchmark too.
agentrace_setup release agentrace_cli
exec "$AGENTRACE_ROOT/build/release/cli/agentrace" demo "$@"
