// ChaosCollector: an OTLP/HTTP traces receiver on loopback (protobuf bodies, decoded) for the
// chaos soak, which at random answers as a collector in trouble does: 500, 503 or 429 (with a
// Retry-After), a 200 with a partial_success rejecting some spans, slowly (some answers after the
// exporter's timeout), a 200 whose body is garbage, bytes that are not HTTP, a dropped connection,
// a 400. Beside that, while outages run, it goes down (connections refused, open ones closed) and
// comes back on the same port at random moments.
//
// It keeps the ids of the spans it accepted: those of requests answered with a 2xx sent whole,
// minus the ones a partial_success said were rejected. An exporter counts a span exported only
// after such an answer, so every span it counts exported is here; the converse need not hold (an
// answer that came after the exporter gave up, a retry of a batch already received).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "support/loopback_http_server.hpp"

namespace agentrace::chaos {

enum class CollectorFault {
  none,              // 200, every span accepted
  partial_success,   // 200 with a partial_success rejecting some of the spans
  server_error,      // 500
  unavailable,       // 503, Retry-After: 0
  rate_limited,      // 429, Retry-After: 0
  slow,              // 200, late: from a little to past the exporter's timeout
  garbage_body,      // 200 whose body is random bytes
  garbage_response,  // bytes that are not HTTP, then the close
  drop,              // the connection closed without an answer
  bad_request,       // 400
  undecodable,       // (not drawn) a body this receiver could not decode: 400
};
std::string_view to_string(CollectorFault fault) noexcept;

class ChaosCollector {
 public:
  // `slow_max`: the longest delay of a slow answer.
  ChaosCollector(std::uint64_t seed, std::chrono::milliseconds slow_max);
  ~ChaosCollector();
  ChaosCollector(const ChaosCollector&) = delete;
  ChaosCollector& operator=(const ChaosCollector&) = delete;

  [[nodiscard]] std::string url() const { return server_.url("/v1/traces"); }
  [[nodiscard]] std::size_t open_connections() const noexcept { return server_.open_connections(); }

  // Goes down and comes back at random moments (up 30 to 250 ms, down 20 to 150 ms) on a thread
  // of its own until stop_outages(), which leaves the collector up.
  void start_outages(std::uint64_t round);
  void stop_outages();
  [[nodiscard]] std::size_t outages() const;

  // The accepted span ids (hex) so far, handed over and forgotten.
  std::set<std::string> take_accepted();
  [[nodiscard]] std::map<CollectorFault, std::size_t> faults() const;

 private:
  testing::ServerResponse handle(const testing::ServerRequest& request);

  std::uint64_t seed_;
  mutable std::mutex mutex_;
  std::mt19937_64 rng_;  // the server's thread only
  std::chrono::milliseconds slow_max_;
  std::set<std::string> accepted_;
  std::map<CollectorFault, std::size_t> faults_;

  mutable std::mutex outage_mutex_;
  std::condition_variable outage_wake_;
  bool outage_stop_ = false;
  std::size_t outages_ = 0;
  std::thread outage_thread_;

  testing::LoopbackHttpServer server_;  // last: stopped first
};

}  // namespace agentrace::chaos
