#include "agentrace/llm/model_string.hpp"

#include <stdexcept>

#include "agentrace/llm/anthropic.hpp"
#include "agentrace/llm/openai.hpp"
#include "agentrace/llm/scripted.hpp"
#include "agentrace/net/url.hpp"
#include "http_transport.hpp"

namespace agentrace::llm {

namespace {

constexpr std::string_view accepted_forms =
    "openai:<model>, anthropic:<model>, openai-compatible:<base url>#<model>, "
    "anthropic-compatible:<base url>#<model> or scripted:<script.json>";

[[noreturn]] void bad(std::string_view text, const std::string& why) {
  throw std::invalid_argument("model \"" + net::without_credentials(text) + "\": " + why + " (accepted: " + std::string(accepted_forms) +
                              ")");
}

}  // namespace

ModelSpec parse_model_string(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) bad(text, "no provider prefix");
  ModelSpec spec;
  spec.kind = std::string(text.substr(0, colon));
  const std::string_view rest = text.substr(colon + 1);
  if (spec.kind == "openai" || spec.kind == "anthropic") {
    if (rest.empty()) bad(text, "no model name after \"" + spec.kind + ":\"");
    if (rest.find("://") != std::string_view::npos) {
      bad(text, "a URL needs the " + spec.kind + "-compatible: form, with the model after '#'");
    }
    spec.model = std::string(rest);
    return spec;
  }
  if (spec.kind == "openai-compatible" || spec.kind == "anthropic-compatible") {
    const auto hash = rest.rfind('#');
    if (hash == std::string_view::npos) bad(text, "no model: write the model after the URL, as <url>#<model>");
    spec.base_url = std::string(rest.substr(0, hash));
    spec.model = std::string(rest.substr(hash + 1));
    if (spec.model.empty()) bad(text, "the model after '#' is empty");
    if (spec.base_url.empty()) bad(text, "no base URL before '#'");
    try {
      (void)detail::parse_base_url(spec.base_url, "the base URL");
    } catch (const std::invalid_argument& e) {
      bad(text, e.what());
    }
    return spec;
  }
  if (spec.kind == "scripted") {
    if (rest.empty()) bad(text, "no script file after \"scripted:\"");
    spec.path = std::string(rest);
    return spec;
  }
  bad(text, "unknown provider \"" + spec.kind + "\"");
}

namespace {

// Both HTTP clients take the same settings from a model string, over their from_env() defaults.
template <class Client, class Options>
std::shared_ptr<LlmClient> http_client(const ModelSpec& spec, const ModelClientOptions& options) {
  Options o = Options::from_env();
  o.model = spec.model;
  o.stream = options.stream;
  o.http = options.http;
  if (spec.kind.ends_with("-compatible")) {
    o.base_url = spec.base_url;
    o.require_api_key = false;
  }
  return std::make_shared<Client>(std::move(o));
}

}  // namespace

std::shared_ptr<LlmClient> make_llm_client(std::string_view model_string, const ModelClientOptions& options) {
  const ModelSpec spec = parse_model_string(model_string);
  if (spec.kind == "scripted") return ScriptedLlmClient::from_file(spec.path);
  if (spec.kind.starts_with("openai")) return http_client<OpenAiClient, OpenAiOptions>(spec, options);
  return http_client<AnthropicClient, AnthropicOptions>(spec, options);
}

}  // namespace agentrace::llm
