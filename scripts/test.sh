#!/usr/bin/env bash
# Builds a preset and runs its tests with CTest; the exit status is CTest's.
#
#   scripts/test.sh [--preset NAME] [--target TARGET]... [ctest args...]
#
# Default: the dev preset, everything built, every test run. Arguments after the options go to
# ctest as they are (e.g. -L tracing, -R span, --repeat until-fail:3).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

preset=dev
targets=()
while (($# > 0)); do
  case "$1" in
    --preset) preset="${2:?--preset needs a name}"; shift 2 ;;
    --preset=*) preset="${1#*=}"; shift ;;
    --target) targets+=("${2:?--target needs a name}"); shift 2 ;;
    --target=*) targets+=("${1#*=}"); shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done

# Test-only tools: Node.js and npm install the reference peers some tests run (speedscope, an
# OTLP receiver, an OpenAI-compatible server), chromium loads speedscope headless. Asked for by
# command rather than by package, since Node.js often comes from elsewhere (its npm then clashes
# with Debian's). Tests that need them say SKIP when they are missing.
command -v npm >/dev/null 2>&1 || AGENTRACE_EXTRA_PACKAGES="${AGENTRACE_EXTRA_PACKAGES:-} nodejs npm"
command -v chromium >/dev/null 2>&1 || AGENTRACE_EXTRA_PACKAGES="${AGENTRACE_EXTRA_PACKAGES:-} chromium"
export AGENTRACE_EXTRA_PACKAGES
agentrace_setup "$preset" "${targets[@]}"

# GCC 12's sanitizer runtimes expect the address-space layout of older kernels: where the kernel
# randomises mmap more (vm.mmap_rnd_bits above 28) TSan aborts with "unexpected memory mapping"
# and ASan may crash at start. Turning ASLR off for the test processes avoids that without root
# and without touching a machine-wide sysctl; where setarch is missing or refused, run as is.
launcher=()
if [[ "$preset" == *san* ]] && setarch "$(uname -m)" -R true >/dev/null 2>&1; then
  launcher=(setarch "$(uname -m)" -R)
fi

agentrace_log "testing ($preset)..."
# A run that finds no test is a failure, not a pass.
agentrace_in_root "${launcher[@]}" ctest --preset "$preset" --no-tests=error "$@"
