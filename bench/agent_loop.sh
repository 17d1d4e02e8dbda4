#!/usr/bin/env bash
# Runs bench/agent_loop for each way of tracing, as separate processes interleaved round by round
# (so a noisy neighbour hits every column alike), and prints the median of each figure. Given a
# second build's agent_loop, runs it in the same rounds and prints the ratio B/A per figure.
#
#   bench/agent_loop.sh [--rounds 9] [--tracing "off jsonl otlp"] A/agent_loop [B/agent_loop] [-- agent_loop args]
#
# The batch queue is raised to 65536 spans (OTEL_BSP_MAX_QUEUE_SIZE) unless already set: 2,000
# back-to-back runs outpace a collector, and a dropped span costs less than an exported one.
set -euo pipefail

rounds=9
modes="off jsonl otlp"
binaries=()
while (($# > 0)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --tracing) modes="$2"; shift 2 ;;
    --) shift; break ;;
    *) binaries+=("$1"); shift ;;
  esac
done
((${#binaries[@]} >= 1 && ${#binaries[@]} <= 2)) || { echo "usage: $0 [--rounds N] [--tracing MODES] A [B] [-- args]" >&2; exit 2; }
export OTEL_BSP_MAX_QUEUE_SIZE="${OTEL_BSP_MAX_QUEUE_SIZE:-65536}"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((round = 1; round <= rounds; round++)); do
  for mode in $modes; do
    for b in "${!binaries[@]}"; do
      # one line per figure: build mode figure value
      "${binaries[$b]}" --tracing "$mode" "$@" | awk -v build="$b" -v mode="$mode" '{ print build, mode, $1, $2 }' >>"$results"
    done
  done
  echo "round $round of $rounds done" >&2
done

# Medians per (build, mode, figure), then a table; with two builds, B/A as well.
sort -k1,1 -k2,2 -k3,3 -k4,4g "$results" | awk -v builds="${#binaries[@]}" '
  { key = $2 " " $3; v[$1, key, ++n[$1, key]] = $4; keys[key] = 1 }
  function median(b, k,   c) { c = n[b, k]; if (c == 0) return ""; return c % 2 ? v[b, k, (c + 1) / 2] : (v[b, k, c / 2] + v[b, k, c / 2 + 1]) / 2 }
  END {
    if (builds == 2) printf "%-6s %-22s %12s %12s %8s\n", "mode", "figure", "A", "B", "B/A"
    else printf "%-6s %-22s %12s\n", "mode", "figure", "median"
    for (k in keys) order[++count] = k
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
    for (i = 1; i <= count; i++) {
      split(order[i], parts, " ")
      a = median(0, order[i])
      if (builds == 2) {
        b = median(1, order[i])
        printf "%-6s %-22s %12s %12s %8s\n", parts[1], parts[2], a, b, (a > 0 ? sprintf("%.3f", b / a) : "-")
      } else printf "%-6s %-22s %12s\n", parts[1], parts[2], a
    }
  }'
