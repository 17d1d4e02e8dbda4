#include "agentrace/agent/replay.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "agentrace/tracing/in_memory_exporter.hpp"
#include "agentrace/tracing/processor.hpp"

namespace agentrace::agent {
namespace {

namespace tr = tracing;

struct ReplayModels {
  std::map<std::string, std::shared_ptr<llm::ReplayLlmClient>> by_agent;
  // Per agent, the global cassette index of each of its calls (to order first differences).
  std::map<std::string, std::vector<std::size_t>> order;
};

void swap_models(Agent& agent, const Cassette& cassette, ReplayModels& models) {
  if (!models.by_agent.contains(agent.name)) {
    std::vector<llm::RecordedCall> calls;
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < cassette.calls.size(); ++i) {
      if (cassette.calls[i].agent != agent.name) continue;
      calls.push_back(cassette.calls[i].call);
      order.push_back(i);
    }
    std::string model = agent.model_name;
    if (model.empty() && !calls.empty()) model = calls.front().request.model;
    if (model.empty() && agent.model) model = agent.model->default_model();
    models.by_agent[agent.name] = std::make_shared<llm::ReplayLlmClient>(agent.name, std::move(calls), model);
    models.order[agent.name] = std::move(order);
  }
  agent.model = models.by_agent[agent.name];
  for (auto& m : agent.managed_agents) swap_models(m, cassette, models);
}

std::string shape_of(const tr::SpanData& s, const std::unordered_map<std::string, std::vector<const tr::SpanData*>>& children,
                     int depth, std::vector<std::string>& lines) {
  // Children's shapes first, sorted, so that the shape does not depend on completion order.
  std::vector<std::pair<std::string, std::vector<std::string>>> kids;
  if (auto it = children.find(s.span_id.hex()); it != children.end()) {
    for (const auto* c : it->second) {
      std::vector<std::string> sub;
      std::string key = shape_of(*c, children, depth + 1, sub);
      kids.emplace_back(std::move(key), std::move(sub));
    }
  }
  std::sort(kids.begin(), kids.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string key = s.name + "(";
  lines.push_back(std::string(static_cast<std::size_t>(depth) * 2, ' ') + s.name);
  for (auto& [k, sub] : kids) {
    key += k + ",";
    lines.insert(lines.end(), sub.begin(), sub.end());
  }
  return key + ")";
}

}  // namespace

std::vector<std::string> span_tree_shape(std::span<const tracing::SpanData> spans) {
  std::unordered_map<std::string, const tr::SpanData*> by_id;
  std::unordered_map<std::string, std::vector<const tr::SpanData*>> children;
  for (const auto& s : spans) by_id[s.span_id.hex()] = &s;
  std::vector<const tr::SpanData*> roots;
  for (const auto& s : spans) {
    if (s.parent_span_id.valid() && by_id.contains(s.parent_span_id.hex())) {
      children[s.parent_span_id.hex()].push_back(&s);
    } else {
      roots.push_back(&s);
    }
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> trees;
  for (const auto* r : roots) {
    std::vector<std::string> lines;
    std::string key = shape_of(*r, children, 0, lines);
    trees.emplace_back(std::move(key), std::move(lines));
  }
  std::sort(trees.begin(), trees.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [k, lines] : trees) out.insert(out.end(), lines.begin(), lines.end());
  return out;
}

ReplayReport replay(const Agent& agent, const Cassette& cassette, std::span<const tracing::SpanData> original,
                    ReplayOptions options) {
  ReplayReport report;
  Agent replayed = agent;
  ReplayModels models;
  swap_models(replayed, cassette, models);
  // Names, nesting and tools: the models are replaced by the recording anyway, so a run recorded
  // on a real model replays on agents built with any other.
  const std::vector<CassetteAgent> now = Cassette::describe(agent);
  report.agents_match = std::equal(now.begin(), now.end(), cassette.agents.begin(), cassette.agents.end(),
                                   [](const CassetteAgent& a, const CassetteAgent& b) {
                                     return a.name == b.name && a.depth == b.depth && a.tools == b.tools;
                                   });

  // Its own tracer, recording into memory: a replay leaves the original's files alone.
  auto exporter = std::make_unique<tr::InMemoryExporter>();
  auto storage = exporter->storage();
  tr::TracerProviderOptions provider_options;
  provider_options.processor = tr::make_simple_processor(std::move(exporter));
  auto provider = std::make_shared<tr::TracerProvider>(std::move(provider_options));
  RunnerOptions runner_options = std::move(options.runner);
  runner_options.tracer = provider->tracer("agentrace.replay");
  runner_options.default_tracing.enabled = false;
  runner_options.cassettes.enabled = false;
  runner_options.log_trace_location = false;
  {
    Runner runner(std::move(runner_options));
    report.result = runner.run(replayed, cassette.task, std::move(options.config));
  }
  provider->force_flush(std::chrono::seconds(5));
  report.spans = storage->spans();

  report.answer_matches = report.result.output == cassette.output && std::string(to_string(report.result.status)) == cassette.status;
  report.calls_recorded = cassette.calls.size();
  std::size_t first_index = SIZE_MAX;
  for (const auto& [name, client] : models.by_agent) {
    report.calls_replayed += std::min(client->calls(), client->recorded());
    if (auto m = client->first_mismatch()) {
      const std::size_t global = models.order[name][m->call];
      if (global < first_index) {
        first_index = global;
        report.first_difference = ReplayDifference{name, cassette.calls[global].step, m->call + 1, m->diff};
      }
    }
  }
  if (!original.empty()) {
    const auto a = span_tree_shape(original);
    const auto b = span_tree_shape(report.spans);
    report.tree_matches = a == b;
    if (a != b) {
      std::size_t i = 0;
      while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
      report.tree_difference = "line " + std::to_string(i + 1) + ": recorded \"" + (i < a.size() ? a[i] : "(end)") +
                               "\", replayed \"" + (i < b.size() ? b[i] : "(end)") + "\"";
    }
  }
  return report;
}

std::string ReplayReport::describe(const Cassette& cassette) const {
  std::string out;
  out += matches() ? "replay: MATCH" : "replay: DIFFERENT";
  out += " (" + std::to_string(calls_replayed) + " of " + std::to_string(calls_recorded) + " recorded model calls replayed)\n";
  out += "  final answer: " + std::string(answer_matches ? "same" : "different") + "\n";
  if (!answer_matches) {
    out += "    recorded (" + cassette.status + "): " + cassette.output + "\n";
    out += "    replayed (" + std::string(to_string(result.status)) + "): " + result.output + "\n";
    if (!result.error.empty()) out += "    replay error: " + result.error + "\n";
  }
  out += "  span tree: " + std::string(!tree_matches ? "not compared (no original trace)" : *tree_matches ? "same shape" : "different") + "\n";
  if (tree_matches && !*tree_matches) out += "    " + tree_difference + "\n";
  if (!agents_match) out += "  agents: different from the recorded ones (names or tools)\n";
  if (first_difference) {
    out += "  first differing request: agent " + first_difference->agent + ", step " + std::to_string(first_difference->step) +
           ", its model call " + std::to_string(first_difference->call) + "\n";
    out += first_difference->diff;
  } else {
    out += "  requests: every replayed request equals the recorded one\n";
  }
  return out;
}

}  // namespace agentrace::agent
