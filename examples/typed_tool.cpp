// typed_tool: a tool declared from a typed C++ function, and a bad call the model corrects.
//
// make_tool(...).param<T>(...) declares each parameter beside the function that takes it; the
// JSON schema the model is shown is generated from the C++ types (int, double, std::string,
// std::vector, std::optional), printed first. The scripted model's first call sends
// "nights": "three": the function is never called, the bad call becomes an error observation
// (printed below exactly as the model reads it), and the model fixes its call on the next step.
//
//   cmake --preset release && cmake --build --preset release --target typed_tool
//   ./build/release/examples/typed_tool
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentrace/agent/runner.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/schema/render_hints.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/tracing/in_memory_exporter.hpp"
#include "agentrace/tracing/render.hpp"

namespace ag = agentrace::agent;
namespace llm = agentrace::llm;
namespace schema = agentrace::schema;
namespace tools = agentrace::tools;
namespace tr = agentrace::tracing;

namespace {

double extra_per_night(const std::string& extra) {
  if (extra == "breakfast") return 12.0;
  if (extra == "parking") return 8.0;
  throw std::invalid_argument("unknown extra '" + extra + "' (breakfast, parking)");
}

tools::ToolPtr make_quote_tool() {
  return tools::make_tool("quote_stay", "Price a hotel stay in EUR")
      .param<std::string>("city", "where to stay")
      .param<int>("nights", "number of nights, at least 1")
      .param<double>("nightly_rate", "room price per night in EUR")
      .param<std::vector<std::string>>("extras", "add-ons per night: breakfast, parking")
      .optional_param<std::string>("promo_code", "a discount code, when the guest has one")
      .handler([](const std::string& city, int nights, double rate, const std::vector<std::string>& extras,
                  const std::optional<std::string>& promo) {
        // Exceptions become execution-error observations, as the bad types above become
        // invalid-argument ones.
        if (nights < 1) throw std::invalid_argument("nights must be at least 1");
        double per_night = rate;
        for (const auto& extra : extras) per_night += extra_per_night(extra);
        double total = per_night * nights;
        if (promo && *promo != "SPRING10") throw std::invalid_argument("unknown promo code '" + *promo + "'");
        if (promo) total *= 0.9;
        return llm::Json{{"city", city}, {"nights", nights}, {"total_eur", std::round(total * 100) / 100}};
      });
}

}  // namespace

int main() {
  const tools::ToolPtr quote = make_quote_tool();
  std::printf("schema of %s:\n%s\n\n", quote->name().c_str(), quote->parameters().dump(2).c_str());

  const llm::Json bad_args = {
      {"city", "Porto"}, {"nights", "three"}, {"nightly_rate", 95.0}, {"extras", {"breakfast"}}};
  const llm::Json good_args = {
      {"city", "Porto"}, {"nights", 3}, {"nightly_rate", 95.0}, {"extras", {"breakfast"}}, {"promo_code", "SPRING10"}};
  auto model = std::make_shared<llm::ScriptedLlmClient>(std::vector{
      llm::ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "quote_stay", .arguments = bad_args}}, "Pricing the stay."),
      llm::ScriptedLlmClient::tool_calls({llm::ToolCall{.name = "quote_stay", .arguments = good_args}}, "Fixing the call: nights must be an integer."),
      llm::ScriptedLlmClient::text("Three nights in Porto with breakfast come to 288.90 EUR with SPRING10.")});

  ag::Agent agent;
  agent.name = "travel_agent";
  agent.instructions = "Quote hotel stays with the quote_stay tool.";
  agent.model = model;
  agent.tools = {quote};

  auto exporter = std::make_unique<tr::InMemoryExporter>();
  const auto spans = exporter->storage();
  tr::TracerProvider provider(tr::TracerProviderOptions{.processor = tr::make_simple_processor(std::move(exporter))});
  ag::RunnerOptions options;
  options.tracer = provider.tracer("examples.typed_tool");
  ag::Runner runner(std::move(options));
  const ag::RunResult result = runner.run(agent, "Three nights in Porto with breakfast, code SPRING10?");

  // What the model read after each of its calls.
  for (const auto* step : result.memory.action_steps()) {
    for (const auto& o : step->observations) {
      const std::string label = o.is_error ? "error observation (" + std::string(to_string(o.error_kind)) + ")" : "result";
      std::printf("step %d: %s(%s)\n  %s: %s\n", step->number, o.tool_name.c_str(), o.arguments.dump().c_str(),
                  label.c_str(), o.content.c_str());
    }
  }
  // The run's errors without walking the steps: RunResult::errors.
  for (const ag::RunError& e : result.errors) {
    std::printf("error at step %d: %s, %s\n", e.step, e.tool.c_str(), std::string(to_string(e.kind)).c_str());
  }
  if (!result.ok()) {
    std::fprintf(stderr, "the run did not complete (%s): %s\n", std::string(ag::to_string(result.status)).c_str(),
                 result.error.c_str());
    return 1;
  }
  std::printf("\nanswer: %s\n\n%s", result.output.c_str(), tr::render_tree(spans->spans(), schema::render_options()).c_str());
  return 0;
}
