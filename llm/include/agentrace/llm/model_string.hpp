// Models named by one string, as `agentrace demo --model ...` and configuration files take them:
//
//   openai:gpt-4o-mini                              OPENAI_API_KEY (required), OPENAI_BASE_URL
//   anthropic:claude-sonnet-4-5                     ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL
//   openai-compatible:http://127.0.0.1:8080/v1#qwen2.5-7b     any chat-completions server; the key
//                                                   from OPENAI_API_KEY when set, else none
//   anthropic-compatible:http://127.0.0.1:9000#claude-x       a Messages API server, likewise with
//                                                   ANTHROPIC_API_KEY
//   scripted:path/to/script.json                    a ScriptedLlmClient (offline)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "agentrace/llm/client.hpp"
#include "agentrace/net/http_client.hpp"

namespace agentrace::llm {

struct ModelSpec {
  std::string kind;      // "openai", "anthropic", "openai-compatible", "anthropic-compatible", "scripted"
  std::string model;     // the model name ("" for scripted)
  std::string base_url;  // the -compatible forms only
  std::string path;      // scripted only: the script file
  friend bool operator==(const ModelSpec&, const ModelSpec&) = default;
};

// Throws std::invalid_argument naming the string and listing the accepted forms.
ModelSpec parse_model_string(std::string_view text);

struct ModelClientOptions {
  bool stream = false;        // stream replies (HTTP clients)
  net::ClientOptions http{};  // timeouts, CA files, ...
};

// The client for a model string, configured from the environment as listed above. Throws
// std::invalid_argument (bad string or URL) or LlmError(authentication) when a required key is
// missing, before any request is made.
std::shared_ptr<LlmClient> make_llm_client(std::string_view model_string, const ModelClientOptions& options = {});

}  // namespace agentrace::llm
