#include "agentrace/tracing/tracer.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <typeinfo>

#include "agentrace/base/demangle.hpp"
#include "env.hpp"
#include "key_intern.hpp"
#include "span_pool.hpp"
#include "tracer_core.hpp"

namespace agentrace::tracing {

// ---------------------------------------------------------------------------------------------
// Clock

std::uint64_t now_unix_ns() noexcept {
  using namespace std::chrono;
  struct Anchor {
    std::int64_t system_ns;
    steady_clock::time_point steady;
  };
  static const Anchor anchor{
      duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count(), steady_clock::now()};
  const auto elapsed = duration_cast<nanoseconds>(steady_clock::now() - anchor.steady).count();
  return static_cast<std::uint64_t>(anchor.system_ns + elapsed);
}

// ---------------------------------------------------------------------------------------------
// Span

namespace {

void truncate_strings(AttributeValue& value, std::size_t max_length) {
  if (max_length == SpanLimits::unlimited) return;
  if (auto* s = std::get_if<std::string>(&value)) {
    if (s->size() > max_length) s->resize(max_length);
  } else if (auto* v = std::get_if<std::vector<std::string>>(&value)) {
    for (auto& item : *v) {
      if (item.size() > max_length) item.resize(max_length);
    }
  }
}

// Applies the count and length limits of `limits` to a fresh attribute list.
std::uint32_t limit_attributes(Attributes& attributes, std::size_t max_count, std::size_t max_length) {
  std::uint32_t dropped = 0;
  if (attributes.size() > max_count) {
    dropped = static_cast<std::uint32_t>(attributes.size() - max_count);
    attributes.resize(max_count);
  }
  for (auto& a : attributes) truncate_strings(a.value, max_length);
  return dropped;
}


}  // namespace

Parent::Parent(const Span& span) : Parent(span.context()) {}

Span::Span(Span&& other) noexcept
    : core_(std::exchange(other.core_, nullptr)),
      data_(std::exchange(other.data_, nullptr)),
      context_(std::move(other.context_)),
      key_filter_(std::exchange(other.key_filter_, 0)) {}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    core_ = std::exchange(other.core_, nullptr);
    data_ = std::exchange(other.data_, nullptr);
    context_ = std::move(other.context_);
    key_filter_ = std::exchange(other.key_filter_, 0);
  }
  return *this;
}

// A new slot for a key not yet on the span (its filter bit is `bit`).
[[gnu::always_inline]] inline Attribute* Span::new_attribute_slot(std::uint64_t bit) {
  Attributes& attrs = data_->attributes;
  if (attrs.size() >= core_->limits.attribute_count) {
    ++data_->dropped_attributes_count;
    return nullptr;
  }
  if (attrs.capacity() == 0) attrs.reserve(16);  // one allocation for the typical span, kept on reuse
  key_filter_ |= bit;
  return &attrs.next_slot();  // a recycled span's slot: its value's buffer is reused
}

// The attribute to write `key` into: the existing one (the spec: setting a key again replaces its
// value), a new one built from a recycled object whose buffers are reused, or nullptr when the
// count limit is reached (counted as dropped).
Attribute* Span::attribute_slot(const AttributeKey& key) {
  const std::uint64_t bit = key_bit(key);
  if ((key_filter_ & bit) != 0) {
    for (auto& a : data_->attributes) {
      if (a.key == key) return &a;
    }
  }
  Attribute* slot = new_attribute_slot(bit);
  if (slot != nullptr) slot->key = key;
  return slot;
}

// The same for a name given as text: looked up in the intern table's per-thread cache and
// written into the slot's key directly.
Attribute* Span::attribute_slot(std::string_view key) {
  const char* interned = key.empty() ? nullptr : detail::intern_cached(key);
  if (interned == nullptr) return attribute_slot(AttributeKey(key));  // "" or past the intern bound
  const std::uint64_t bit = interned_key_bit(interned);
  if ((key_filter_ & bit) != 0) {
    for (auto& a : data_->attributes) {
      if (a.key.data() == interned) return &a;  // an owned key never has interned text
    }
  }
  Attribute* slot = new_attribute_slot(bit);
  if (slot != nullptr) slot->key.assign_interned(interned, static_cast<std::uint32_t>(key.size()));
  return slot;
}

template <typename Key>
void Span::set_attribute_value(const Key& key, AttributeValue&& value) {
  truncate_strings(value, core_->limits.attribute_value_length);
  if (Attribute* slot = attribute_slot(key)) slot->value = std::move(value);
}

template <typename Key>
void Span::set_string_attribute(const Key& key, std::string_view value) {
  Attribute* slot = attribute_slot(key);
  if (slot == nullptr) return;
  value = value.substr(0, std::min(value.size(), core_->limits.attribute_value_length));
  if (auto* existing = std::get_if<std::string>(&slot->value)) {
    existing->assign(value);  // reuses the recycled buffer
  } else {
    slot->value.emplace<std::string>(value);
  }
}

template <typename Key, typename T>
void Span::set_scalar_attribute(const Key& key, T value) {
  Attribute* slot = attribute_slot(key);
  if (slot == nullptr) return;
  if (auto* existing = std::get_if<T>(&slot->value)) {
    *existing = value;  // same type as last time at this slot: a plain store
  } else {
    slot->value.template emplace<T>(value);
  }
}

template void Span::set_attribute_value(const AttributeKey&, AttributeValue&&);
template void Span::set_attribute_value(const std::string_view&, AttributeValue&&);
template void Span::set_string_attribute(const AttributeKey&, std::string_view);
template void Span::set_string_attribute(const std::string_view&, std::string_view);
template void Span::set_scalar_attribute(const AttributeKey&, bool);
template void Span::set_scalar_attribute(const AttributeKey&, std::int64_t);
template void Span::set_scalar_attribute(const AttributeKey&, double);
template void Span::set_scalar_attribute(const std::string_view&, bool);
template void Span::set_scalar_attribute(const std::string_view&, std::int64_t);
template void Span::set_scalar_attribute(const std::string_view&, double);

Span& Span::set_attributes(const Attributes& attributes) {
  if (data_ == nullptr) return *this;
  for (const auto& a : attributes) set_attribute_value(a.key, AttributeValue(a.value));
  return *this;
}

Span& Span::add_event(std::string_view name, Attributes attributes, std::uint64_t time_unix_ns) {
  if (data_ == nullptr) return *this;
  const SpanLimits& limits = core_->limits;
  if (data_->events.size() >= limits.event_count) {
    ++data_->dropped_events_count;
    return *this;
  }
  Event event{std::string(name), time_unix_ns != 0 ? time_unix_ns : now_unix_ns(), std::move(attributes), 0};
  event.dropped_attributes_count =
      limit_attributes(event.attributes, limits.attributes_per_event, limits.attribute_value_length);
  data_->events.push_back(std::move(event));
  return *this;
}

Span& Span::add_link(const SpanContext& context, Attributes attributes) {
  if (data_ == nullptr || !context.valid()) return *this;
  const SpanLimits& limits = core_->limits;
  if (data_->links.size() >= limits.link_count) {
    ++data_->dropped_links_count;
    return *this;
  }
  Link link{context, std::move(attributes), 0};
  link.dropped_attributes_count =
      limit_attributes(link.attributes, limits.attributes_per_link, limits.attribute_value_length);
  data_->links.push_back(std::move(link));
  return *this;
}

Span& Span::set_status(StatusCode code, std::string_view description) {
  if (data_ == nullptr) return *this;
  Status& status = data_->status;
  // OpenTelemetry: Ok is final; setting Unset is ignored; a description only accompanies Error.
  if (status.code == StatusCode::ok || code == StatusCode::unset) return *this;
  status.code = code;
  if (code == StatusCode::error) {
    status.description.assign(description);
  } else {
    status.description.clear();
  }
  return *this;
}

Span& Span::update_name(std::string_view name) {
  if (data_ != nullptr) data_->name.assign(name);
  return *this;
}

Span& Span::record_exception(std::string_view type, std::string_view message, bool escaped) {
  if (data_ == nullptr) return *this;
  Attributes attrs;
  attrs.reserve(3);
  attrs.emplace_back("exception.type", type);
  attrs.emplace_back("exception.message", message);
  if (escaped) attrs.emplace_back("exception.escaped", true);
  return add_event("exception", std::move(attrs));
}

Span& Span::record_exception(const std::exception& e, bool escaped) {
  if (data_ == nullptr) return *this;
  return record_exception(base::demangle(typeid(e).name()), e.what(), escaped);
}

Span& Span::record_exception(std::exception_ptr e, bool escaped) {
  if (data_ == nullptr || !e) return *this;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return record_exception(ex, escaped);
  } catch (...) {
    return record_exception("unknown", "a non-std::exception was thrown", escaped);
  }
}

void Span::finish(std::uint64_t end_unix_ns) noexcept {
  SpanData* data = std::exchange(data_, nullptr);
  const std::uint64_t end = end_unix_ns != 0 ? end_unix_ns : now_unix_ns();
  data->end_unix_ns = std::max(end, data->start_unix_ns);
  core_->processor->on_end(std::unique_ptr<SpanData>(data));
}

// ---------------------------------------------------------------------------------------------
// Tracer

const InstrumentationScope& Tracer::scope() const noexcept {
  return (source_ != nullptr ? *source_ : SpanSource::empty()).scope;
}

Span Tracer::start_recording_span(std::string_view name, Parent parent_choice, SpanKind kind,
                                  const SpanOptions* options) const {
  const detail::TracerCore* core = core_.get();
  const SpanContext* parent = nullptr;
  switch (parent_choice.mode()) {
    case Parent::Mode::current: {
      const SpanContext& current = current_span_context();
      if (current.valid()) parent = &current;
      break;
    }
    case Parent::Mode::explicit_context:
      if (parent_choice.context() != nullptr && parent_choice.context()->valid()) parent = parent_choice.context();
      break;
    case Parent::Mode::none:
      break;
  }

  const TraceId trace_id = parent != nullptr ? parent->trace_id : TraceId::random();
  const SamplingDecision decision = core->sampler->should_sample(SamplingParams{parent, trace_id, name, kind});
  // Bits other than "sampled" are carried from the parent unchanged (W3C trace-flags).
  std::uint8_t flags = parent != nullptr ? static_cast<std::uint8_t>(parent->flags.value & ~TraceFlags::sampled_bit) : 0;
  if (decision == SamplingDecision::record_and_sample) flags |= TraceFlags::sampled_bit;

  SpanContext context{trace_id, SpanId::random(), TraceFlags{flags}, false,
                      parent != nullptr ? parent->trace_state : std::string{}};
  if (decision == SamplingDecision::drop) return Span(core, nullptr, std::move(context));

  SpanData* data = detail::acquire_span_data();
  data->trace_id = trace_id;
  data->span_id = context.span_id;
  data->flags = context.flags;
  data->trace_state = context.trace_state;
  if (parent != nullptr) {
    data->parent_span_id = parent->span_id;
    data->parent_remote = parent->remote;
  }
  data->name.assign(name);
  data->kind = kind;
  data->start_unix_ns = options != nullptr && options->start_unix_ns != 0 ? options->start_unix_ns : now_unix_ns();
  data->source = source_;
  Span span(core, data, std::move(context));
  if (options != nullptr) {
    if (!options->attributes.empty()) span.set_attributes(options->attributes);
    for (const auto& link : options->links) span.add_link(link.context, link.attributes);
  }
  core->processor->on_start(*data);
  return span;
}

// ---------------------------------------------------------------------------------------------
// TracerProvider

TracerProvider::TracerProvider(TracerProviderOptions options) : core_(std::make_shared<detail::TracerCore>()) {
  core_->processor = std::move(options.processor);
  core_->sampler = options.sampler ? std::move(options.sampler) : make_parent_based_sampler(make_always_on_sampler());
  core_->resource = std::move(options.resource);
  core_->limits = options.limits;
  core_->enabled = options.enabled && core_->processor != nullptr;
}

std::shared_ptr<TracerProvider> TracerProvider::from_env(std::unique_ptr<SpanProcessor> processor) {
  TracerProviderOptions options;
  options.processor = std::move(processor);
  options.sampler = sampler_from_env();
  options.limits = SpanLimits::from_env();
  options.enabled = !sdk_disabled_by_env();
  return std::make_shared<TracerProvider>(std::move(options));
}

TracerProvider::~TracerProvider() { shutdown(); }

Tracer TracerProvider::tracer(std::string_view name, std::string_view version) const {
  const SpanSource& source =
      SpanSource::intern(core_->resource, InstrumentationScope{std::string(name), std::string(version)});
  return Tracer(core_, &source, core_->enabled);
}

bool TracerProvider::enabled() const noexcept { return core_->enabled; }

bool TracerProvider::force_flush(std::chrono::milliseconds timeout) noexcept {
  return core_->processor == nullptr || core_->processor->force_flush(timeout);
}

bool TracerProvider::shutdown(std::chrono::milliseconds timeout) noexcept {
  if (core_->shut_down.exchange(true)) return true;
  return core_->processor == nullptr || core_->processor->shutdown(timeout);
}

SpanProcessor* TracerProvider::processor() const noexcept { return core_->processor.get(); }

const Resource& TracerProvider::resource() const noexcept { return core_->resource; }

// ---------------------------------------------------------------------------------------------
// Global provider

namespace {

struct GlobalProvider {
  std::mutex mutex;
  std::shared_ptr<TracerProvider> provider = std::make_shared<TracerProvider>(TracerProviderOptions{});
};

GlobalProvider& global() {
  static GlobalProvider instance;
  return instance;
}

}  // namespace

void set_global_provider(std::shared_ptr<TracerProvider> provider) {
  if (!provider) provider = std::make_shared<TracerProvider>(TracerProviderOptions{});
  auto& g = global();
  std::lock_guard lock(g.mutex);
  g.provider = std::move(provider);
}

std::shared_ptr<TracerProvider> global_provider() {
  auto& g = global();
  std::lock_guard lock(g.mutex);
  return g.provider;
}

Tracer global_tracer(std::string_view name) { return global_provider()->tracer(name); }

bool sdk_disabled_by_env() noexcept {
  try {
    auto v = env_string("OTEL_SDK_DISABLED");
    return v && detail::to_lower(*v) == "true";
  } catch (...) {
    return false;
  }
}

}  // namespace agentrace::tracing
