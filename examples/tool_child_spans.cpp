// tool_child_spans: a tool that traces its own work, nested under the Runner's spans.
//
// Tools know nothing of tracing, but while a tool runs the Runner makes that call's
// `execute_tool` span the thread's current span, also on the pool threads that run parallel
// calls. So a span a tool body starts with the default parent (the current context) becomes a
// child of its execute_tool span, in the run's trace: here "load document", "tokenize" and
// "count words", for each of two calls the model makes in one reply. A global provider with a
// ConsoleExporter prints the tree and the timeline when the run ends; the Runner, given no
// tracer, uses the global provider too, and the tool reaches it through global_tracer().
//
//   cmake --preset release && cmake --build --preset release --target tool_child_spans
//   ./build/release/examples/tool_child_spans
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/console_exporter.hpp"

namespace ag = agentrace::agent;
namespace llm = agentrace::llm;
namespace schema = agentrace::schema;
namespace tools = agentrace::tools;
namespace tr = agentrace::tracing;
using llm::ScriptedLlmClient;

namespace {

const std::map<std::string, std::string> documents = {
    {"minutes",
     "The committee held rates steady. The committee expects inflation to ease as growth slows; "
     "inflation remains above target, so the committee will watch inflation data closely."},
    {"outlook",
     "Growth slowed in the fourth quarter. Consumer spending drove growth, while business "
     "investment fell. Growth should stay near two percent as spending cools."},
};

const std::set<std::string> stop_words = {"the", "to", "as", "so", "in", "will", "while", "should", "near", "above"};

tools::ToolPtr make_top_words_tool() {
  return tools::make_tool("top_words", "The most frequent words of a document")
      .param<std::string>("document", "minutes or outlook")
      .param<int>("count", "how many words to return")
      .handler([](const std::string& name, int count) {
        const tr::Tracer tracer = tr::global_tracer("examples.tool_child_spans");
        // tr::traced: a span current while the lambda runs; an exception marks it as an error.
        const std::string& text = tr::traced(tracer, "load document", [&](tr::Span& span) -> const std::string& {
          span.set_attribute("document.name", name);
          const auto it = documents.find(name);
          if (it == documents.end()) throw std::invalid_argument("no document named '" + name + "'");
          span.set_attribute("document.bytes", it->second.size());
          return it->second;
        });
        const auto words = tr::traced(tracer, "tokenize", [&](tr::Span& span) {
          std::vector<std::string> out(1);
          for (const char c : text) {
            if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
              out.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            } else if (!out.back().empty()) {
              out.emplace_back();
            }
          }
          std::erase_if(out, [](const std::string& w) { return w.empty() || stop_words.contains(w); });
          span.set_attribute("words", out.size());
          return out;
        });
        // The same without the helper: a plain RAII span, its parent the current context.
        tr::Span span = tracer.start_span("count words");
        std::map<std::string, int> counts;
        for (const auto& w : words) ++counts[w];
        std::vector<std::pair<std::string, int>> ranked(counts.begin(), counts.end());
        std::stable_sort(ranked.begin(), ranked.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        ranked.resize(std::min(ranked.size(), static_cast<std::size_t>(std::max(count, 0))));
        span.set_attribute("distinct_words", counts.size());
        llm::Json top = llm::Json::array();
        for (const auto& [word, n] : ranked) top.push_back({{"word", word}, {"count", n}});
        return top;
      });
}

}  // namespace

int main() {
  // An agent run's trace, so the tree shows what the schema says matters first (outcome, tokens).
  auto console = std::make_unique<tr::ConsoleExporter>(stdout, schema::render_options());
  auto provider = std::make_shared<tr::TracerProvider>(
      tr::TracerProviderOptions{.processor = tr::make_simple_processor(std::move(console))});
  tr::set_global_provider(provider);

  ag::Agent agent;
  agent.name = "reader";
  agent.instructions = "Summarise documents by their most frequent words.";
  agent.tools = {make_top_words_tool()};
  agent.model = std::make_shared<ScriptedLlmClient>(std::vector{
      ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "top_words", .arguments = {{"document", "minutes"}, {"count", 2}}},
                                     llm::ToolCall{.name = "top_words", .arguments = {{"document", "outlook"}, {"count", 2}}}}),
      ScriptedLlmClient::text("The minutes are about the committee and inflation; the outlook is about growth.")});

  int status = 0;
  {
    ag::Runner runner;  // no tracer given: the global provider's
    const ag::RunResult result = runner.run(agent, "What are the minutes and the outlook about?");
    if (result.ok()) {
      for (const auto& o : result.memory.action_steps().front()->observations) {
        std::printf("%s(%s) -> %s\n", o.tool_name.c_str(), o.arguments.dump().c_str(), o.content.c_str());
      }
      std::printf("answer: %s\n", result.output.c_str());
    } else {
      std::fprintf(stderr, "the run did not complete (%s): %s\n", std::string(ag::to_string(result.status)).c_str(),
                   result.error.c_str());
      status = 1;
    }
  }
  provider->shutdown();
  return status;
}
