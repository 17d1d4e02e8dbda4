#include "span_codec.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace agentrace::tracing::detail {
namespace {

constexpr std::size_t string_type = 3;          // AttributeValue's index of std::string (bool, int64, double before it)
constexpr std::uint8_t same_string_tag = 8;     // after the 8 AttributeValue types
static_assert(std::is_same_v<std::variant_alternative_t<string_type, AttributeValue>, std::string>);
static_assert(std::variant_size_v<AttributeValue> == same_string_tag);
constexpr std::size_t min_shared_string = 64;   // shorter strings are cheaper to write again

// The index of an earlier attribute holding the same long string as attrs[i], or i (none).
inline std::size_t earlier_equal_string(const Attributes& attrs, std::size_t i) noexcept {
  const auto* text = std::get_if<std::string>(&attrs[i].value);
  if (text == nullptr || text->size() < min_shared_string) return i;
  for (std::size_t j = 0; j < i; ++j) {
    const auto* other = std::get_if<std::string>(&attrs[j].value);
    if (other != nullptr && other->size() == text->size() && *other == *text) return j;
  }
  return i;
}

// Writes LEB128 at `at`; returns the end.
[[gnu::always_inline]] inline char* put_count(char* at, std::size_t n) noexcept {
  while (n >= 0x80) {
    *at++ = static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  *at++ = static_cast<char>(n);
  return at;
}

template <typename T>
[[gnu::always_inline]] inline char* put_raw(char* at, const T& value) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  std::memcpy(at, &value, sizeof(T));
  return at + sizeof(T);
}

constexpr std::size_t max_count_bytes = 10;
// An interned key: tag, address, length (LEB128: one byte for any name under 128 bytes).
constexpr std::size_t max_key_bytes = 1 + sizeof(const char*) + max_count_bytes;

class Writer {
 public:
  explicit Writer(ByteBuffer& out) : out_(out) {}

  template <typename T>
  void raw(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(&value, sizeof(T));
  }
  void count(std::size_t n) {  // LEB128
    char* at = out_.reserve_more(max_count_bytes);
    out_.commit(static_cast<std::size_t>(put_count(at, n) - at));
  }
  void text(std::string_view s) {
    count(s.size());
    out_.append(s.data(), s.size());
  }

  void key(const AttributeKey& k) {
    if (k.interned()) {
      char* at = out_.reserve_more(max_key_bytes);
      out_.commit(static_cast<std::size_t>(put_key(at, k) - at));
    } else {
      out_.push_back('\1');
      text(k.view());
    }
  }

  void value(const AttributeValue& v) {
    out_.push_back(static_cast<char>(v.index()));
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, bool>) {
            out_.push_back(x ? '\1' : '\0');
          } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
            raw(x);
          } else if constexpr (std::is_same_v<T, std::string>) {
            text(x);
          } else {
            count(x.size());
            for (const auto& item : x) {
              if constexpr (std::is_same_v<T, std::vector<bool>>) {
                out_.push_back(item ? '\1' : '\0');
              } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                text(item);
              } else {
                raw(static_cast<typename T::value_type>(item));
              }
            }
          }
        },
        v);
  }

  // A long string equal to an earlier one of the same list (the same content under a GenAI and
  // an OpenInference name) is written as a reference to it.
  void attributes(const Attributes& attrs) {
    count(attrs.size());
    for (std::size_t i = 0; i < attrs.size(); ++i) {
      const Attribute& a = attrs[i];
      const std::size_t same = earlier_equal_string(attrs, i);
      if (same == i && a.key.interned() && a.value.index() <= string_type) {
        interned_scalar_or_string(a);  // nearly every attribute
        continue;
      }
      key(a.key);
      if (same != i) {
        out_.push_back(static_cast<char>(same_string_tag));
        count(same);
      } else {
        value(a.value);
      }
    }
  }

  void context(const SpanContext& c) {
    raw(c.trace_id.bytes());
    raw(c.span_id.bytes());
    raw(c.flags.value);
    raw(c.remote);
    text(c.trace_state);
  }

  static char* put_key(char* at, const AttributeKey& k) noexcept {  // k.interned()
    *at++ = '\0';
    at = put_raw(at, k.data());  // the process-wide copy's address, read back as it is
    return put_count(at, k.size());
  }

 private:
  // An interned key and a bool, integer, double or string value, written with one reservation.
  void interned_scalar_or_string(const Attribute& a) {
    const auto* text = std::get_if<std::string>(&a.value);
    const std::size_t most = max_key_bytes + 1 + (text != nullptr ? max_count_bytes + text->size() : sizeof(double));
    char* start = out_.reserve_more(most);
    char* at = put_key(start, a.key);
    *at++ = static_cast<char>(a.value.index());
    if (text != nullptr) {
      at = put_count(at, text->size());
      if (!text->empty()) std::memcpy(at, text->data(), text->size());
      at += text->size();
    } else if (const auto* b = std::get_if<bool>(&a.value)) {
      *at++ = *b ? '\1' : '\0';
    } else if (const auto* n = std::get_if<std::int64_t>(&a.value)) {
      at = put_raw(at, *n);
    } else {
      at = put_raw(at, *std::get_if<double>(&a.value));
    }
    out_.commit(static_cast<std::size_t>(at - start));
  }

  ByteBuffer& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : at_(in.data()), end_(in.data() + in.size()) {}

  template <typename T>
  T raw() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T value;
    std::memcpy(&value, at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  std::size_t count() {
    std::size_t n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto byte = raw<std::uint8_t>();
      n |= static_cast<std::size_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return n;
    }
    throw std::runtime_error("span record: bad length");
  }
  std::string_view text() {
    const std::size_t n = count();
    need(n);
    std::string_view s(at_, n);
    at_ += n;
    return s;
  }

  AttributeKey key() {
    if (raw<char>() == '\0') {
      const char* data = raw<const char*>();
      return AttributeKey(std::string_view(data, count()));  // found by interning again
    }
    return AttributeKey(text());
  }

  AttributeValue value() {
    switch (raw<std::uint8_t>()) {
      case 0: return raw<char>() != '\0';
      case 1: return raw<std::int64_t>();
      case 2: return raw<double>();
      case 3: return std::string(text());
      case 4: {
        std::vector<bool> v(count());
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = raw<char>() != '\0';
        return v;
      }
      case 5: return array<std::int64_t>();
      case 6: return array<double>();
      case 7: {
        std::vector<std::string> v(count());
        for (auto& s : v) s = text();
        return v;
      }
      default: throw std::runtime_error("span record: bad value type");
    }
  }

  Attributes attributes() {
    Attributes attrs;
    const std::size_t n = count();
    attrs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      AttributeKey k = key();
      attrs.push_back(Attribute{});
      attrs.back().key = std::move(k);
      need(1);
      if (static_cast<std::uint8_t>(*at_) == same_string_tag) {
        ++at_;
        const std::size_t same = count();
        if (same >= i) throw std::runtime_error("span record: bad string reference");
        attrs.back().value = attrs[same].value;
      } else {
        attrs.back().value = value();
      }
    }
    return attrs;
  }

  SpanContext context() {
    SpanContext c;
    c.trace_id = TraceId(raw<std::array<std::uint8_t, TraceId::size>>());
    c.span_id = SpanId(raw<std::array<std::uint8_t, SpanId::size>>());
    c.flags.value = raw<std::uint8_t>();
    c.remote = raw<bool>();
    c.trace_state = text();
    return c;
  }

 private:
  template <typename T>
  std::vector<T> array() {
    std::vector<T> v(count());
    for (auto& x : v) x = raw<T>();
    return v;
  }
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end_ - at_) < n) throw std::runtime_error("span record: truncated");
  }

  const char* at_;
  const char* end_;
};

}  // namespace

void ByteBuffer::grow(std::size_t n) {
  const std::size_t capacity = std::max(size_ + n, std::max<std::size_t>(2 * capacity_, 1024));
  auto bigger = std::unique_ptr<char[]>(new char[capacity]);  // not zeroed: every byte is written before it is read
  if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  capacity_ = capacity;
}

void encode_span(const SpanData& s, ByteBuffer& out) {
  Writer w(out);
  w.raw(s.trace_id.bytes());
  w.raw(s.span_id.bytes());
  w.raw(s.parent_span_id.bytes());
  w.raw(s.flags.value);
  w.raw(s.parent_remote);
  w.raw(s.kind);
  w.raw(s.status.code);
  w.raw(s.start_unix_ns);
  w.raw(s.end_unix_ns);
  w.raw(s.source);
  w.raw(s.dropped_attributes_count);
  w.raw(s.dropped_events_count);
  w.raw(s.dropped_links_count);
  w.text(s.trace_state);
  w.text(s.name);
  w.text(s.status.description);
  w.attributes(s.attributes);
  w.count(s.events.size());
  for (const auto& e : s.events) {
    w.text(e.name);
    w.raw(e.time_unix_ns);
    w.raw(e.dropped_attributes_count);
    w.attributes(e.attributes);
  }
  w.count(s.links.size());
  for (const auto& l : s.links) {
    w.context(l.context);
    w.raw(l.dropped_attributes_count);
    w.attributes(l.attributes);
  }
}

SpanData decode_span(std::string_view bytes) {
  Reader r(bytes);
  SpanData s;
  s.trace_id = TraceId(r.raw<std::array<std::uint8_t, TraceId::size>>());
  s.span_id = SpanId(r.raw<std::array<std::uint8_t, SpanId::size>>());
  s.parent_span_id = SpanId(r.raw<std::array<std::uint8_t, SpanId::size>>());
  s.flags.value = r.raw<std::uint8_t>();
  s.parent_remote = r.raw<bool>();
  s.kind = r.raw<SpanKind>();
  s.status.code = r.raw<StatusCode>();
  s.start_unix_ns = r.raw<std::uint64_t>();
  s.end_unix_ns = r.raw<std::uint64_t>();
  s.source = r.raw<const SpanSource*>();
  s.dropped_attributes_count = r.raw<std::uint32_t>();
  s.dropped_events_count = r.raw<std::uint32_t>();
  s.dropped_links_count = r.raw<std::uint32_t>();
  s.trace_state = r.text();
  s.name = r.text();
  s.status.description = r.text();
  s.attributes = r.attributes();
  s.events.resize(r.count());
  for (auto& e : s.events) {
    e.name = r.text();
    e.time_unix_ns = r.raw<std::uint64_t>();
    e.dropped_attributes_count = r.raw<std::uint32_t>();
    e.attributes = r.attributes();
  }
  s.links.resize(r.count());
  for (auto& l : s.links) {
    l.context = r.context();
    l.dropped_attributes_count = r.raw<std::uint32_t>();
    l.attributes = r.attributes();
  }
  return s;
}

}  // namespace agentrace::tracing::detail
