// What the fuzz targets share: the input as text, and the writers every parsed trace goes back
// through (a span that a reader accepts must survive every encoder and renderer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/formats/chrome_trace.hpp"
#include "agentrace/formats/jaeger.hpp"
#include "agentrace/formats/jsonl.hpp"
#include "agentrace/formats/otlp_encoding.hpp"
#include "agentrace/tracing/log.hpp"
#include "agentrace/tracing/render.hpp"

namespace agentrace::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The library logs warnings about bad input; a fuzzer makes millions of them.
inline void quiet_logs() { tracing::logger()->set_level(spdlog::level::off); }

// Every encoding and renderer of spans, on spans a reader accepted. A span line written back
// must read again.
inline void write_everywhere(std::span<const tracing::SpanData> spans) {
  std::vector<const tracing::SpanData*> batch;
  batch.reserve(spans.size());
  for (const auto& s : spans) batch.push_back(&s);
  std::string out;
  formats::append_otlp_protobuf(batch, out);
  out.clear();
  formats::append_otlp_json(batch, out);
  (void)formats::from_otlp_json(out);
  out.clear();
  formats::append_jaeger_json(batch, out);
  out.clear();
  formats::append_chrome_trace_json(batch, out);
  for (const auto& s : spans) (void)formats::from_jsonl_line(formats::to_jsonl_line(s));
  (void)tracing::render_tree(spans);
  (void)tracing::render_timeline(spans);
}

}  // namespace agentrace::fuzz
