// The JSON Lines trace reader (formats/jsonl.hpp): a whole file; each span it accepts written
// back through every encoding and renderer, and the spans read as `agentrace view` reads them
// (the inspection model, its text and JSON).
#include <sstream>

#include "agentrace/inspect/json.hpp"
#include "agentrace/inspect/model.hpp"
#include "agentrace/inspect/text.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  static const bool quiet = (fuzz::quiet_logs(), true);
  (void)quiet;
  std::istringstream in{std::string(fuzz::text_of(data, size))};
  const formats::JsonlReadResult result = formats::read_jsonl(in);
  fuzz::write_everywhere(result.spans);
  for (const auto& view : inspect::build_trace_views(result.spans)) {
    (void)inspect::render_summary(view);
    (void)inspect::render_messages(view);
    for (const auto& run : view.runs) {
      for (const auto& iteration : run.iterations) (void)inspect::render_iteration(view, iteration.number, run.agent);
    }
    (void)inspect::to_json(view).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
