// The URL parser (net/url.hpp), the model-string parser (llm/model_string.hpp) and Retry-After
// values (net/headers.hpp): the first byte chooses ('0', '1', '2'). A URL that parses must print as a URL that
// parses to the same parts.
#include <cstdlib>
#include <stdexcept>

#include "agentrace/llm/model_string.hpp"
#include "agentrace/net/headers.hpp"
#include "agentrace/net/url.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  if (size == 0) return 0;
  const std::string_view text = fuzz::text_of(data + 1, size - 1);
  switch (static_cast<unsigned char>(data[0] - '0') % 3) {
    case 0:
      try {
        const net::Url url = net::parse_url(text);
        (void)url.host_header();
        (void)url.origin();
        if (net::parse_url(url.to_string()) != url) std::abort();  // printed, it must read the same
      } catch (const net::UrlError&) {
      }
      break;
    case 1:
      try {
        (void)llm::parse_model_string(text);
      } catch (const std::invalid_argument&) {
      }
      break;
    default:
      (void)net::parse_retry_after(text, std::chrono::system_clock::time_point{});
      (void)net::parse_retry_after(text);
      break;
  }
  return 0;
}
