// One chat call to an OpenAI-compatible or Anthropic-compatible server, for
// tests/llm/aimock/aimock_check.mjs:
//
//   aimock_probe <base url> <model> <case> <stream|plain> [openai-compatible|anthropic-compatible]
//
// The client is made from the model string `<kind>:<base url>#<model>`, the kind
// openai-compatible unless given (as `agentrace demo --model` makes it; the key from
// OPENAI_API_KEY, or ANTHROPIC_API_KEY for anthropic-compatible, when set). The request is a
// system message, the user message "aimock probe: <case>" (the fixtures in fixtures/ match on
// it) and one tool, get_weather. Prints one JSON object on stdout and exits
//   0  {"client": ..., "response": <ChatResponse>, "streamed": [<text pieces>]}
//   1  {"client": ..., "error": {"kind", "status", "retry_after_ms", "message"}}  (an LlmError)
//   2  anything else (usage, a bad model string, another exception), with the reason on stderr.
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

#include "agentrace/llm/client.hpp"
#include "agentrace/llm/model_string.hpp"

namespace llm = agentrace::llm;

namespace {

llm::Json client_json(const llm::LlmClient& client) {
  llm::Json j{{"provider", client.provider()}, {"default_model", client.default_model()}, {"server", nullptr}};
  if (auto server = client.server()) j["server"] = {{"address", server->address}, {"port", server->port}};
  return j;
}

llm::ChatRequest probe_request(const std::string& model, const std::string& which) {
  llm::ChatRequest request;
  request.model = model;
  request.messages = {llm::Message::system("You are the aimock probe of agentrace's tests."),
                      llm::Message::user("aimock probe: " + which)};
  request.tools = {llm::ToolSchema{
      .name = "get_weather",
      .description = "The current weather in a city.",
      .parameters = {{"type", "object"},
                     {"properties",
                      {{"city", {{"type", "string"}, {"description", "the city's name"}}},
                       {"unit", {{"type", "string"}, {"enum", {"celsius", "fahrenheit"}}}}}},
                     {"required", {"city"}}}}};
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string kind = argc == 6 ? argv[5] : "openai-compatible";
  if ((argc != 5 && argc != 6) || (std::string(argv[4]) != "stream" && std::string(argv[4]) != "plain") ||
      (kind != "openai-compatible" && kind != "anthropic-compatible")) {
    std::fprintf(stderr,
                 "usage: aimock_probe <base url> <model> <case> <stream|plain> [openai-compatible|anthropic-compatible]\n");
    return 2;
  }
  const std::string base_url = argv[1];
  const std::string model = argv[2];
  const std::string which = argv[3];
  const bool stream = std::string(argv[4]) == "stream";

  try {
    llm::ModelClientOptions options;
    options.stream = stream;
    auto client = llm::make_llm_client(kind + ":" + base_url + "#" + model, options);
    llm::Json out{{"client", client_json(*client)}};

    // on_text runs on the client's I/O thread; complete_sync returns after the last piece.
    std::mutex mutex;
    std::vector<std::string> pieces;
    llm::CallOptions call;
    call.on_text = [&](std::string_view text) {
      std::lock_guard lock(mutex);
      pieces.emplace_back(text);
    };
    try {
      llm::ChatResponse response = client->complete_sync(probe_request(model, which), std::move(call));
      std::lock_guard lock(mutex);
      out["response"] = response;
      out["streamed"] = pieces;
      std::printf("%s\n", out.dump(2, ' ', false, llm::Json::error_handler_t::replace).c_str());
      return 0;
    } catch (const llm::LlmError& e) {
      std::lock_guard lock(mutex);
      out["error"] = {{"kind", std::string(llm::to_string(e.kind()))},
                      {"status", e.http_status()},
                      {"retry_after_ms", e.retry_after() ? llm::Json(e.retry_after()->count()) : llm::Json(nullptr)},
                      {"message", e.what()}};
      out["streamed"] = pieces;
      std::printf("%s\n", out.dump(2, ' ', false, llm::Json::error_handler_t::replace).c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aimock_probe: %s\n", e.what());
    return 2;
  }
}
