// The cassette reader (agent/cassette.hpp): a file's text read as Cassette::load reads it, the
// cassette written back and read again, and each recorded request compared with the next as
// `agentrace replay` compares a replayed request with its recording.
#include <stdexcept>

#include "agentrace/agent/cassette.hpp"
#include "agentrace/llm/replay.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  static const bool quiet = (fuzz::quiet_logs(), true);
  (void)quiet;
  // As Cassette::load: a file that is not JSON is an error before any field is read.
  const nlohmann::json j = nlohmann::json::parse(fuzz::text_of(data, size), nullptr, false);
  if (j.is_discarded()) return 0;
  agent::Cassette cassette;
  try {
    cassette = agent::Cassette::from_json(j);
  } catch (const std::invalid_argument&) {
    return 0;  // the documented error, naming the field
  }
  // As Cassette::save writes it.
  const std::string saved = cassette.to_json().dump(1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)agent::Cassette::from_json(nlohmann::json::parse(saved));
  for (std::size_t i = 0; i + 1 < cassette.calls.size(); ++i) {
    (void)llm::diff_requests(cassette.calls[i].call.request, cassette.calls[i + 1].call.request);
  }
  return 0;
}
