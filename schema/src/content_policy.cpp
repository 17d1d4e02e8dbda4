// The content policy: what of a text a span may keep.
#include "agentrace/schema/content_policy.hpp"

#include "agentrace/base/utf8.hpp"
#include "agentrace/tracing/env.hpp"

namespace agentrace::schema {
namespace {

// The truncated form of `text` (longer than `max_bytes`), with its marker.
std::string truncated(std::string_view text, std::size_t max_bytes) {
  const std::size_t cut = base::utf8_prefix_length(text, max_bytes);
  std::string out(text.substr(0, cut));
  out += "...[truncated ";
  out += std::to_string(text.size() - cut);
  out += " bytes]";
  return out;
}

}  // namespace

ContentPolicy ContentPolicy::from_env() {
  ContentPolicy policy;
  if (auto mode = tracing::env_string("AGENTRACE_CAPTURE_CONTENT")) {
    if (*mode == "full") {
      policy.mode = ContentCapture::full;
    } else if (*mode == "truncated") {
      policy.mode = ContentCapture::truncated;
    } else if (*mode == "off") {
      policy.mode = ContentCapture::off;
    } else {
      tracing::warn_once("AGENTRACE_CAPTURE_CONTENT='" + *mode + "' is not full, truncated or off; using truncated");
    }
  }
  if (auto bytes = tracing::env_uint("AGENTRACE_CAPTURE_CONTENT_BYTES")) {
    if (*bytes > 0) {
      policy.max_bytes = static_cast<std::size_t>(*bytes);
    } else {
      tracing::warn_once("AGENTRACE_CAPTURE_CONTENT_BYTES must be positive; using " + std::to_string(policy.max_bytes));
    }
  }
  return policy;
}

std::optional<std::string> ContentPolicy::apply(std::string_view text) const {
  switch (mode) {
    case ContentCapture::off: return std::nullopt;
    case ContentCapture::full: return std::string(text);
    case ContentCapture::truncated: break;
  }
  if (text.size() <= max_bytes) return std::string(text);
  return truncated(text, max_bytes);
}

void ContentPolicy::record(tracing::Span& span, std::initializer_list<tracing::AttributeKey> keys,
                           std::string_view text) const {
  if (mode == ContentCapture::off || !span.is_recording()) return;
  std::string cut;
  if (mode == ContentCapture::truncated && text.size() > max_bytes) {
    cut = truncated(text, max_bytes);
    text = cut;
  }
  for (const auto& key : keys) span.set_attribute(key, text);
}

}  // namespace agentrace::schema
