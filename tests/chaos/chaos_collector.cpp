#include "chaos/chaos_collector.hpp"

#include <array>
#include <utility>
#include <vector>

#include "chaos/chaos_random.hpp"
#include "support/otlp_receiver.hpp"

namespace agentrace::chaos {

using testing::ServerRequest;
using testing::ServerResponse;

std::string_view to_string(CollectorFault fault) noexcept {
  switch (fault) {
    case CollectorFault::none: return "none";
    case CollectorFault::partial_success: return "partial success";
    case CollectorFault::server_error: return "500";
    case CollectorFault::unavailable: return "503 Retry-After 0";
    case CollectorFault::rate_limited: return "429 Retry-After 0";
    case CollectorFault::slow: return "slow";
    case CollectorFault::garbage_body: return "200 with a garbage body";
    case CollectorFault::garbage_response: return "not HTTP";
    case CollectorFault::drop: return "connection closed";
    case CollectorFault::bad_request: return "400";
    case CollectorFault::undecodable: return "undecodable request";
  }
  return "?";
}

namespace {

constexpr std::array<std::pair<CollectorFault, double>, 9> fault_shares{{
    {CollectorFault::partial_success, 0.08},
    {CollectorFault::server_error, 0.06},
    {CollectorFault::unavailable, 0.08},
    {CollectorFault::rate_limited, 0.04},
    {CollectorFault::slow, 0.10},
    {CollectorFault::garbage_body, 0.04},
    {CollectorFault::garbage_response, 0.03},
    {CollectorFault::drop, 0.05},
    {CollectorFault::bad_request, 0.02},
}};

CollectorFault pick(double u) {
  for (const auto& [fault, share] : fault_shares) {
    if (u < share) return fault;
    u -= share;
  }
  return CollectorFault::none;
}

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

// ExportTraceServiceResponse { partial_success (1) { rejected_spans (1), error_message (2) } }.
std::string partial_success_body(std::uint64_t rejected, const std::string& message) {
  std::string inner;
  inner += '\x08';
  append_varint(inner, rejected);
  inner += '\x12';
  append_varint(inner, message.size());
  inner += message;
  std::string out = "\x0a";
  append_varint(out, inner.size());
  return out + inner;
}

ServerResponse protobuf(unsigned status, std::string body = {}) {
  return ServerResponse::text(std::move(body), status, "application/x-protobuf");
}

}  // namespace

ChaosCollector::ChaosCollector(std::uint64_t seed, std::chrono::milliseconds slow_max)
    : seed_(seed), rng_(mix(seed ^ 0x636f6c6c6563746fULL)), slow_max_(slow_max),
      server_([this](const ServerRequest& r) { return handle(r); }, [] {
        testing::ServerOptions o;
        o.keep_requests = false;
        return o;
      }()) {}

ChaosCollector::~ChaosCollector() { stop_outages(); }

void ChaosCollector::start_outages(std::uint64_t round) {
  stop_outages();
  {
    std::lock_guard lock(outage_mutex_);
    outage_stop_ = false;
  }
  outage_thread_ = std::thread([this, rng = std::mt19937_64(draw(seed_, 0x6f75746167657321ULL, round))]() mutable {
    std::unique_lock lock(outage_mutex_);
    for (bool down = false;; down = !down) {
      const auto pause = down ? std::uniform_int_distribution<int>(20, 150)(rng) : std::uniform_int_distribution<int>(30, 250)(rng);
      if (outage_wake_.wait_for(lock, std::chrono::milliseconds(pause), [&] { return outage_stop_; })) break;
      if (down) {
        server_.come_back();
      } else {
        server_.go_down();
        ++outages_;
      }
    }
    server_.come_back();
  });
}

void ChaosCollector::stop_outages() {
  {
    std::lock_guard lock(outage_mutex_);
    outage_stop_ = true;
  }
  outage_wake_.notify_all();
  if (outage_thread_.joinable()) outage_thread_.join();
}

std::size_t ChaosCollector::outages() const {
  std::lock_guard lock(outage_mutex_);
  return outages_;
}

std::set<std::string> ChaosCollector::take_accepted() {
  std::lock_guard lock(mutex_);
  return std::exchange(accepted_, {});
}

std::map<CollectorFault, std::size_t> ChaosCollector::faults() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

ServerResponse ChaosCollector::handle(const ServerRequest& request) {
  std::vector<testing::ReceivedSpan> spans;
  try {
    std::string body = request.body;
    if (request.header("Content-Encoding") == "gzip") body = testing::gunzip(body);
    spans = testing::decode_otlp_protobuf(body);
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    ++faults_[CollectorFault::undecodable];
    return ServerResponse::text(std::string("cannot decode: ") + e.what(), 400);
  }
  std::lock_guard lock(mutex_);
  const CollectorFault fault = pick(std::uniform_real_distribution<double>(0, 1)(rng_));
  ++faults_[fault];
  std::size_t rejected = 0;
  ServerResponse response = protobuf(200);
  switch (fault) {
    case CollectorFault::none:
    case CollectorFault::undecodable:
      break;
    case CollectorFault::partial_success:
      rejected = std::uniform_int_distribution<std::size_t>(1, std::max<std::size_t>(1, spans.size()))(rng_);
      rejected = std::min(rejected, spans.size());
      response = protobuf(200, partial_success_body(rejected, "chaos: " + std::to_string(rejected) + " span(s) rejected"));
      break;
    case CollectorFault::server_error:
      return ServerResponse::text("internal error", 500);
    case CollectorFault::unavailable:
      response = ServerResponse::text("unavailable", 503);
      response.headers.emplace_back("Retry-After", "0");
      return response;
    case CollectorFault::rate_limited:
      response = ServerResponse::text("slow down", 429);
      response.headers.emplace_back("Retry-After", "0");
      return response;
    case CollectorFault::slow:
      response.header_delay = std::chrono::milliseconds(
          std::uniform_int_distribution<std::int64_t>(1, std::max<std::int64_t>(1, slow_max_.count()))(rng_));
      break;
    case CollectorFault::garbage_body: {
      std::string garbage(24, '\0');
      for (char& c : garbage) c = static_cast<char>(rng_() & 0xff);
      response = protobuf(200, std::move(garbage));
      break;
    }
    case CollectorFault::garbage_response:
      response.raw = "SMTP ready\r\n\r\n\x01\x02 not http";
      return response;
    case CollectorFault::drop:
      response.drop = true;
      return response;
    case CollectorFault::bad_request:
      return ServerResponse::text("bad request", 400);
  }
  // Accepted: every span but the rejected ones (which ones a collector rejects is its own affair;
  // here the last ones).
  for (std::size_t i = 0; i + rejected < spans.size(); ++i) accepted_.insert(spans[i].span_id);
  return response;
}

}  // namespace agentrace::chaos
