#!/usr/bin/env bash
# Builds the optimised preset and runs the demo: an offline traced pipeline that prints its trace.
#
#   scripts/demo.sh [program args...]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# Only the demo and the CLI that re-renders its trace file (`agentrace view`): the release preset
# would otherwise build every test and benchmark too.
agentrace_setup release traced_pipeline agentrace_cli
exec "$AGENTRACE_ROOT/build/release/examples/traced_pipeline" "$@"
