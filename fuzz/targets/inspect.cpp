// The inspection model (inspect/model.hpp) and its text and JSON, on span sets made from the
// input: few span ids and two trace ids, so that duplicates, missing parents, remote parents and
// parent cycles are common; agent span names and attribute keys with values of any type,
// absurd times and token counts. Every renderer runs on each view.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <limits>
#include <string>
#include <vector>

#include "agentrace/inspect/json.hpp"
#include "agentrace/inspect/model.hpp"
#include "agentrace/inspect/text.hpp"
#include "agentrace/schema/names.hpp"
#include "agentrace/tracing/render.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace agentrace;

constexpr std::array<std::string_view, 12> span_names = {
    "invoke_agent manager", "invoke_agent researcher", "step 1", "step 2", "step 0", "step -3",
    "chat m", "decide", "execute_tool researcher", "execute_tool add", "memory get", "memory search"};

// Every attribute the schema reads, and one it does not know.
const std::vector<tracing::AttributeKey>& keys() {
  using namespace schema;
  static const std::vector<tracing::AttributeKey> all = {
      attr::operation_name, attr::provider_name, attr::request_model, attr::request_temperature,
      attr::request_max_tokens, attr::response_model, attr::response_id, attr::response_finish_reasons,
      attr::usage_input_tokens, attr::usage_output_tokens, attr::usage_cache_read_input_tokens,
      attr::request_seed, attr::request_stop_sequences, attr::server_address, attr::server_port,
      attr::input_messages, attr::tool_definitions, attr::output_messages, attr::system_instructions,
      attr::tool_name, attr::tool_call_id, attr::tool_type, attr::tool_description, attr::tool_call_arguments,
      attr::tool_call_result, attr::agent_name, attr::agent_id, attr::agent_description,
      attr::conversation_id, attr::error_type, attr::attempt, attr::http_status_code, attr::message,
      attr::span_kind, attr::input_value, attr::input_mime_type, attr::output_value, attr::output_mime_type,
      attr::llm_model_name, attr::llm_provider, attr::llm_token_prompt, attr::llm_token_completion,
      attr::llm_token_total, attr::oi_tool_name, attr::oi_tool_parameters, attr::oi_agent_name,
      attr::own_input_tokens, attr::own_output_tokens, attr::total_input_tokens, attr::total_output_tokens,
      attr::step_number, attr::step_action, attr::run_status, attr::run_steps, attr::agent_depth,
      attr::decision_options, attr::decision_action, attr::decision_tool_calls, attr::decision_error,
      attr::llm_attempts, attr::tool_error_kind, attr::tool_duration_ms, attr::memory_operation,
      attr::memory_store, attr::memory_key, attr::memory_hit, attr::memory_result_count, attr::memory_query, "x"};
  return all;
}

const tracing::AttributeKey& some_key(FuzzedDataProvider& in) {
  return keys()[in.ConsumeIntegralInRange<std::size_t>(0, keys().size() - 1)];
}

std::int64_t some_int(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: return in.ConsumeIntegralInRange<std::int64_t>(-3, 20);
    case 1: return std::numeric_limits<std::int64_t>::max() - in.ConsumeIntegralInRange<std::int64_t>(0, 3);
    case 2: return std::numeric_limits<std::int64_t>::min() + in.ConsumeIntegralInRange<std::int64_t>(0, 3);
    default: return in.ConsumeIntegral<std::int64_t>();
  }
}

std::string some_text(FuzzedDataProvider& in) { return in.ConsumeRandomLengthString(256); }

tracing::AttributeValue some_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0: return in.ConsumeBool();
    case 1: return some_int(in);
    case 2: return in.ConsumeFloatingPoint<double>();
    case 3: return some_text(in);
    case 4: {
      std::vector<std::string> v(in.ConsumeIntegralInRange<std::size_t>(0, 4));
      for (auto& s : v) s = some_text(in);
      return v;
    }
    case 5: return std::vector<std::int64_t>{some_int(in), some_int(in)};
    case 6: return std::vector<double>{in.ConsumeFloatingPoint<double>()};
    default: return std::vector<bool>{in.ConsumeBool()};
  }
}

tracing::SpanId span_id(std::uint8_t n) {
  std::array<std::uint8_t, tracing::SpanId::size> bytes{};
  bytes.back() = n;
  return tracing::SpanId(bytes);
}

std::uint64_t some_time(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: return in.ConsumeIntegralInRange<std::uint64_t>(0, 100);
    case 1: return std::numeric_limits<std::uint64_t>::max() - in.ConsumeIntegralInRange<std::uint64_t>(0, 100);
    default: return in.ConsumeIntegral<std::uint64_t>();
  }
}

std::vector<tracing::SpanData> make_spans(FuzzedDataProvider& in) {
  std::array<std::uint8_t, tracing::TraceId::size> t1{};
  t1.back() = 1;
  std::array<std::uint8_t, tracing::TraceId::size> t2{};
  t2.back() = 2;
  std::vector<tracing::SpanData> spans(in.ConsumeIntegralInRange<std::size_t>(0, 48));
  for (auto& s : spans) {
    s.trace_id = tracing::TraceId(in.ConsumeIntegralInRange(0, 7) == 0 ? t2 : t1);
    s.span_id = span_id(in.ConsumeIntegralInRange<std::uint8_t>(1, 40));
    if (in.ConsumeIntegralInRange(0, 4) != 0) s.parent_span_id = span_id(in.ConsumeIntegralInRange<std::uint8_t>(1, 48));
    s.parent_remote = in.ConsumeIntegralInRange(0, 9) == 0;
    s.name = in.ConsumeIntegralInRange(0, 15) == 0 ? some_text(in)
                                                     : std::string(span_names[in.ConsumeIntegralInRange<std::size_t>(0, span_names.size() - 1)]);
    s.start_unix_ns = some_time(in);
    s.end_unix_ns = in.ConsumeIntegralInRange(0, 9) == 0 ? 0 : some_time(in);
    s.status.code = static_cast<tracing::StatusCode>(in.ConsumeIntegralInRange(0, 2));
    if (s.status.code == tracing::StatusCode::error) s.status.description = some_text(in);
    const auto attributes = in.ConsumeIntegralInRange<std::size_t>(0, 10);
    for (std::size_t i = 0; i < attributes; ++i) {
      tracing::Attribute a;
      a.key = some_key(in);
      a.value = some_value(in);
      s.attributes.push_back(std::move(a));
    }
    if (in.ConsumeIntegralInRange(0, 5) == 0) {
      tracing::Event e;
      e.name = std::string(schema::event::llm_attempt_failed);
      e.time_unix_ns = some_time(in);
      tracing::Attribute a;
      a.key = some_key(in);
      a.value = some_value(in);
      e.attributes.push_back(std::move(a));
      s.events.push_back(std::move(e));
    }
  }
  return spans;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = (fuzz::quiet_logs(), true);
  (void)quiet;
  FuzzedDataProvider in(data, size);
  const std::vector<tracing::SpanData> spans = make_spans(in);
  const std::vector<inspect::TraceView> views = inspect::build_trace_views(spans);
  for (const auto& view : views) {
    inspect::InspectRenderOptions options;
    options.only_new_messages = in.ConsumeBool();
    (void)inspect::render_summary(view, options);
    (void)inspect::render_messages(view, {}, 0, options);
    for (const auto& run : view.runs) {
      for (const auto& iteration : run.iterations) {
        (void)inspect::render_iteration(view, iteration.number, run.agent, options);
      }
    }
    (void)inspect::to_json(view).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  (void)tracing::render_tree(spans);
  (void)tracing::render_timeline(spans);
  return 0;
}
