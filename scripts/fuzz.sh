#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each for a fixed
# time, a few at once; fails when any target finds a crash, a leak, a timeout or an out-of-memory,
# printing the input that did it and the command that replays it.
#
#   scripts/fuzz.sh [--time SECONDS] [--target NAME]... [--jobs N] [--corpus-dir DIR] [--no-build]
#                   [-- libFuzzer options...]
#
#   --time S        seconds per target (default 30)
#   --target NAME   only this target (fuzz_jsonl or jsonl; repeatable); default: every target
#   --jobs N        targets run at once (default: the number of cores)
#   --corpus-dir D  where each target's growing corpus is kept, D/<target>/ (default:
#                   $AGENTRACE_FUZZ_DIR or ~/.cache/agentrace/fuzz); the committed seeds in
#                   fuzz/corpus/<target>/ are read, never written
#   --no-build      use the targets already built in build/fuzz
#   --list          print the targets and exit
# Crashing inputs go to <corpus dir>/artifacts/. docs/reliability.md says how one becomes a
# regression input and a test.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

seconds=30
jobs="$(nproc)"
work="${AGENTRACE_FUZZ_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agentrace/fuzz}"
build=1
list=0
wanted=()
extra=()
while (($# > 0)); do
  case "$1" in
    --time) seconds="${2:?--time needs seconds}"; shift 2 ;;
    --time=*) seconds="${1#*=}"; shift ;;
    --target) wanted+=("${2:?--target needs a name}"); shift 2 ;;
    --target=*) wanted+=("${1#*=}"); shift ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    --jobs=*) jobs="${1#*=}"; shift ;;
    --corpus-dir) work="${2:?--corpus-dir needs a directory}"; shift 2 ;;
    --corpus-dir=*) work="${1#*=}"; shift ;;
    --no-build) build=0; shift ;;
    --list) list=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) agentrace_die "unknown option '$1' (see the top of scripts/fuzz.sh)" ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || agentrace_die "--time needs a positive number of seconds"
[[ "$jobs" =~ ^[0-9]+$ && "$jobs" -gt 0 ]] || agentrace_die "--jobs needs a positive number"

fuzz_src="$AGENTRACE_ROOT/fuzz"
bin_dir="$AGENTRACE_ROOT/build/fuzz/fuzz"

# fuzz/targets/<name>.cpp is the target fuzz_<name>.
mapfile -t all < <(find "$fuzz_src/targets" -maxdepth 1 -name '*.cpp' -printf 'fuzz_%f\n' | sed 's/\.cpp$//' | sort)
if ((list)); then
  printf '%s\n' "${all[@]}"
  exit 0
fi
targets=()
if ((${#wanted[@]} == 0)); then
  targets=("${all[@]}")
else
  for t in "${wanted[@]}"; do
    [[ "$t" == fuzz_* ]] || t="fuzz_$t"
    [[ -f "$fuzz_src/targets/${t#fuzz_}.cpp" ]] || agentrace_die "no target '$t' (scripts/fuzz.sh --list)"
    targets+=("$t")
  done
fi

if ((build)); then
  # clang with its sanitizer and libFuzzer runtimes (Debian: libclang-rt-14-dev).
  AGENTRACE_EXTRA_PACKAGES="${AGENTRACE_EXTRA_PACKAGES:-} clang libclang-rt-14-dev"
  export AGENTRACE_EXTRA_PACKAGES
  agentrace_setup fuzz
fi

# The sanitizers' runtimes expect the address-space layout of older kernels (see scripts/test.sh).
launcher=()
if setarch "$(uname -m)" -R true >/dev/null 2>&1; then launcher=(setarch "$(uname -m)" -R); fi

mkdir -p "$work/artifacts" "$work/logs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# run_one TARGET: fuzzes it for $seconds into $work/TARGET, seeded from the committed corpus.
run_one() {
  local t="$1" dict=() seeds=() status=0
  mkdir -p "$work/$t"
  if [[ -f "$fuzz_src/dict/$t.dict" ]]; then dict=(-dict="$fuzz_src/dict/$t.dict"); fi
  if [[ -d "$fuzz_src/corpus/$t" ]]; then seeds=("$fuzz_src/corpus/$t"); fi
  # -timeout: one input taking this long is a hang; -rss_limit_mb: growth without bound.
  "${launcher[@]}" "$bin_dir/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" "${dict[@]}" "${extra[@]}" \
    "$work/$t" "${seeds[@]}" >"$work/logs/$t.log" 2>&1 || status=$?
  return "$status"
}

# How a target did, from its log: runs, runs per second, corpus size.
report() {
  local t="$1" runs rate
  runs="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$work/logs/$t.log" | tail -n 1)"
  rate="$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$work/logs/$t.log" | tail -n 1)"
  agentrace_log "fuzz: $t: ${runs:-?} runs, ${rate:-?}/s, corpus $(find "$work/$t" -type f | wc -l) files"
}

agentrace_log "fuzzing ${#targets[@]} target(s), $seconds s each, $jobs at a time; corpus in $work"
start=$SECONDS
declare -A pids=()
failed=()
finish() {  # waits for one target to end and records the outcome
  local pid status=0 t
  wait -n -p pid || status=$?
  t="${pids[$pid]}"
  unset "pids[$pid]"
  if ((status == 0)); then
    report "$t"
  else
    failed+=("$t")
    agentrace_log "fuzz: $t FAILED (exit $status); the end of its log ($work/logs/$t.log):"
    tail -n 40 "$work/logs/$t.log" >&2
    local input
    input="$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$work/logs/$t.log" | tail -n 1)"
    if [[ -n "$input" ]]; then
      agentrace_log "fuzz: $t: the crashing input is $input"
      agentrace_log "fuzz: replay it with: $bin_dir/$t $input"
    fi
  fi
}
for t in "${targets[@]}"; do
  [[ -x "$bin_dir/$t" ]] || agentrace_die "$bin_dir/$t is not built (drop --no-build)"
  while ((${#pids[@]} >= jobs)); do finish; done
  run_one "$t" &
  pids[$!]="$t"
done
while ((${#pids[@]} > 0)); do finish; done

agentrace_log "fuzzed in $((SECONDS - start)) s"
if ((${#failed[@]} > 0)); then
  agentrace_die "fuzzing found a problem in: ${failed[*]}"
fi
