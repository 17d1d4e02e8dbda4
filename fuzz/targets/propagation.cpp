// W3C trace context and baggage (tracing/propagation.hpp): traceparent, tracestate, both at once,
// baggage and percent-decoding; the first byte chooses ('0' to '4'). What parses must format to a header
// that parses to the same value.
#include <cstdlib>

#include "agentrace/tracing/propagation.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace::tracing;
  if (size == 0) return 0;
  const std::string_view text = agentrace::fuzz::text_of(data + 1, size - 1);
  switch (static_cast<unsigned char>(data[0] - '0') % 5) {
    case 0:
      if (auto context = parse_traceparent(text)) {
        const auto again = parse_traceparent(format_traceparent(*context));
        if (!again || again->trace_id != context->trace_id || again->span_id != context->span_id ||
            again->flags != context->flags) {
          std::abort();
        }
      }
      break;
    case 1:
      if (auto state = parse_tracestate(text)) {
        if (parse_tracestate(*state) != state) std::abort();
      }
      break;
    case 2: {
      const auto comma = text.find('\n');
      (void)extract_trace_context(text.substr(0, comma), comma == std::string_view::npos ? "" : text.substr(comma + 1));
      break;
    }
    case 3:
      if (auto baggage = Baggage::parse(text)) {
        if (Baggage::parse(baggage->format()) != baggage) std::abort();
      }
      break;
    default:
      if (auto decoded = percent_decode(text)) {
        if (percent_decode(percent_encode(*decoded, "")) != decoded) std::abort();
      }
      break;
  }
  return 0;
}
