// The lenient OTLP/JSON reader (formats/otlp_encoding.hpp): one request, and a file of one request
// per line; what it accepts is written back through every encoding and renderer.
#include <sstream>
#include <stdexcept>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  static const bool quiet = (fuzz::quiet_logs(), true);
  (void)quiet;
  const std::string_view text = fuzz::text_of(data, size);
  (void)formats::looks_like_otlp_json(text);
  try {
    const auto spans = formats::from_otlp_json(text);
    fuzz::write_everywhere(spans);
  } catch (const std::invalid_argument&) {
    // A clear error is what bad input gets.
  }
  std::istringstream in{std::string(text)};
  const formats::JsonlReadResult result = formats::read_otlp_json(in);
  fuzz::write_everywhere(result.spans);
  return 0;
}
