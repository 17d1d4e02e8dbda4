// A loopback OTLP/HTTP traces receiver for exporter tests, built on LoopbackHttpServer. It accepts
// application/x-protobuf and application/json bodies, gzip or not, and decodes them into
// comparable records: protobuf through the schema-less wire decoder (so field numbers are spelled
// out here, independently of the encoder), JSON through nlohmann. Responses can be scripted per
// request (faults included); spans count as delivered only from requests answered with a 2xx
// that was sent whole.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agentrace/tracing/span_data.hpp"
#include "support/loopback_http_server.hpp"

namespace agentrace::testing {

// Attribute values as typed text: "s:text", "b:true", "i:42", "d:<%.17g>", "a:[i:1,i:2]".
using AttributeMap = std::map<std::string, std::string>;

struct ReceivedEvent {
  std::string name;
  std::uint64_t time_unix_ns = 0;
  AttributeMap attributes;
  friend bool operator==(const ReceivedEvent&, const ReceivedEvent&) = default;
};

struct ReceivedLink {
  std::string trace_id;
  std::string span_id;
  AttributeMap attributes;
  friend bool operator==(const ReceivedLink&, const ReceivedLink&) = default;
};

struct ReceivedSpan {
  std::string trace_id;  // lowercase hex
  std::string span_id;
  std::string parent_span_id;  // "" for a root
  std::string name;
  int kind = 0;
  std::uint64_t start_unix_ns = 0;
  std::uint64_t end_unix_ns = 0;
  AttributeMap attributes;
  std::vector<ReceivedEvent> events;
  std::vector<ReceivedLink> links;
  int status_code = 0;
  std::string status_message;
  AttributeMap resource;
  std::string scope_name;
  friend bool operator==(const ReceivedSpan&, const ReceivedSpan&) = default;
};

// What a span should look like once received.
ReceivedSpan expected_record(const tracing::SpanData& span);
std::string attribute_text(const tracing::AttributeValue& value);

// Decoders (throw std::exception on malformed input).
std::vector<ReceivedSpan> decode_otlp_protobuf(std::string_view body);
std::vector<ReceivedSpan> decode_otlp_json(std::string_view body);
std::string gunzip(std::string_view data);

class OtlpReceiver {
 public:
  OtlpReceiver();
  // The next requests get these answers in order; afterwards 200 with an empty body.
  void script(std::vector<ServerResponse> responses);
  // The answer after the script runs out (default: 200, empty body).
  void set_default(ServerResponse response);

  [[nodiscard]] std::string url() const { return server_.url("/v1/traces"); }
  [[nodiscard]] std::uint16_t port() const { return server_.port(); }
  [[nodiscard]] std::size_t requests() const { return server_.requests_received(); }
  [[nodiscard]] std::vector<ServerRequest> raw_requests() const { return server_.requests(); }
  // Delivered spans, in arrival order.
  [[nodiscard]] std::vector<ReceivedSpan> spans() const;
  // Decoding errors and unexpected content types seen so far.
  [[nodiscard]] std::vector<std::string> errors() const;

 private:
  ServerResponse handle(const ServerRequest& request);

  mutable std::mutex mutex_;
  std::vector<ServerResponse> script_;
  std::size_t next_ = 0;
  ServerResponse default_{};
  std::vector<ReceivedSpan> spans_;
  std::vector<std::string> errors_;
  LoopbackHttpServer server_;  // last: stopped first
};

}  // namespace agentrace::testing
