// The small built-in tools: final_answer, current_time, remember and recall. The calculator and
// the file tools live in their own files.
#include <chrono>
#include <ctime>
#include <string>

#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/typed_tool.hpp"

namespace agentrace::tools {

namespace {

constexpr std::int64_t max_recall_limit = 50;

// The store lives in the context, not in the tool, so one tool object can serve every agent and
// the Runner can hand each call its traced wrapper of the agent's own store.
memory::MemoryStore* store_of(ToolContext& context) noexcept { return context.memory; }

ToolResult no_store() { return ToolResult::error("this agent has no memory store", ToolErrorKind::execution); }

}  // namespace

ToolPtr make_final_answer_tool() {
  return make_tool(std::string(final_answer_name),
                   "Give the final answer to the task and end the run. Call it once, when the task is done.")
      .param<std::string>("answer", "the complete final answer, as the user should read it")
      .handler([](std::string answer) { return ToolResult::text(std::move(answer)); });
}

ToolPtr make_current_time_tool() {
  return make_tool("current_time", "Get the current date and time in UTC (ISO 8601) and as Unix seconds.")
      .handler([]() -> Json {
        const auto now = std::chrono::system_clock::now();
        const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char text[32];
        const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
        return {{"utc", std::string(text, length)}, {"unix", static_cast<std::int64_t>(seconds)}};
      });
}

ToolPtr make_remember_tool() {
  return make_tool("remember",
                   "Store a piece of text in long-term memory under a key, replacing what was stored under that key "
                   "before. Use recall to find it again later.")
      .param<std::string>("key", "a short unique name for the memory, e.g. \"user_timezone\"")
      .param<std::string>("text", "the text to remember")
      .handler([](const std::string& key, const std::string& text, ToolContext& context) -> ToolResult {
        memory::MemoryStore* store = store_of(context);
        if (store == nullptr) return no_store();
        if (key.empty()) throw ArgumentError("argument 'key' must not be empty");
        store->put(key, text);
        return ToolResult::text("remembered '" + key + "'");
      });
}

ToolPtr make_recall_tool() {
  return make_tool("recall",
                   "Search long-term memory by keywords. Returns the best matches as [{key, text, score}], best first "
                   "(higher scores are better); an empty list when nothing matches.")
      .param<std::string>("query", "keywords to search for")
      .optional_param<std::int64_t>("limit", "the maximum number of results, 1 to " + std::to_string(max_recall_limit) +
                                                 " (default 5)")
      .handler([](const std::string& query, std::optional<std::int64_t> limit, ToolContext& context) -> ToolResult {
        memory::MemoryStore* store = store_of(context);
        if (store == nullptr) return no_store();
        const std::int64_t n = limit.value_or(5);
        if (n < 1 || n > max_recall_limit) {
          throw ArgumentError("argument 'limit' must be between 1 and " + std::to_string(max_recall_limit) + ", got " +
                              std::to_string(n));
        }
        Json hits = Json::array();
        for (const auto& hit : store->search(query, static_cast<std::size_t>(n))) {
          hits.push_back({{"key", hit.entry.key}, {"text", hit.entry.text}, {"score", hit.score}});
        }
        return ToolResult::json(std::move(hits));
      });
}

}  // namespace agentrace::tools
