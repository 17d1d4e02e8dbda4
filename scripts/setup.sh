#!/usr/bin/env bash
# Sets up a Debian 12 machine for agentrace and builds one CMake preset. Idempotent: a second run
# installs nothing and rebuilds only what changed.
#
#   scripts/setup.sh [preset] [target...]     preset: dev (default), release, asan-ubsan, tsan
#
# Other scripts source this file and call agentrace_setup; sourcing runs nothing.
#
# Environment:
#   AGENTRACE_JOBS            parallel build jobs (default: nproc)
#   AGENTRACE_SKIP_PACKAGES=1 do not check or install Debian packages (another distribution)
#   AGENTRACE_EXTRA_PACKAGES  more Debian packages to require (space-separated)
#   AGENTRACE_DRY_RUN=1       print the package commands instead of running them
#   AGENTRACE_VERBOSE=1       show CMake's and the compiler's output even when they succeed
set -euo pipefail

AGENTRACE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# build-essential rather than g++ alone: it also brings make and libc headers that some CMake
# checks rely on. OpenSSL is for HTTPS (net); sqlite for the stores; zlib for OTLP's gzip compression;
# Lua 5.4 is the interpreter code agents write their programs in (found with pkg-config).
AGENTRACE_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  nlohmann-json3-dev libboost-dev libspdlog-dev catch2 libbenchmark-dev libcli11-dev
  libvalijson-dev libsqlite3-dev zlib1g-dev libssl-dev liblua5.4-dev
)

agentrace_log() { printf 'agentrace: %s\n' "$*"; }
agentrace_die() { printf 'agentrace: error: %s\n' "$*" >&2; exit 1; }

# Prints the required packages that dpkg does not report as installed, one per line.
agentrace_missing_packages() {
  local pkg status
  # shellcheck disable=SC2206  # the extra list is space-separated on purpose
  local wanted=("${AGENTRACE_PACKAGES[@]}" ${AGENTRACE_EXTRA_PACKAGES:-})
  for pkg in "${wanted[@]}"; do
    # A package dpkg has never heard of makes dpkg-query fail: that counts as missing too.
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == installed ]] || printf '%s\n' "$pkg"
  done
}

# Runs a command as root: directly, through sudo, or not at all (with the reason).
agentrace_as_root() {
  if [[ "${AGENTRACE_DRY_RUN:-0}" == 1 ]]; then
    printf 'agentrace: would run: %s\n' "$*"
  elif [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    agentrace_die "needs root (no sudo here): $*"
  fi
}

agentrace_install_packages() {
  if [[ "${AGENTRACE_SKIP_PACKAGES:-0}" == 1 ]]; then return 0; fi
  command -v dpkg-query >/dev/null 2>&1 ||
    agentrace_die "dpkg-query not found: install these yourself and set AGENTRACE_SKIP_PACKAGES=1: ${AGENTRACE_PACKAGES[*]}"

  local missing
  mapfile -t missing < <(agentrace_missing_packages)
  if ((${#missing[@]} == 0)); then return 0; fi

  if [[ "${AGENTRACE_DRY_RUN:-0}" != 1 && "$(id -u)" != 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    agentrace_die "missing Debian packages, and not root without sudo; as root run:
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  fi
  agentrace_log "installing ${missing[*]}..."
  # env rather than a plain assignment, so the variable survives sudo's environment reset.
  agentrace_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    agentrace_die "apt-get update failed"
  agentrace_as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    agentrace_die "apt-get install failed for: ${missing[*]}"
}

# Runs a command with its output kept in a log that is shown only if it fails (all of it: the
# compiler's errors are what the reader needs), or streamed when AGENTRACE_VERBOSE=1.
agentrace_quietly() {
  if [[ "${AGENTRACE_VERBOSE:-0}" == 1 ]]; then
    "$@"
    return
  fi
  local log status=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || status=$?
  if ((status != 0)); then cat "$log" >&2; fi
  rm -f "$log"
  return "$status"
}

# CMake finds CMakePresets.json in the working directory; the caller's own stays as it was, so
# relative paths it was given keep their meaning.
agentrace_in_root() { (cd "$AGENTRACE_ROOT" && "$@"); }

# Configures (cheap when nothing changed) and builds a preset; targets default to all.
agentrace_build() {
  local preset="$1"
  shift
  agentrace_log "configuring ($preset)..."
  agentrace_quietly agentrace_in_root cmake --preset "$preset" || agentrace_die "configuring preset '$preset' failed"

  local targets=() start=$SECONDS
  if (($# > 0)); then targets=(--target "$@"); fi
  agentrace_log "building ($preset${1:+: $*})..."
  agentrace_quietly agentrace_in_root cmake --build --preset "$preset" -j "${AGENTRACE_JOBS:-$(nproc)}" "${targets[@]}" ||
    agentrace_die "building preset '$preset' failed"
  agentrace_log "built ($preset) in $((SECONDS - start)) s"
}

# agentrace_setup [preset] [target...]
agentrace_setup() {
  local preset="${1:-dev}"
  if (($# > 0)); then shift; fi
  agentrace_install_packages
  agentrace_build "$preset" "$@"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  agentrace_setup "$@"
fi
