// hello_agent: the smallest agent, traced by default.
//
// One agent with one typed tool, run by a Runner built with default options. The model is
// scripted (no network, no API key): it calls the tool, then answers. Nothing about tracing is
// configured, yet the run is traced: its spans are written to .agentrace/traces/<trace id>.jsonl
// and the Runner logs that path. The program reads the file back and prints the span tree, the
// same tree `agentrace view <file>` shows.
//
//   cmake --preset release && cmake --build --preset release --target hello_agent
//   ./build/release/examples/hello_agent
//   (AGENTRACE_TRACE_DIR=<dir> writes the traces elsewhere; AGENTRACE_TRACES=off turns them off)
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "agentrace/agent/runner.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/render.hpp"

namespace ag = agentrace::agent;
namespace formats = agentrace::formats;
namespace llm = agentrace::llm;
namespace schema = agentrace::schema;
namespace tools = agentrace::tools;
namespace tr = agentrace::tracing;

int main() {
  auto count_words = tools::make_tool("count_words", "Count the words in a text")
                         .param<std::string>("text", "the text to count")
                         .handler([](const std::string& text) {
                           std::istringstream in(text);
                           std::int64_t words = 0;
                           for (std::string word; in >> word;) ++words;
                           return words;
                         });

  // What a real model would do: ask for the tool, read its result, answer.
  auto model = std::make_shared<llm::ScriptedLlmClient>(
      std::vector{llm::ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "count_words", .arguments = {{"text", "the quick brown fox jumps"}}}},
                                                     "Let me count them."),
                  llm::ScriptedLlmClient::text("The sentence has 5 words.")});

  ag::Agent agent;
  agent.name = "hello";
  agent.instructions = "Answer questions about texts. Count words with the count_words tool.";
  agent.model = model;
  agent.tools = {count_words};

  ag::Runner runner;  // default options: traced to .agentrace/traces/<trace id>.jsonl
  const ag::RunResult result = runner.run(agent, "How many words are in 'the quick brown fox jumps'?");
  if (!result.ok()) {
    std::cerr << "the run did not complete (" << result.status << "): " << result.error << "\n";
    return 1;
  }
  std::printf("answer:   %s\n", result.output.c_str());
  if (result.trace_id.empty()) {
    std::printf("tracing is off (AGENTRACE_TRACES=off): no trace was written\n");
    return 0;
  }
  std::printf("trace id: %s\n\n", result.trace_id.c_str());

  // The file is complete when run() returns.
  const auto file = ag::DefaultTracing::from_env().trace_dir / (result.trace_id + ".jsonl");
  const formats::JsonlReadResult trace = formats::read_jsonl_file(file);
  std::printf("%s", tr::render_tree(trace.spans, schema::render_options()).c_str());
  std::printf("\nview it again with: agentrace view %s\n", file.c_str());
  return trace.spans.empty() ? 1 : 0;
}
