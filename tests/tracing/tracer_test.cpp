#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <thread>

#include "agentrace/tracing/tracer.hpp"
#include "agentrace/tracing/in_memory_exporter.hpp"
#include "sample_spans.hpp"
#include "support/test_support.hpp"

using namespace agentrace::tracing;
using agentrace::testing::InMemoryTracing;
using agentrace::testing::only_span;
using agentrace::testing::ScopedEnv;

TEST_CASE("ids are random, valid, lowercase hex and round trip", "[tracing][ids]") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const TraceId t = TraceId::random();
    const SpanId s = SpanId::random();
    REQUIRE(t.valid());
    REQUIRE(s.valid());
    const std::string hex = t.hex();
    REQUIRE(hex.size() == 32);
    REQUIRE(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
    REQUIRE(TraceId::from_hex(hex) == t);
    REQUIRE(SpanId::from_hex(s.hex()) == s);
    seen.insert(hex);
  }
  CHECK(seen.size() == 1000);
  CHECK_FALSE(TraceId::from_hex("00000000000000000000000000000000"));
  CHECK_FALSE(TraceId::from_hex("0af7651916cd43dd8448eb211c80319"));    // 31 digits
  CHECK_FALSE(TraceId::from_hex("0af7651916cd43dd8448eb211c80319g"));   // not hex
  CHECK_FALSE(SpanId::from_hex("0000000000000000"));
  CHECK(SpanId::from_hex("B7AD6B7169203331")->hex() == "b7ad6b7169203331");  // readers are lenient
}

TEST_CASE("ids differ across threads", "[tracing][ids]") {
  std::vector<TraceId> a(200), b(200);
  std::thread t1([&] { for (auto& id : a) id = TraceId::random(); });
  std::thread t2([&] { for (auto& id : b) id = TraceId::random(); });
  t1.join();
  t2.join();
  std::set<TraceId> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  CHECK(all.size() == 400);
}

TEST_CASE("children take their parent's trace id and span id as parent", "[tracing][tracer]") {
  InMemoryTracing t;
  {
    Span root = t.tracer.start_span("root");
    Span explicit_child = t.tracer.start_span("explicit", {.parent = root});
    Span by_context = t.tracer.start_span("by-context", Parent(root.context()));
    {
      Scope scope(root);
      Span current_child = t.tracer.start_span("current");
      Span new_root = t.tracer.start_span("forced-root", Parent::none());
    }
    Span after_scope = t.tracer.start_span("after-scope");
  }
  const auto spans = t.spans();
  REQUIRE(spans.size() == 6);
  const auto& root = only_span(spans, "root");
  CHECK(root.is_root());
  for (const char* name : {"explicit", "by-context", "current"}) {
    const auto& child = only_span(spans, name);
    CHECK(child.trace_id == root.trace_id);
    CHECK(child.parent_span_id == root.span_id);
    CHECK(child.span_id != root.span_id);
  }
  CHECK(only_span(spans, "forced-root").is_root());
  CHECK(only_span(spans, "forced-root").trace_id != root.trace_id);
  CHECK(only_span(spans, "after-scope").is_root());  // the scope was restored
}

TEST_CASE("a Parent made from a temporary context keeps it until the span starts", "[tracing][tracer]") {
  // SpanOptions o{.parent = make_context()} used to keep a pointer to the dead temporary
  // (stack-use-after-scope under ASan); the parent context is now held by value.
  InMemoryTracing t;
  const auto make_context = [] {
    return SpanContext{*TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736"), *SpanId::from_hex("00f067aa0ba902b7"),
                       TraceFlags{1}, true, "vendor=" + std::string(40, 'v')};  // a heap-allocated trace state
  };
  SpanOptions o{.parent = make_context()};
  { Span s = t.tracer.start_span("child", o); }
  const auto spans = t.spans();
  const auto& child = only_span(spans, "child");
  CHECK(child.trace_id.hex() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(child.parent_span_id.hex() == "00f067aa0ba902b7");
  CHECK(child.trace_state == "vendor=" + std::string(40, 'v'));
}

TEST_CASE("a remote parent is recorded as remote and keeps its trace state", "[tracing][tracer]") {
  InMemoryTracing t;
  SpanContext remote{*TraceId::from_hex("0af7651916cd43dd8448eb211c80319c"), *SpanId::from_hex("b7ad6b7169203331"),
                     TraceFlags{1}, true, "vendor=abc"};
  { Span s = t.tracer.start_span("server", {.parent = remote, .kind = SpanKind::server}); }
  const auto all_spans = t.spans();
  const auto& s = only_span(all_spans, "server");
  CHECK(s.trace_id == remote.trace_id);
  CHECK(s.parent_span_id == remote.span_id);
  CHECK(s.parent_remote);
  CHECK(s.trace_state == "vendor=abc");
  CHECK(s.kind == SpanKind::server);
}

TEST_CASE("the span ends on destruction, end is idempotent, times never go backwards", "[tracing][tracer]") {
  InMemoryTracing t;
  {
    Span s = t.tracer.start_span("once");
    s.end();
    s.end();
    s.set_attribute("after", 1);  // ignored: the span has ended
    CHECK_FALSE(s.is_recording());
    CHECK(s.context().valid());
  }
  {
    Span moved_from = t.tracer.start_span("moved");
    Span target = std::move(moved_from);
    CHECK_FALSE(moved_from.is_recording());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  }
  {
    Span s = t.tracer.start_span("explicit-times", {.start_unix_ns = 2'000});
    s.end(1'000);  // before the start: clamped
  }
  const auto spans = t.spans();
  REQUIRE(spans.size() == 3);
  CHECK(only_span(spans, "once").attribute("after") == nullptr);
  const auto& clamped = only_span(spans, "explicit-times");
  CHECK(clamped.start_unix_ns == 2'000);
  CHECK(clamped.end_unix_ns == 2'000);
  for (const auto& s : spans) CHECK(s.end_unix_ns >= s.start_unix_ns);
}

TEST_CASE("a span ends when an exception unwinds its scope", "[tracing][tracer]") {
  InMemoryTracing t;
  try {
    Span s = t.tracer.start_span("throws");
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  const auto all_spans = t.spans();
  const auto& s = only_span(all_spans, "throws");
  CHECK(s.ended());
}

TEST_CASE("traced() records the exception, sets error status and rethrows", "[tracing][tracer]") {
  InMemoryTracing t;
  CHECK_THROWS_AS(traced(t.tracer, "work", [] { throw std::invalid_argument("bad input"); }), std::invalid_argument);
  const int value = traced(t.tracer, "value", [&](Span& span) {
    span.set_attribute("inner", true);
    Span child = t.tracer.start_span("child");  // current while fn runs
    return 42;
  });
  CHECK(value == 42);
  const auto spans = t.spans();
  const auto& work = only_span(spans, "work");
  CHECK(work.status.code == StatusCode::error);
  CHECK(work.status.description == "bad input");
  REQUIRE(work.events.size() == 1);
  CHECK(work.events[0].name == "exception");
  CHECK(*find_attribute_as<std::string>(work.events[0].attributes, "exception.type") == "std::invalid_argument");
  CHECK(*find_attribute_as<std::string>(work.events[0].attributes, "exception.message") == "bad input");
  CHECK(*find_attribute_as<bool>(work.events[0].attributes, "exception.escaped"));
  CHECK(only_span(spans, "child").parent_span_id == only_span(spans, "value").span_id);
  CHECK(only_span(spans, "value").status.code == StatusCode::unset);
}

TEST_CASE("status precedence follows the specification", "[tracing][tracer]") {
  InMemoryTracing t;
  {
    Span s = t.tracer.start_span("error-then-ok");
    s.set_status(StatusCode::error, "first");
    s.set_status(StatusCode::ok, "ignored description");
    s.set_status(StatusCode::error, "after ok");  // ok is final
  }
  {
    Span s = t.tracer.start_span("error-then-unset");
    s.set_status(StatusCode::error, "kept");
    s.set_status(StatusCode::unset);  // ignored
  }
  {
    Span s = t.tracer.start_span("error-twice");
    s.set_status(StatusCode::error, "one");
    s.set_status(StatusCode::error, "two");
  }
  const auto spans = t.spans();
  CHECK(only_span(spans, "error-then-ok").status == Status{StatusCode::ok, ""});
  CHECK(only_span(spans, "error-then-unset").status == Status{StatusCode::error, "kept"});
  CHECK(only_span(spans, "error-twice").status == Status{StatusCode::error, "two"});
}

TEST_CASE("typed attributes: every type, replacement of a key", "[tracing][tracer]") {
  InMemoryTracing t;
  {
    Span s = t.tracer.start_span("attrs");
    s.set_attribute("b", true)
        .set_attribute("i", 7)
        .set_attribute("u", std::uint16_t{9})
        .set_attribute("d", 0.5)
        .set_attribute("c", "literal")
        .set_attribute("s", std::string("owned"))
        .set_attribute("ai", std::vector<std::int64_t>{1, 2})
        .set_attribute("as", std::vector<std::string>{"x", "y"})
        .set_attribute("ad", std::vector<double>{1.5})
        .set_attribute("ab", std::vector<bool>{true, false})
        .set_attribute("i", 8);
  }
  const auto all_spans = t.spans();
  const auto& s = only_span(all_spans, "attrs");
  CHECK(s.attributes.size() == 10);
  CHECK(*find_attribute_as<bool>(s.attributes, "b"));
  CHECK(*find_attribute_as<std::int64_t>(s.attributes, "i") == 8);
  CHECK(*find_attribute_as<std::int64_t>(s.attributes, "u") == 9);
  CHECK(*find_attribute_as<double>(s.attributes, "d") == 0.5);
  CHECK(*find_attribute_as<std::string>(s.attributes, "c") == "literal");
  CHECK(*find_attribute_as<std::string>(s.attributes, "s") == "owned");
  CHECK(find_attribute_as<std::vector<std::int64_t>>(s.attributes, "ai")->size() == 2);
  CHECK(find_attribute_as<std::vector<std::string>>(s.attributes, "as")->at(1) == "y");
  CHECK(find_attribute_as<std::vector<bool>>(s.attributes, "ab")->at(1) == false);
}

TEST_CASE("span limits drop and count, and truncate values", "[tracing][tracer][limits]") {
  SpanLimits limits;
  limits.attribute_count = 3;
  limits.attribute_value_length = 4;
  limits.event_count = 2;
  limits.link_count = 1;
  limits.attributes_per_event = 1;
  limits.attributes_per_link = 1;
  InMemoryTracing t(TracerProviderOptions{.limits = limits});
  {
    Span s = t.tracer.start_span("limited");
    for (int i = 0; i < 5; ++i) s.set_attribute("k" + std::to_string(i), i);
    s.set_attribute("k0", "abcdefgh");  // replacing an existing key is not a drop
    s.set_attribute("k1", std::vector<std::string>{"123456", "ab"});
    for (int i = 0; i < 4; ++i) s.add_event("e", {{"x", 1}, {"y", 2}});
    const SpanContext other{TraceId::random(), SpanId::random(), TraceFlags{1}, false, {}};
    s.add_link(other, {{"a", 1}, {"b", 2}, {"c", 3}});
    s.add_link(other);
  }
  const auto all_spans = t.spans();
  const auto& s = only_span(all_spans, "limited");
  CHECK(s.attributes.size() == 3);
  CHECK(s.dropped_attributes_count == 2);
  CHECK(*find_attribute_as<std::string>(s.attributes, "k0") == "abcd");
  CHECK(*find_attribute_as<std::vector<std::string>>(s.attributes, "k1") == std::vector<std::string>{"1234", "ab"});
  CHECK(s.events.size() == 2);
  CHECK(s.dropped_events_count == 2);
  CHECK(s.events[0].attributes.size() == 1);
  CHECK(s.events[0].dropped_attributes_count == 1);
  CHECK(s.links.size() == 1);
  CHECK(s.dropped_links_count == 1);
  CHECK(s.links[0].dropped_attributes_count == 2);
}

TEST_CASE("span limits default to the specification's values and read the environment", "[tracing][limits]") {
  const SpanLimits defaults;
  CHECK(defaults.attribute_count == 128);
  CHECK(defaults.event_count == 128);
  CHECK(defaults.link_count == 128);
  CHECK(defaults.attribute_value_length == SpanLimits::unlimited);

  ScopedEnv a("OTEL_ATTRIBUTE_COUNT_LIMIT", "10");
  ScopedEnv b("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64");
  ScopedEnv c("OTEL_SPAN_EVENT_COUNT_LIMIT", "not-a-number");
  ScopedEnv d("OTEL_SPAN_LINK_COUNT_LIMIT", "");
  const SpanLimits env = SpanLimits::from_env();
  CHECK(env.attribute_count == 10);
  CHECK(env.attribute_value_length == 64);
  CHECK(env.event_count == 128);  // invalid: default kept
  CHECK(env.link_count == 128);   // empty counts as unset
}

TEST_CASE("events carry their own time and attributes", "[tracing][tracer]") {
  InMemoryTracing t;
  {
    Span s = t.tracer.start_span("events");
    s.add_event("checkpoint", {{"n", 1}}, 12345);
    s.add_event("now");
    s.record_exception("my::error", "went wrong");
  }
  const auto all_spans = t.spans();
  const auto& s = only_span(all_spans, "events");
  REQUIRE(s.events.size() == 3);
  CHECK(s.events[0].time_unix_ns == 12345);
  CHECK(s.events[1].time_unix_ns >= s.start_unix_ns);
  CHECK(s.events[2].name == "exception");
  CHECK(find_attribute(s.events[2].attributes, "exception.escaped") == nullptr);
}

TEST_CASE("resource and scope travel with every span", "[tracing][tracer]") {
  Resource resource;
  resource.attributes.emplace_back("service.name", "tests");
  InMemoryTracing t(TracerProviderOptions{.resource = resource});
  Tracer tracer = t.provider->tracer("my.scope", "1.2.3");
  { Span s = tracer.start_span("scoped"); }
  const auto all_spans = t.spans();
  const auto& s = only_span(all_spans, "scoped");
  CHECK(s.scope().name == "my.scope");
  CHECK(s.scope().version == "1.2.3");
  CHECK(*find_attribute_as<std::string>(s.resource().attributes, "service.name") == "tests");
}

TEST_CASE("the default resource follows OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES", "[tracing][resource]") {
  {
    ScopedEnv a("OTEL_SERVICE_NAME", nullptr);
    ScopedEnv b("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,deployment.environment=dev%20box,broken");
    const Resource r = default_resource();
    CHECK(*find_attribute_as<std::string>(r.attributes, "service.name") == "from-attrs");
    CHECK(*find_attribute_as<std::string>(r.attributes, "deployment.environment") == "dev box");
    CHECK(*find_attribute_as<std::string>(r.attributes, "telemetry.sdk.name") == "agentrace");
    CHECK(*find_attribute_as<std::string>(r.attributes, "telemetry.sdk.language") == "cpp");
  }
  {
    ScopedEnv a("OTEL_SERVICE_NAME", "wins");
    ScopedEnv b("OTEL_RESOURCE_ATTRIBUTES", "service.name=loses");
    CHECK(*find_attribute_as<std::string>(default_resource().attributes, "service.name") == "wins");
  }
  {
    ScopedEnv a("OTEL_SERVICE_NAME", "");
    ScopedEnv b("OTEL_RESOURCE_ATTRIBUTES", nullptr);
    const Resource r = default_resource();
    const auto* name = find_attribute_as<std::string>(r.attributes, "service.name");
    REQUIRE(name != nullptr);
    CHECK(name->rfind("unknown_service", 0) == 0);
  }
}

TEST_CASE("tracing off: inert spans, no export", "[tracing][tracer][disabled]") {
  SECTION("no processor") {
    TracerProvider provider;
    Tracer tracer = provider.tracer();
    CHECK_FALSE(tracer.enabled());
    Span s = tracer.start_span("nothing");
    CHECK_FALSE(s.is_recording());
    CHECK_FALSE(s.context().valid());
    s.set_attribute("k", 1).add_event("e").set_status(StatusCode::error, "x");
  }
  SECTION("enabled = false") {
    InMemoryTracing t(TracerProviderOptions{.enabled = false});
    { Span s = t.tracer.start_span("nothing"); }
    CHECK(t.storage->size() == 0);
  }
  SECTION("OTEL_SDK_DISABLED=true") {
    ScopedEnv env("OTEL_SDK_DISABLED", "TRUE");
    CHECK(sdk_disabled_by_env());
    auto exporter = std::make_unique<InMemoryExporter>();
    auto storage = exporter->storage();
    auto provider = TracerProvider::from_env(make_simple_processor(std::move(exporter)));
    { Span s = provider->tracer().start_span("nothing"); }
    CHECK(storage->size() == 0);
  }
  SECTION("a default-constructed tracer") {
    Tracer tracer;
    CHECK_FALSE(tracer.start_span("x").is_recording());
  }
}

TEST_CASE("sampled-out spans propagate an unsampled context and are not exported", "[tracing][tracer][sampler]") {
  InMemoryTracing t(TracerProviderOptions{.sampler = make_always_off_sampler()});
  {
    Span root = t.tracer.start_span("root");
    CHECK_FALSE(root.is_recording());
    CHECK(root.context().valid());
    CHECK_FALSE(root.context().sampled());
    Span child = t.tracer.start_span("child", {.parent = root});
    CHECK(child.context().trace_id == root.context().trace_id);
  }
  CHECK(t.storage->size() == 0);
}

TEST_CASE("the default sampler follows a remote parent's decision", "[tracing][tracer][sampler]") {
  InMemoryTracing t;
  SpanContext unsampled{TraceId::random(), SpanId::random(), TraceFlags{0}, true, {}};
  SpanContext sampled{TraceId::random(), SpanId::random(), TraceFlags{1}, true, {}};
  { Span s = t.tracer.start_span("dropped", {.parent = unsampled}); }
  { Span s = t.tracer.start_span("kept", {.parent = sampled}); }
  const auto spans = t.spans();
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].name == "kept");
  CHECK(spans[0].flags.sampled());
}

TEST_CASE("the global provider is a no-op until set", "[tracing][tracer]") {
  CHECK_FALSE(global_tracer().enabled());
  InMemoryTracing t;
  set_global_provider(t.provider);
  CHECK(traced("global", [] { return 1; }) == 1);
  set_global_provider(nullptr);
  CHECK_FALSE(global_tracer().enabled());
  const auto all_spans = t.spans();
  CHECK(only_span(all_spans, "global").ended());
}

TEST_CASE("the multi processor hands every span to each processor", "[tracing][processor]") {
  auto e1 = std::make_unique<InMemoryExporter>();
  auto e2 = std::make_unique<InMemoryExporter>();
  auto s1 = e1->storage();
  auto s2 = e2->storage();
  std::vector<std::unique_ptr<SpanProcessor>> processors;
  processors.push_back(make_simple_processor(std::move(e1)));
  processors.push_back(make_simple_processor(std::move(e2)));
  TracerProvider provider(TracerProviderOptions{.processor = make_multi_processor(std::move(processors))});
  { Span s = provider.tracer().start_span("fan-out"); }
  CHECK(provider.force_flush());
  CHECK(provider.shutdown());
  CHECK(provider.shutdown());  // idempotent
  REQUIRE(s1->size() == 1);
  REQUIRE(s2->size() == 1);
  CHECK(s1->spans()[0] == s2->spans()[0]);
}

TEST_CASE("now_unix_ns is a plausible wall time and monotonic", "[tracing][clock]") {
  const auto a = now_unix_ns();
  const auto b = now_unix_ns();
  CHECK(b >= a);
  CHECK(a > 1'600'000'000ULL * 1'000'000'000ULL);  // after 2020
}

TEST_CASE("recycled span records carry nothing over to the next span", "[tracing][tracer][pool]") {
  InMemoryTracing t;
  for (int round = 0; round < 3; ++round) {
    {
      Span s = t.tracer.start_span("full", {.kind = SpanKind::client});
      s.set_attribute("a", "alpha").set_attribute("b", 2).set_attribute("c", std::vector<std::string>{"x"});
      s.add_event("ev").add_link(SpanContext{TraceId::random(), SpanId::random(), TraceFlags{1}, false, {}});
      s.set_status(StatusCode::error, "bad");
    }
    {
      Span s = t.tracer.start_span("bare");  // most likely the record "full" just used
      s.set_attribute("b", "now a string");
    }
  }
  for (const auto& s : agentrace::testing::spans_named(t.spans(), "bare")) {
    REQUIRE(s.attributes.size() == 1);
    CHECK(s.attributes[0].key == "b");
    CHECK(std::get<std::string>(s.attributes[0].value) == "now a string");
    CHECK(s.events.empty());
    CHECK(s.links.empty());
    CHECK(s.status.code == StatusCode::unset);
    CHECK(s.kind == SpanKind::internal);
    CHECK(s.dropped_attributes_count == 0);
  }
  for (const auto& s : agentrace::testing::spans_named(t.spans(), "full")) {
    CHECK(s.attributes.size() == 3);
    CHECK(*find_attribute_as<std::int64_t>(s.attributes, "b") == 2);
  }
}

TEST_CASE("Attributes behaves as a vector and keeps elements only invisibly", "[tracing][attributes]") {
  Attributes a{{"x", 1}, {"y", "two"}};
  CHECK(a.size() == 2);
  a.clear();
  CHECK(a.empty());
  CHECK(a.begin() == a.end());
  a.emplace_back("z", 3.5);
  CHECK(a.size() == 1);
  CHECK(a[0].key == "z");
  CHECK(std::get<double>(a[0].value) == 3.5);
  const Attributes copy = a;  // copies only the live element
  CHECK(copy.size() == 1);
  CHECK(copy == a);
  Attributes other{{"z", 3.5}, {"extra", true}};
  other.pop_back();
  CHECK(other == a);
  other.resize(2);
  CHECK(other.size() == 2);
  CHECK(other[1].key.empty());  // grown elements are default, never the kept stale ones
  CHECK(std::get<bool>(other[1].value) == false);
  Attributes moved = std::move(other);
  CHECK(moved.size() == 2);
  CHECK(other.empty());  // NOLINT(bugprone-use-after-move): a moved-from list is empty
}

TEST_CASE("attribute keys are interned: equal text, same pointer, from any thread", "[tracing][attributes]") {
  const std::string built = std::string("app.") + "items";
  const AttributeKey a("app.items");
  const AttributeKey b(built);
  CHECK(a == b);
  CHECK(a.data() == b.data());  // one copy of the text for the whole process
  CHECK(a.interned());
  CHECK(a.view() == "app.items");
  CHECK(std::string(a.c_str()) == "app.items");  // NUL-terminated
  CHECK(a != AttributeKey("app.item"));
  CHECK(a == std::string_view("app.items"));
  CHECK(AttributeKey() == AttributeKey(""));
  CHECK(AttributeKey().empty());
  CHECK(AttributeKey("a") < AttributeKey("b"));

  // The per-thread cache is keyed by the caller's buffer: reusing the buffer for other text
  // must give the other key, never the cached one.
  std::string buffer = "first.key";
  const AttributeKey first(buffer);
  buffer.replace(0, buffer.size(), "other.key");
  const AttributeKey other(buffer);
  CHECK(other.view() == "other.key");
  CHECK(first.view() == "first.key");

  const char* from_thread = nullptr;
  std::thread([&] { from_thread = AttributeKey(std::string("app.items")).data(); }).join();
  CHECK(from_thread == a.data());
}

TEST_CASE("more than 64 keys on a span: replacement still finds every key", "[tracing][tracer][attributes]") {
  InMemoryTracing t;
  {
    Span s = t.tracer.start_span("many");
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < 100; ++i) s.set_attribute("k" + std::to_string(i), round * 1000 + i);
    }
  }
  const auto all_spans = t.spans();
  const auto& s = only_span(all_spans, "many");
  REQUIRE(s.attributes.size() == 100);
  for (int i = 0; i < 100; ++i) {
    const auto* v = find_attribute_as<std::int64_t>(s.attributes, "k" + std::to_string(i));
    REQUIRE(v != nullptr);
    CHECK(*v == 1000 + i);
  }
}

TEST_CASE("past the intern bound keys own their text and behave the same", "[tracing][attributes]") {
  // Fill the process-wide table (4 MiB of distinct names), as keys built from data would.
  const std::string pad(200, 'x');
  std::size_t made = 0;
  for (; made < 40'000; ++made) {
    const AttributeKey k(pad + std::to_string(made));
    if (!k.interned()) break;
  }
  REQUIRE(made < 40'000);  // the bound was reached
  const AttributeKey a(std::string("dynamic.") + pad);
  const AttributeKey b(std::string("dynamic.") + pad);
  CHECK_FALSE(a.interned());
  CHECK(a.data() != b.data());
  CHECK(a == b);
  const AttributeKey copy = a;  // a deep copy
  CHECK(copy == a);
  CHECK(copy.data() != a.data());
  AttributeKey assigned("app.items");  // interned before the bound: still found
  CHECK(assigned.interned());
  assigned = copy;
  CHECK(assigned == a);
  CHECK(assigned != AttributeKey("app.items"));

  InMemoryTracing t;
  {
    Span s = t.tracer.start_span("owned keys");
    s.set_attribute(a, 1).set_attribute("dynamic." + pad, 2).set_attribute("app.items", 3);
  }
  const auto all_spans = t.spans();
  const auto& s = only_span(all_spans, "owned keys");
  REQUIRE(s.attributes.size() == 2);  // the second set replaced the first
  CHECK(*find_attribute_as<std::int64_t>(s.attributes, a) == 2);
  CHECK(*find_attribute_as<std::int64_t>(s.attributes, "app.items") == 3);
}

TEST_CASE("the in-memory exporter gives back exactly the spans it was given", "[tracing][exporter]") {
  using agentrace::testing::full_span;
  using agentrace::testing::plain_span;
  InMemoryExporter exporter;
  auto storage = exporter.storage();
  std::vector<SpanData> given{full_span(), plain_span("root", "1111111111111111", nullptr, 0, 10),
                              plain_span("open", "2222222222222222", "1111111111111111", 1, -1)};
  SpanData large = plain_span("large", "3333333333333333", "1111111111111111", 2, 3);
  large.attributes.emplace_back("input.value", std::string(100'000, 'x'));
  given.push_back(large);
  for (int i = 0; i < 2000; ++i) {
    SpanData s = plain_span("step " + std::to_string(i), "4444444444444444", "1111111111111111", 4, 5);
    s.attributes.emplace_back("agentrace.step.number", i);
    s.attributes.emplace_back("openinference.span.kind", "CHAIN");
    given.push_back(s);
  }
  const auto batch = agentrace::testing::pointers(given);
  REQUIRE(exporter.export_spans(SpanBatch(batch.data(), 3), std::chrono::milliseconds{1000}) == ExportResult::success);
  REQUIRE(exporter.export_spans(SpanBatch(batch.data() + 3, batch.size() - 3), std::chrono::milliseconds{1000}) ==
          ExportResult::success);
  CHECK(storage->size() == given.size());
  const auto kept = storage->spans();
  REQUIRE(kept.size() == given.size());
  for (std::size_t i = 0; i < given.size(); ++i) {
    INFO("span " << i << " " << given[i].name);
    CHECK(kept[i] == given[i]);
  }
  CHECK(&kept[0].resource() == &given[0].resource());  // the interned source, not a copy
  storage->clear();
  CHECK(storage->size() == 0);
  CHECK(storage->spans().empty());
  exporter.shutdown(std::chrono::milliseconds{1000});
  CHECK(exporter.export_spans(SpanBatch(batch.data(), 1), std::chrono::milliseconds{1000}) == ExportResult::failure);
}
