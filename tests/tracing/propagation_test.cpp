#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "agentrace/tracing/propagation.hpp"

using namespace agentrace::tracing;

namespace {

constexpr std::string_view trace_hex = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view span_hex = "00f067aa0ba902b7";

std::string traceparent(std::string_view version, std::string_view flags) {
  return std::string(version) + "-" + std::string(trace_hex) + "-" + std::string(span_hex) + "-" + std::string(flags);
}

std::string members(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += ',';
    out += "k" + std::to_string(i) + "=v";
  }
  return out;
}

}  // namespace

TEST_CASE("traceparent parses the W3C example into a remote context", "[tracing][propagation]") {
  auto context = parse_traceparent(traceparent("00", "01"));
  REQUIRE(context);
  CHECK(context->trace_id.hex() == trace_hex);
  CHECK(context->span_id.hex() == span_hex);
  CHECK(context->flags.value == 0x01);
  CHECK(context->sampled());
  CHECK(context->remote);
  CHECK(context->trace_state.empty());
  CHECK(context->valid());
}

TEST_CASE("traceparent round-trips valid version 00 headers", "[tracing][propagation]") {
  const std::vector<std::string> headers = {
      traceparent("00", "01"),
      traceparent("00", "00"),
      traceparent("00", "09"),  // unknown flag bits are carried
      traceparent("00", "ff"),
      "00-00000000000000000000000000000001-0000000000000001-01",
      "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-00",
  };
  for (const auto& header : headers) {
    INFO(header);
    auto context = parse_traceparent(header);
    REQUIRE(context);
    CHECK(format_traceparent(*context) == header);
  }
  CHECK_FALSE(parse_traceparent(traceparent("00", "00"))->sampled());
  CHECK(parse_traceparent(traceparent("00", "09"))->sampled());
}

TEST_CASE("traceparent accepts a future version and downgrades it to 00", "[tracing][propagation]") {
  const std::vector<std::string> headers = {
      traceparent("01", "01") + "-what-the-future-holds",
      traceparent("cc", "01"),  // exactly 55 characters: the flags end the string
      traceparent("fe", "01") + "-",
      // Later versions only promise hex, so the id fields are not held to lowercase.
      "01-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01-x",
  };
  for (const auto& header : headers) {
    INFO(header);
    auto context = parse_traceparent(header);
    REQUIRE(context);
    CHECK(context->remote);
    CHECK(format_traceparent(*context) == traceparent("00", "01"));
  }
  auto unsampled = parse_traceparent(traceparent("02", "00") + "-extra");
  REQUIRE(unsampled);
  CHECK_FALSE(unsampled->sampled());
}

TEST_CASE("traceparent rejects malformed headers whole", "[tracing][propagation]") {
  const std::string good = traceparent("00", "01");
  const std::vector<std::string> bad = {
      "",
      "00",
      good.substr(0, 54),                                               // one short
      good + "0",                                                       // one long
      good + "-",                                                       // version 00 takes no extra fields
      good + "-extra",                                                  // trailing garbage on 00
      " " + good,                                                       // leading whitespace
      good + " ",                                                       // trailing whitespace
      "\t" + good,                                                      // leading tab
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // uppercase trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",        // uppercase span id
      traceparent("00", "0A"),                                          // uppercase flags
      traceparent("0A", "01") + "-x",                                   // uppercase version
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",        // non-hex in trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",        // non-hex in span id
      traceparent("00", "0x"),                                          // non-hex in flags
      traceparent("0g", "01"),                                          // non-hex version
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // wrong first separator
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",        // wrong second separator
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",        // wrong third separator
      traceparent("ff", "01"),                                          // version ff is forbidden
      traceparent("ff", "01") + "-extra",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // all-zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // all-zero span id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",           // missing flags
      "00-4bf92f3577b34da6a3ce929d0e0e4736--01",                        // missing span id
      "00--00f067aa0ba902b7-01",                                        // missing trace id
      "-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",          // missing version
      "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",        // one-digit version
      "00-4bf92f3577b34da6a3ce929d0e0e47-3600f067aa0ba902b7-01",        // separators misplaced
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",         // one-digit flags
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-001",       // three-digit flags
      traceparent("01", "01") + "x",                                    // future version: no '-' after flags
      traceparent("01", "01").substr(0, 54),                            // future version shorter than 55
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g-x",      // future version, bad flags
      "01-00000000000000000000000000000000-00f067aa0ba902b7-01-x",      // future version, zero trace id
      std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0") + '\0',  // embedded NUL
  };
  REQUIRE(bad.size() >= 25);
  for (const auto& header : bad) {
    INFO("'" << header << "'");
    CHECK_FALSE(parse_traceparent(header));
  }
}

TEST_CASE("format_traceparent of an invalid context is empty", "[tracing][propagation]") {
  SpanContext context;
  CHECK(format_traceparent(context).empty());
  context.trace_id = *TraceId::from_hex(trace_hex);
  CHECK(format_traceparent(context).empty());  // span id still zero
  context.span_id = *SpanId::from_hex(span_hex);
  context.flags.value = TraceFlags::sampled_bit;
  CHECK(format_traceparent(context) == traceparent("00", "01"));
}

TEST_CASE("tracestate accepts valid lists and normalizes whitespace and empty members", "[tracing][propagation]") {
  CHECK(parse_tracestate("") == std::string());
  CHECK(parse_tracestate(" , ,\t") == std::string());
  CHECK(parse_tracestate("congo=t61rcWkgMzE") == "congo=t61rcWkgMzE");
  CHECK(parse_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE") == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  CHECK(parse_tracestate(" rojo=1 ,\t congo=2\t,,") == "rojo=1,congo=2");
  CHECK(parse_tracestate("a= leading space kept") == "a= leading space kept");
  CHECK(parse_tracestate("a_-*/0=x") == "a_-*/0=x");
  CHECK(parse_tracestate("0tenant@sys=v,tenant_-*/@s-*/_9=w") == "0tenant@sys=v,tenant_-*/@s-*/_9=w");
  CHECK(parse_tracestate("v=!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~") == "v=!\"#$%&'()*+-./:;<>?@[\\]^_`{|}~");
  CHECK(parse_tracestate(members(32)) == members(32));
  CHECK(parse_tracestate(members(32) + ",,,") == members(32));  // empty members do not count

  const std::string long_key = "a" + std::string(255, 'b');
  CHECK(parse_tracestate(long_key + "=v") == long_key + "=v");
  const std::string long_value(256, 'x');
  CHECK(parse_tracestate("k=" + long_value) == "k=" + long_value);
  const std::string long_tenant = "t" + std::string(240, '1');
  CHECK(parse_tracestate(long_tenant + "@abcdefghijklmn=v") == long_tenant + "@abcdefghijklmn=v");
}

TEST_CASE("tracestate rejects malformed lists whole", "[tracing][propagation]") {
  const std::vector<std::string> bad = {
      members(33),                              // more than 32 members
      "a=1,b=2,a=3",                            // duplicate key
      "t@s=1,t@s=2",                            // duplicate multi-tenant key
      "Congo=1",                                // uppercase key
      "1abc=1",                                 // simple key starting with a digit
      "_abc=1",                                 // simple key starting with '_'
      "a.b=1",                                  // '.' is not a key character
      "a" + std::string(256, 'b') + "=1",       // simple key of 257 characters
      "@sys=1",                                 // empty tenant
      "tenant@=1",                              // empty system
      "tenant@1sys=1",                          // system starting with a digit
      "tenant@Sys=1",                           // uppercase system
      "a@b@c=1",                                // two '@'
      "t" + std::string(241, 'a') + "@s=1",     // tenant of 242 characters
      "t@abcdefghijklmno=1",                    // system of 15 characters
      "=1",                                     // empty key
      "novalue",                                // no '='
      "a=",                                     // empty value
      "a=b=c",                                  // '=' in value
      "a=b\tc",                                 // tab in value
      "a=b\x7f",                                // DEL in value
      "a=caf\xc3\xa9",                          // non-ASCII in value
      "k=" + std::string(257, 'x'),             // value of 257 characters
      "a =1",                                   // whitespace between key and '='
      "a=1,b",                                  // one bad member spoils the list
  };
  for (const auto& header : bad) {
    INFO("'" << header << "'");
    CHECK_FALSE(parse_tracestate(header));
  }
}

TEST_CASE("extract_trace_context keeps a valid tracestate and discards a bad one", "[tracing][propagation]") {
  const std::string header = traceparent("00", "01");
  auto with_state = extract_trace_context(header, "rojo=1, congo=2");
  REQUIRE(with_state);
  CHECK(with_state->trace_state == "rojo=1,congo=2");
  CHECK(with_state->remote);

  auto bad_state = extract_trace_context(header, "Rojo=1");
  REQUIRE(bad_state);
  CHECK(bad_state->trace_state.empty());
  CHECK(bad_state->trace_id.hex() == trace_hex);

  CHECK_FALSE(extract_trace_context("00-garbage", "rojo=1"));
  CHECK_FALSE(extract_trace_context("", ""));
}

TEST_CASE("baggage parses members with whitespace, properties and escapes", "[tracing][propagation]") {
  auto baggage = Baggage::parse(" userId = alice , serverNode=DF%2028;region=eu ; prio , isProduction=false\t");
  REQUIRE(baggage);
  REQUIRE(baggage->entries().size() == 3);
  CHECK(baggage->entries()[0] == BaggageEntry{"userId", "alice", ""});
  CHECK(baggage->entries()[1] == BaggageEntry{"serverNode", "DF 28", "region=eu ; prio"});
  CHECK(baggage->entries()[2] == BaggageEntry{"isProduction", "false", ""});
  REQUIRE(baggage->get("serverNode"));
  CHECK(*baggage->get("serverNode") == "DF 28");
  CHECK(baggage->get("missing") == nullptr);
  CHECK(baggage->format() == "userId=alice,serverNode=DF%2028;region=eu ; prio,isProduction=false");
}

TEST_CASE("baggage round-trips canonical headers", "[tracing][propagation]") {
  const std::vector<std::string> headers = {
      "k=v",
      "k=",
      "a=1,b=2,c=3",
      "key1=value1;property1;property2=x,key2=value2",
      "!#$%&'*+-.^_`|~=!#$&'()*+-./:<=>?@[]^_`{|}~",
      "k=a%20b%2C%3B%25%C3%BC",
  };
  for (const auto& header : headers) {
    INFO(header);
    auto baggage = Baggage::parse(header);
    REQUIRE(baggage);
    CHECK(baggage->format() == header);
  }
}

TEST_CASE("baggage percent-encodes special characters in values", "[tracing][propagation]") {
  Baggage baggage;
  baggage.set("k", "a b,c;d%e\"f\\g\xc3\xbc");
  const std::string header = baggage.format();
  CHECK(header == "k=a%20b%2Cc%3Bd%25e%22f%5Cg%C3%BC");
  auto back = Baggage::parse(header);
  REQUIRE(back);
  CHECK(*back == baggage);
}

TEST_CASE("baggage set, get, replace and remove", "[tracing][propagation]") {
  Baggage baggage;
  CHECK(baggage.empty());
  baggage.set("a", "1").set("b", "2", "p=q");
  baggage.set("a", "3");  // replaces in place, keeping the order
  REQUIRE(baggage.entries().size() == 2);
  CHECK(baggage.entries()[0] == BaggageEntry{"a", "3", ""});
  CHECK(baggage.format() == "a=3,b=2;p=q");
  CHECK(baggage.remove("a"));
  CHECK_FALSE(baggage.remove("a"));
  CHECK(baggage.get("a") == nullptr);
  CHECK(baggage.format() == "b=2;p=q");

  // Entries that could never be propagated are not stored.
  baggage.set("bad key", "x").set("", "x").set("k", "v", ";;");
  CHECK(baggage.entries().size() == 1);
}

TEST_CASE("baggage keeps the last of duplicate keys", "[tracing][propagation]") {
  auto baggage = Baggage::parse("a=1,b=2,a=3");
  REQUIRE(baggage);
  CHECK(baggage->entries().size() == 2);
  CHECK(*baggage->get("a") == "3");
}

TEST_CASE("baggage treats an empty header as no baggage", "[tracing][propagation]") {
  auto baggage = Baggage::parse(" \t");
  REQUIRE(baggage);
  CHECK(baggage->empty());
  CHECK(baggage->format().empty());
}

TEST_CASE("baggage rejects malformed headers whole", "[tracing][propagation]") {
  const std::vector<std::string> bad = {
      "k",             // no '='
      "=v",            // empty key
      "k y=v",         // space in key
      "k@=v",          // '@' is not a token character
      "k=a b",         // space in value
      "k=a\"b",        // DQUOTE in value
      "k=a\\b",        // backslash in value
      "k=caf\xc3\xa9", // raw non-ASCII in value
      "k=%zz",         // bad escape
      "k=%4",          // truncated escape
      "k=abc%",        // truncated escape
      "a=1,,b=2",      // empty member
      "a=1,",          // trailing empty member
      "k=v;",          // empty property
      "k=v;=x",        // property without a key
      "k=v;p q",       // property key with a space
      "k=v;p=a b",     // property value with a space
      "a=1,k",         // one bad member spoils the header
  };
  for (const auto& header : bad) {
    INFO("'" << header << "'");
    CHECK_FALSE(Baggage::parse(header));
  }
}

TEST_CASE("baggage replaces escaped bytes that are not UTF-8 with U+FFFD", "[tracing][propagation]") {
  auto baggage = Baggage::parse("a=%FF,b=x%C3,c=%E2%82%AC,d=%ED%A0%80");
  REQUIRE(baggage);
  CHECK(*baggage->get("a") == "\xEF\xBF\xBD");
  CHECK(*baggage->get("b") == "x\xEF\xBF\xBD");
  CHECK(*baggage->get("c") == "\xE2\x82\xAC");  // the euro sign is valid
  CHECK(*baggage->get("d") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate is not
}

TEST_CASE("baggage enforces its limits", "[tracing][propagation]") {
  CHECK(Baggage::parse(members(Baggage::max_entries)));
  CHECK_FALSE(Baggage::parse(members(Baggage::max_entries + 1)));

  const std::string at_limit = "k=" + std::string(Baggage::max_bytes - 2, 'x');
  CHECK(Baggage::parse(at_limit));
  CHECK_FALSE(Baggage::parse(at_limit + "x"));

  SECTION("format drops whole members past max_entries") {
    Baggage many;
    for (std::size_t i = 0; i < Baggage::max_entries + 20; ++i) many.set("k" + std::to_string(i), "v");
    auto back = Baggage::parse(many.format());
    REQUIRE(back);
    CHECK(back->entries().size() == Baggage::max_entries);
  }
  SECTION("format drops whole members past max_bytes") {
    Baggage big;
    big.set("a", std::string(5000, 'x')).set("b", std::string(5000, 'y')).set("c", "small");
    const std::string header = big.format();
    CHECK(header.size() <= Baggage::max_bytes);
    auto back = Baggage::parse(header);
    REQUIRE(back);
    CHECK(back->entries().size() == 2);
    CHECK(*back->get("a") == std::string(5000, 'x'));
    CHECK(back->get("b") == nullptr);
    CHECK(*back->get("c") == "small");
  }
}

TEST_CASE("percent_encode keeps unreserved and chosen characters", "[tracing][propagation]") {
  CHECK(percent_encode("AZaz09-._~", "") == "AZaz09-._~");
  CHECK(percent_encode("a b", "") == "a%20b");
  CHECK(percent_encode("a,b;c", ",") == "a,b%3Bc");
  CHECK(percent_encode("100%", "%") == "100%25");  // '%' is always escaped
  CHECK(percent_encode("\xc3\xbc\n", "") == "%C3%BC%0A");
  CHECK(percent_encode("", "") == "");
}

TEST_CASE("percent_decode decodes escapes and rejects bad ones", "[tracing][propagation]") {
  CHECK(percent_decode("a%20b") == "a b");
  CHECK(percent_decode("%c3%BC") == "\xc3\xbc");
  CHECK(percent_decode("a+b") == "a+b");  // not form encoding
  CHECK(percent_decode("%00") == std::string(1, '\0'));
  CHECK(percent_decode("") == "");
  for (std::string_view bad : {"%", "%2", "a%", "%zz", "%2g", "%%", "%-1"}) {
    INFO(bad);
    CHECK_FALSE(percent_decode(bad));
  }
  const std::string all_bytes = [] {
    std::string s;
    for (int c = 0; c < 256; ++c) s.push_back(static_cast<char>(c));
    return s;
  }();
  CHECK(percent_decode(percent_encode(all_bytes, "!*'();:@&=+$,/?#[]")) == all_bytes);
}
