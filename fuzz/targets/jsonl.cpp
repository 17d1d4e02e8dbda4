// The JSON Lines trace reader (formats/jsonl.hpp): a whole file, then each span it accepted
// written back through every encoding and renderer.
#include <sstream>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  static const bool quiet = (fuzz::quiet_logs(), true);
  (void)quiet;
  std::istringstream in{std::string(fuzz::text_of(data, size))};
  const formats::JsonlReadResult result = formats::read_jsonl(in);
  fuzz::write_everywhere(result.spans);
  return 0;
}
