// What a recycled span record's attribute list keeps for the next span, and how much that is.
// The span pool's part of Attributes: the public class only promises that clear() keeps its
// element objects; the bounds on what is kept live here.
#pragma once

#include <cstddef>

#include "agentrace/tracing/attributes.hpp"

namespace agentrace::tracing::detail {

struct AttributesReuse {
  // clear() for a list that will be reused, bounding what it keeps: the element objects stay
  // (up to `max_elements`, else everything is freed), and string buffers while they hold no more
  // than `max_string_bytes` in all; further strings and all arrays are freed.
  static void clear_for_reuse(Attributes& list, std::size_t max_elements, std::size_t max_string_bytes) noexcept;
  // Heap bytes held by keys and string values, kept elements included (arrays count as large):
  // a measure of what a recycled list holds on to.
  [[nodiscard]] static std::size_t retained_bytes(const Attributes& list) noexcept;
  // Frees the kept elements too.
  static void release_memory(Attributes& list) noexcept;
};

}  // namespace agentrace::tracing::detail
