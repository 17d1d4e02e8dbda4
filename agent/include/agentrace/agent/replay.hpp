// Replay: re-run the agents of a recorded run with a model that answers from its cassette. The
// tools run again for real. The report says whether the final answer and the span tree are the
// same as the original's and, when they are not, which request first differed (agent, step, a
// diff of the messages).
//
//   auto cassette = agentrace::agent::Cassette::load(path);
//   auto report = agentrace::agent::replay(make_my_agent(), cassette, original_spans);
//   REQUIRE(report.matches());
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agentrace/agent/cassette.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::agent {

struct ReplayDifference {
  std::string agent;
  int step = 0;
  std::size_t call = 0;  // 1-based among the agent's recorded calls
  std::string diff;      // "- recorded" / "+ replayed" lines (llm::diff_requests)
};

struct ReplayReport {
  RunResult result;                    // the replayed run
  std::vector<tracing::SpanData> spans;  // its trace
  bool answer_matches = false;          // same status and final output as recorded
  bool agents_match = false;            // the same agent tree (names, tools) as recorded
  std::optional<bool> tree_matches;     // same span-tree shape; nullopt: no original spans given
  std::string tree_difference;          // the first differing line of the two shapes
  std::optional<ReplayDifference> first_difference;  // the first request that differed
  std::size_t calls_replayed = 0;
  std::size_t calls_recorded = 0;

  [[nodiscard]] bool matches() const noexcept {
    return answer_matches && agents_match && tree_matches.value_or(true) && !first_difference &&
           calls_replayed == calls_recorded;
  }
  // A few lines for people: the verdict, then what differs.
  [[nodiscard]] std::string describe(const Cassette& cassette) const;
};

struct ReplayOptions {
  // Tools may need the same user data as in the original run.
  RunConfig config;
  // Tool threads etc.; tracer, default tracing and cassettes are set by replay().
  RunnerOptions runner;
};

// Runs `agent` (the same agents as recorded, with any model: each agent's model is replaced by a
// ReplayLlmClient over its recorded calls) on the cassette's task. `original` is the recorded
// trace, for the span-tree comparison.
ReplayReport replay(const Agent& agent, const Cassette& cassette, std::span<const tracing::SpanData> original = {},
                    ReplayOptions options = {});

// The shape of a span tree as indented names, children in a canonical order (so parallel calls
// finishing in another order still match). One line per span.
std::vector<std::string> span_tree_shape(std::span<const tracing::SpanData> spans);

}  // namespace agentrace::agent
