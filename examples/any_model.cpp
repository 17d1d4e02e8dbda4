// any_model: one agent, any model, named by a string; its reply streamed as it arrives.
//
//   any_model                                                  a scripted model, offline
//   OPENAI_API_KEY=... any_model openai:gpt-4o-mini            OpenAI
//   ANTHROPIC_API_KEY=... any_model anthropic:claude-sonnet-4-5
//   any_model openai-compatible:http://127.0.0.1:8080/v1#qwen2.5-7b   vLLM, llama.cpp, Ollama, ...
//
// The agent has the calculator. The model string picks the client (llm::make_llm_client); a
// missing key is reported before any request. Hooks::on_llm_text prints the reply's text as the
// server streams it; the run is traced by default, and the program prints what the `chat` spans
// recorded about each call: provider, server, model, tokens, finish reason, attempts.
#include <cstdio>
#include <string>

#include "agentrace/schema/names.hpp"
#include "agentrace/agent/runner.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/llm/model_string.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/tools/builtin.hpp"

namespace ag = agentrace::agent;
namespace formats = agentrace::formats;
namespace llm = agentrace::llm;
namespace tools = agentrace::tools;
namespace tr = agentrace::tracing;

int main(int argc, char** argv) {
  ag::Agent agent;
  agent.name = "calc";
  agent.instructions = "Answer with the calculator; say the result in one sentence.";
  agent.tools = {tools::make_calculator_tool()};
  try {
    if (argc > 1) {
      agent.model = llm::make_llm_client(argv[1], {.stream = true});
    } else {  // offline: what a model would answer, scripted
      agent.model = std::make_shared<llm::ScriptedLlmClient>(std::vector{
          llm::ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "calculator", .arguments = {{"expression", "70 / 2.8"}}}}),
          llm::ScriptedLlmClient::text("At 2.8% a year, the economy doubles in about {{last_tool_result}} years.")});
    }
  } catch (const std::exception& e) {  // a bad model string, or a missing API key
    std::fprintf(stderr, "any_model: %s\n", e.what());
    return 2;
  }

  ag::RunConfig config;
  config.hooks.on_llm_text = [](const ag::Agent&, int, std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);  // on the client's I/O thread
    std::fflush(stdout);
  };
  ag::RunnerOptions options;
  options.log_trace_location = false;  // printed below
  ag::Runner runner(std::move(options));
  const ag::RunResult result =
      runner.run(agent, "Rule of 70: how many years does an economy growing 2.8% a year take to double?", std::move(config));
  std::printf("\nanswer: %s\nstatus: %s\n", result.output.c_str(), std::string(ag::to_string(result.status)).c_str());
  if (!result.ok()) std::printf("error:  %s\n", result.error.c_str());
  if (result.trace_id.empty()) return result.ok() ? 0 : 1;

  const auto file = ag::DefaultTracing::from_env().trace_dir / (result.trace_id + ".jsonl");
  for (const tr::SpanData& span : formats::read_jsonl_file(file).spans) {
    if (!span.name.starts_with("chat ")) continue;
    std::printf("%s:", span.name.c_str());
    for (const tr::Attribute& a : span.attributes) {
      const std::string_view key = a.key;
      if (key.starts_with("gen_ai.provider") || key.starts_with("server.") || key.starts_with("gen_ai.usage") ||
          key == "gen_ai.response.finish_reasons" || key == agentrace::schema::attr::llm_attempts) {
        std::printf(" %s=%s", a.key.c_str(), tr::to_display_string(a.value).c_str());
      }
    }
    std::printf("\n");
  }
  std::printf("trace: %s\n", file.c_str());
  return result.ok() ? 0 : 1;
}
