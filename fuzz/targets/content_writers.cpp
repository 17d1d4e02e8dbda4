// The writers that put model output and tool arguments on spans (schema/writers.hpp, through
// base/json_text.hpp and the content policy): the input is a model's reply body, read as the
// OpenAI client reads it, or, when it is not one, the input itself as the reply's text and as
// one tool call's arguments text. The reply, its tool calls (arguments as JSON, or raw when they
// are not) and the tools' results (the arguments echoed) go through every writer of a run's
// spans, under full and truncated capture; the spans written are then read back as a trace.
#include <memory>

#include "agentrace/base/json_text.hpp"
#include "agentrace/inspect/model.hpp"
#include "agentrace/inspect/text.hpp"
#include "agentrace/llm/openai.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/schema/writers.hpp"
#include "agentrace/tracing/in_memory_exporter.hpp"
#include "agentrace/tracing/processor.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace agentrace;

struct Tracing {
  std::shared_ptr<tracing::InMemoryExporter::Storage> storage;
  std::shared_ptr<tracing::TracerProvider> provider;
  tracing::Tracer tracer;
};

Tracing& traced() {
  static Tracing t = [] {
    auto exporter = std::make_unique<tracing::InMemoryExporter>();
    auto storage = exporter->storage();
    tracing::TracerProviderOptions options;
    options.processor = tracing::make_simple_processor(std::move(exporter));
    auto provider = std::make_shared<tracing::TracerProvider>(std::move(options));
    auto tracer = provider->tracer("fuzz");
    return Tracing{storage, provider, tracer};
  }();
  return t;
}

llm::ChatResponse reply_of(std::string_view text) {
  try {
    return llm::parse_openai_response(text);
  } catch (const llm::LlmError&) {
    llm::ChatResponse reply;
    reply.message.content = std::string(text);
    llm::ToolCall call;
    call.id = "call_1";
    call.name = "tool";
    llm::set_arguments_from_text(call, text);
    reply.message.tool_calls.push_back(std::move(call));
    return reply;
  }
}

void write_run(const llm::ChatResponse& reply, const schema::ContentPolicy& content) {
  static const llm::ScriptedLlmClient model({});
  const tracing::Tracer& tracer = traced().tracer;
  const std::string& text = reply.message.content;

  auto agent = schema::start_agent_span(tracer, {}, {.name = "agent", .model = reply.model}, text, content);
  auto step = schema::start_step_span(tracer, agent, 1);

  llm::ChatRequest request;
  request.model = reply.model;
  request.messages = {llm::Message::system(text), llm::Message::user(text), reply.message};
  for (const auto& call : reply.message.tool_calls) {
    request.messages.push_back({llm::Role::tool, text, {}, call.id, call.name});
    request.tools.push_back({call.name, text, call.arguments});
  }
  schema::MessagesJson history;
  {
    auto chat = schema::start_chat_span(tracer, step, request, model, content, &history);
    schema::record_chat_response(chat, reply, 1, content);
  }
  {
    std::vector<std::string> options;
    for (const auto& call : reply.message.tool_calls) options.push_back(call.name);
    auto decide = schema::start_decide_span(tracer, step, options);
    if (reply.message.tool_calls.empty()) {
      schema::record_final_answer(decide);
    } else {
      schema::record_tool_calls(decide, reply.message.tool_calls);
    }
  }
  for (const auto& call : reply.message.tool_calls) {
    auto span = schema::start_tool_span(tracer, step, call, nullptr, false, content);
    const auto result = call.raw_arguments ? tools::ToolResult::error(*call.raw_arguments, tools::ToolErrorKind::invalid_arguments)
                                           : tools::ToolResult::json(call.arguments);
    schema::record_tool_result(span, result, result.to_text(), content);
  }
  schema::end_step_span(step, "tool_calls", reply.usage, reply.usage);
  schema::end_agent_span(agent, {.status = "completed", .steps = 1, .own = reply.usage, .total = reply.usage, .output = text},
                         content);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = (fuzz::quiet_logs(), true);
  (void)quiet;
  const llm::ChatResponse reply = reply_of(fuzz::text_of(data, size));
  std::string out;
  for (const auto& call : reply.message.tool_calls) base::append_json(out, call.arguments);

  write_run(reply, {.mode = schema::ContentCapture::full});
  write_run(reply, {.mode = schema::ContentCapture::truncated, .max_bytes = 64});
  const std::vector<tracing::SpanData> spans = traced().storage->spans();
  // Freed within the run, or libFuzzer suspects a leak and runs the input again to look for it.
  traced().storage->clear();
  fuzz::write_everywhere(spans);
  for (const auto& view : inspect::build_trace_views(spans)) {
    (void)inspect::render_summary(view);
    (void)inspect::render_messages(view);
    (void)inspect::render_iteration(view, 1);
  }
  return 0;
}
