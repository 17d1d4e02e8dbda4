// Tracer, TracerProvider and the RAII Span handle.
//
//   auto provider = std::make_shared<TracerProvider>(TracerProviderOptions{
//       .processor = make_batch_processor(std::make_unique<formats::JsonlFileExporter>("trace.jsonl"))});
//   Tracer tracer = provider->tracer("my.component");
//   {
//     Span span = tracer.start_span("work");       // parent: this thread's current span
//     span.set_attribute("items", 3);
//     Scope scope(span);                            // children started below nest under it
//     ...
//   }                                               // ended here, on every path
//
// With no processor, with enabled = false, or with OTEL_SDK_DISABLED=true, start_span returns an
// inert Span after one branch: no id, no clock read, no allocation.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "agentrace/tracing/attributes.hpp"
#include "agentrace/tracing/context.hpp"
#include "agentrace/tracing/ids.hpp"
#include "agentrace/tracing/processor.hpp"
#include "agentrace/tracing/sampler.hpp"
#include "agentrace/tracing/span_data.hpp"

namespace agentrace::tracing {

namespace detail {
struct TracerCore;
}

// Which span a new span is a child of. Holds the parent's context by value, so a Parent made
// from a temporary (`SpanOptions o{.parent = make_context()}`) stays valid until the span starts.
class Parent {
 public:
  enum class Mode : std::uint8_t { current, none, explicit_context };

  // The calling thread's current span (see Scope); a root when there is none.
  Parent() noexcept = default;
  Parent(const Span& span);                                                          // NOLINT: implicit by design
  Parent(SpanContext context) noexcept : mode_(Mode::explicit_context), context_(std::move(context)) {}  // NOLINT
  Parent(const Context& context) : Parent(context.span) {}                           // NOLINT

  static Parent current() noexcept { return Parent{}; }
  // Start a new trace whatever the current context is.
  static Parent none() noexcept {
    Parent p;
    p.mode_ = Mode::none;
    return p;
  }

  [[nodiscard]] Mode mode() const noexcept { return mode_; }
  // The explicit parent's context; null in the other modes.
  [[nodiscard]] const SpanContext* context() const noexcept {
    return mode_ == Mode::explicit_context ? &context_ : nullptr;
  }

 private:
  Mode mode_ = Mode::current;
  SpanContext context_{};
};

struct SpanOptions {
  Parent parent{};
  SpanKind kind = SpanKind::internal;
  std::uint64_t start_unix_ns = 0;  // 0: now
  Attributes attributes{};          // set at start (subject to the limits)
  std::vector<Link> links{};
};

// Unix time in nanoseconds from a clock that never goes backwards within this process: the
// system clock read once, advanced by the steady clock, so durations are never negative.
std::uint64_t now_unix_ns() noexcept;

// A live span. Move-only; ends when destroyed if not ended before. Every method is a no-op on an
// inert (non-recording) span, which is what a disabled or sampled-out tracer returns.
class Span {
 public:
  Span() noexcept = default;
  ~Span() { end(); }
  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  // True until end() for a span that records; false for an inert one.
  [[nodiscard]] bool is_recording() const noexcept { return data_ != nullptr; }
  // Valid for every span a working tracer started (sampled or not), even after end().
  [[nodiscard]] const SpanContext& context() const noexcept { return context_; }

  // Setting a key again replaces its value (the spec). The key may be any text; a key made once
  // (`static const AttributeKey k{"app.items"};`) skips the per-call name lookup.
  template <typename K, typename V>
    requires std::is_convertible_v<K, AttributeKey>
  Span& set_attribute(K&& key, V&& value) {
    if (data_ != nullptr) {  // an inert span does not even look the name up
      if constexpr (std::is_same_v<std::remove_cvref_t<K>, AttributeKey>) {
        record_attribute(key, std::forward<V>(value));
      } else if constexpr (std::is_convertible_v<K, std::string_view>) {
        record_attribute(std::string_view(key), std::forward<V>(value));  // looked up in place
      } else {
        record_attribute(AttributeKey(std::forward<K>(key)), std::forward<V>(value));
      }
    }
    return *this;
  }
  Span& set_attributes(const Attributes& attributes);
  Span& add_event(std::string_view name, Attributes attributes = {}, std::uint64_t time_unix_ns = 0);
  Span& add_link(const SpanContext& context, Attributes attributes = {});
  // The spec's precedence: ok is final; unset is ignored; a description only goes with error.
  Span& set_status(StatusCode code, std::string_view description = {});
  Span& update_name(std::string_view name);
  // Adds the `exception` event (exception.type, exception.message[, exception.escaped]). Does not
  // change the status: callers decide whether the exception is an error of this span.
  Span& record_exception(const std::exception& e, bool escaped = false);
  Span& record_exception(std::exception_ptr e, bool escaped = false);
  Span& record_exception(std::string_view type, std::string_view message, bool escaped = false);

  // Ends the span now (or at `end_unix_ns`, clamped to be no earlier than the start) and hands it
  // to the processor. Idempotent.
  void end(std::uint64_t end_unix_ns = 0) noexcept {
    if (data_ != nullptr) finish(end_unix_ns);
  }

  // The span's data while it records (nullptr otherwise). For instrumentation that reads back.
  [[nodiscard]] const SpanData* data() const noexcept { return data_; }

 private:
  friend class Tracer;
  Span(const detail::TracerCore* core, SpanData* data, SpanContext context) noexcept
      : core_(core), data_(data), context_(std::move(context)) {}
  // An interned key is identified by its address; any other (the empty key, keys owned past the
  // intern bound) by a hash of its text, so equal keys always get the same bit.
  static std::uint64_t key_bit(const AttributeKey& key) noexcept {
    return key.interned() ? interned_key_bit(key.data()) : hash_bit(std::hash<std::string_view>{}(key.view()));
  }
  static std::uint64_t interned_key_bit(const char* interned) noexcept {
    return hash_bit(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(interned)));
  }
  static std::uint64_t hash_bit(std::uint64_t h) noexcept { return std::uint64_t{1} << ((h * 0x9E3779B97F4A7C15ull) >> 58); }
  // Key: AttributeKey, or std::string_view (interned here, with no AttributeKey in between).
  template <typename Key, typename V>
  void record_attribute(const Key& key, V&& value) {
    using D = std::remove_cvref_t<V>;
    if constexpr (std::is_convertible_v<V, std::string_view> && !std::is_same_v<D, AttributeValue>) {
      set_string_attribute(key, std::string_view(value));  // no temporary string
    } else if constexpr (std::is_same_v<D, bool>) {
      set_scalar_attribute(key, static_cast<bool>(value));
    } else if constexpr (std::is_integral_v<D>) {
      set_scalar_attribute(key, static_cast<std::int64_t>(value));
    } else if constexpr (std::is_floating_point_v<D>) {
      set_scalar_attribute(key, static_cast<double>(value));
    } else {
      set_attribute_value(key, to_attribute_value(std::forward<V>(value)));
    }
  }
  template <typename Key>
  void set_attribute_value(const Key& key, AttributeValue&& value);
  template <typename Key>
  void set_string_attribute(const Key& key, std::string_view value);
  template <typename Key, typename T>
  void set_scalar_attribute(const Key& key, T value);
  Attribute* attribute_slot(const AttributeKey& key);
  Attribute* attribute_slot(std::string_view key);
  Attribute* new_attribute_slot(std::uint64_t bit);
  void finish(std::uint64_t end_unix_ns) noexcept;

  const detail::TracerCore* core_ = nullptr;
  SpanData* data_ = nullptr;  // owned while recording
  SpanContext context_;
  // A one-word Bloom filter of the keys set so far: a key whose bit is clear is new, so setting
  // it skips the search for an existing one (most sets on a span are of new keys).
  std::uint64_t key_filter_ = 0;
};

// Creates spans for one instrumentation scope. Cheap to copy; keeps its provider's core alive.
class Tracer {
 public:
  Tracer() noexcept = default;  // a tracer that never records

  [[nodiscard]] Span start_span(std::string_view name, const SpanOptions& options = {}) const {
    if (!enabled_) return Span{};  // off: one branch, no id, no clock read, no allocation
    return start_recording_span(name, options.parent, options.kind, &options);
  }
  [[nodiscard]] Span start_span(std::string_view name, Parent parent, SpanKind kind = SpanKind::internal) const {
    if (!enabled_) return Span{};
    return start_recording_span(name, parent, kind, nullptr);
  }
  // False when nothing would be recorded: guard attributes that are costly to build with it.
  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  [[nodiscard]] const InstrumentationScope& scope() const noexcept;

 private:
  friend class TracerProvider;
  Tracer(std::shared_ptr<const detail::TracerCore> core, const SpanSource* source, bool enabled) noexcept
      : core_(std::move(core)), source_(source), enabled_(enabled) {}
  Span start_recording_span(std::string_view name, Parent parent, SpanKind kind, const SpanOptions* options) const;

  std::shared_ptr<const detail::TracerCore> core_;
  const SpanSource* source_ = nullptr;
  bool enabled_ = false;  // the provider's setting, fixed at its construction
};

struct TracerProviderOptions {
  std::unique_ptr<SpanProcessor> processor{};  // none: tracing is off
  std::unique_ptr<Sampler> sampler{};          // none: parentbased_always_on
  Resource resource = default_resource();
  SpanLimits limits{};
  bool enabled = true;
};

// Owns the processor, sampler, resource and limits shared by its tracers. Spans must end before
// the provider's last Tracer and the provider itself are destroyed. The destructor shuts down.
class TracerProvider {
 public:
  explicit TracerProvider(TracerProviderOptions options = {});
  // Configured from the environment: OTEL_SDK_DISABLED, OTEL_TRACES_SAMPLER[_ARG], span limits,
  // OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES; the processor is given.
  static std::shared_ptr<TracerProvider> from_env(std::unique_ptr<SpanProcessor> processor);
  ~TracerProvider();
  TracerProvider(const TracerProvider&) = delete;
  TracerProvider& operator=(const TracerProvider&) = delete;

  [[nodiscard]] Tracer tracer(std::string_view name = "agentrace", std::string_view version = {}) const;
  [[nodiscard]] bool enabled() const noexcept;
  bool force_flush(std::chrono::milliseconds timeout = std::chrono::milliseconds{30000}) noexcept;
  bool shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds{30000}) noexcept;
  [[nodiscard]] SpanProcessor* processor() const noexcept;
  [[nodiscard]] const Resource& resource() const noexcept;

 private:
  std::shared_ptr<detail::TracerCore> core_;
};

// The process-wide provider used by global_tracer() and traced(name, fn). Until one is set it is
// a provider that records nothing.
void set_global_provider(std::shared_ptr<TracerProvider> provider);
std::shared_ptr<TracerProvider> global_provider();
Tracer global_tracer(std::string_view name = "agentrace");

// True when OTEL_SDK_DISABLED is "true" (case-insensitive).
bool sdk_disabled_by_env() noexcept;

// Runs `fn` inside a span named `name` that is current while `fn` runs. `fn` may take the Span&.
// An exception is recorded on the span (exception event, error status) and rethrown.
template <typename F>
decltype(auto) traced(const Tracer& tracer, std::string_view name, F&& fn) {
  Span span = tracer.start_span(name);
  Scope scope(span);
  try {
    if constexpr (std::is_invocable_v<F, Span&>) {
      return std::invoke(std::forward<F>(fn), span);
    } else {
      return std::invoke(std::forward<F>(fn));
    }
  } catch (const std::exception& e) {
    span.record_exception(e, true).set_status(StatusCode::error, e.what());
    throw;
  } catch (...) {
    span.record_exception(std::current_exception(), true).set_status(StatusCode::error, "unknown exception");
    throw;
  }
}

template <typename F>
decltype(auto) traced(std::string_view name, F&& fn) {
  return traced(global_tracer(), name, std::forward<F>(fn));
}

}  // namespace agentrace::tracing
