// The flags word of an OTLP Span and Link, which the writers compose and the reader takes apart:
// the W3C trace flags in bits 0-7 and, in bits 8 and 9, whether the parent (or the linked span)
// is remote, and that this is known.
#pragma once

#include <cstdint>

#include "agentrace/tracing/span_data.hpp"

namespace agentrace::formats::detail {

inline constexpr std::uint32_t otlp_flag_has_is_remote = 0x100;
inline constexpr std::uint32_t otlp_flag_is_remote = 0x200;

inline std::uint32_t otlp_span_flags(const tracing::SpanData& span) noexcept {
  return span.flags.value | otlp_flag_has_is_remote | (span.parent_remote ? otlp_flag_is_remote : 0u);
}

inline std::uint32_t otlp_link_flags(const tracing::Link& link) noexcept {
  return link.context.flags.value | otlp_flag_has_is_remote | (link.context.remote ? otlp_flag_is_remote : 0u);
}

}  // namespace agentrace::formats::detail
