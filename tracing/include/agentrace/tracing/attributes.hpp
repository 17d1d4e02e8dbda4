// Typed attribute values (OpenTelemetry's AnyValue minus maps and bytes): no JSON on the hot path.
#pragma once

#include <compare>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace agentrace::tracing {

namespace detail {
struct AttributesReuse;  // the span pool's access to the kept elements (tracing/src)
}  // namespace detail

using AttributeValue = std::variant<bool, std::int64_t, double, std::string, std::vector<bool>,
                                    std::vector<std::int64_t>, std::vector<double>,
                                    std::vector<std::string>>;

// Builds an AttributeValue from the natural C++ spelling without surprises: integers of any
// width become int64, `const char*` becomes a string (never bool), floats become double.
template <typename T>
AttributeValue to_attribute_value(T&& v) {
  using D = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<D, AttributeValue>) {
    return std::forward<T>(v);
  } else if constexpr (std::is_same_v<D, bool>) {
    return AttributeValue{std::in_place_type<bool>, v};
  } else if constexpr (std::is_integral_v<D>) {
    return AttributeValue{std::in_place_type<std::int64_t>, static_cast<std::int64_t>(v)};
  } else if constexpr (std::is_floating_point_v<D>) {
    return AttributeValue{std::in_place_type<double>, static_cast<double>(v)};
  } else if constexpr (std::is_convertible_v<T, std::string_view>) {
    return AttributeValue{std::in_place_type<std::string>, std::string_view(v)};
  } else if constexpr (std::is_same_v<D, std::vector<int>>) {
    return AttributeValue{std::in_place_type<std::vector<std::int64_t>>, v.begin(), v.end()};
  } else {
    return AttributeValue{std::forward<T>(v)};
  }
}

// An attribute's name. Names are few and repeat in every span, so each distinct one is stored
// once for the life of the process (interned) and a key is a pointer to that copy: copying a
// span's attributes copies no key text, and comparing two keys compares pointers. Interning
// costs a lookup in a small per-thread cache when a key is made from text; make a key once
// (`static const AttributeKey k{"my.key"};`) to skip even that. Past a bound on the interned
// text (kInternLimitBytes, against unbounded distinct names such as keys built from data), keys
// own a private copy instead, and behave the same.
class AttributeKey {
 public:
  static constexpr std::size_t kInternLimitBytes = std::size_t{4} << 20;

  AttributeKey() noexcept = default;  // the empty name
  AttributeKey(std::string_view text);  // NOLINT: implicit, a key is spelled as its text
  AttributeKey(const char* text) : AttributeKey(std::string_view(text)) {}  // NOLINT
  AttributeKey(const std::string& text) : AttributeKey(std::string_view(text)) {}  // NOLINT
  AttributeKey(const AttributeKey& other) : data_(other.data_), size_(other.size_), owned_(other.owned_) {
    if (owned_) copy_owned();
  }
  AttributeKey(AttributeKey&& other) noexcept
      : data_(std::exchange(other.data_, "")), size_(std::exchange(other.size_, 0)), owned_(std::exchange(other.owned_, false)) {}
  AttributeKey& operator=(const AttributeKey& other) {
    if (this != &other) {
      if (other.owned_) {
        AttributeKey copy(other);
        swap(copy);
      } else {
        release();
        data_ = other.data_;
        size_ = other.size_;
      }
    }
    return *this;
  }
  AttributeKey& operator=(AttributeKey&& other) noexcept {
    AttributeKey moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~AttributeKey() { release(); }

  [[nodiscard]] std::string_view view() const noexcept { return {data_, size_}; }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: implicit by design
  [[nodiscard]] std::string str() const { return std::string(view()); }
  // The text, NUL-terminated.
  [[nodiscard]] const char* data() const noexcept { return data_; }
  [[nodiscard]] const char* c_str() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  // True when the text lives in the process-wide table (false past the bound, and for "").
  [[nodiscard]] bool interned() const noexcept { return !owned_ && size_ != 0; }

  void swap(AttributeKey& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(owned_, other.owned_);
  }

  friend bool operator==(const AttributeKey& a, const AttributeKey& b) noexcept {
    if (a.data_ == b.data_ && a.size_ == b.size_) return true;
    // Two interned keys are equal only if they are the same pointer.
    if (!a.owned_ && !b.owned_ && a.size_ != 0 && b.size_ != 0) return false;
    return a.view() == b.view();
  }
  friend bool operator==(const AttributeKey& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const AttributeKey& a, const char* b) noexcept { return a.view() == b; }
  friend bool operator==(const AttributeKey& a, const std::string& b) noexcept { return a.view() == b; }
  friend auto operator<=>(const AttributeKey& a, const AttributeKey& b) noexcept { return a.view() <=> b.view(); }
  friend auto operator<=>(const AttributeKey& a, std::string_view b) noexcept { return a.view() <=> b; }

 private:
  friend class Span;  // sets a key it has just looked up, without making another
  void assign_interned(const char* interned, std::uint32_t size) noexcept {
    release();
    data_ = interned;
    size_ = size;
  }
  void copy_owned();
  void release() noexcept {
    if (owned_) free_owned();
    data_ = "";
    size_ = 0;
    owned_ = false;
  }
  void free_owned() noexcept;

  const char* data_ = "";
  std::uint32_t size_ = 0;  // two words in all: names are short (a longer one is std::length_error)
  bool owned_ = false;      // data_ is a new[] copy this key frees
};

struct Attribute {
  AttributeKey key;
  AttributeValue value;

  Attribute() = default;
  template <typename V>
  Attribute(std::string_view k, V&& v) : key(k), value(to_attribute_value(std::forward<V>(v))) {}

  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// An ordered list of attributes that behaves like std::vector<Attribute>, with one difference
// that makes recording cheap: clear(), pop_back() and shrinking resize() keep the element objects
// (and their string buffers) for the next push, so a recycled span that sets the same keys again
// allocates nothing. Copies copy only the live elements. (How much a recycled list may keep is
// the span pool's business: tracing/src/attributes_reuse.hpp.)
class Attributes {
 public:
  using value_type = Attribute;
  using iterator = std::vector<Attribute>::iterator;
  using const_iterator = std::vector<Attribute>::const_iterator;
  using size_type = std::size_t;

  Attributes() = default;
  Attributes(std::initializer_list<Attribute> init) : items_(init), size_(items_.size()) {}
  template <typename It>
  Attributes(It first, It last) : items_(first, last), size_(items_.size()) {}
  Attributes(const Attributes& other) : items_(other.begin(), other.end()), size_(other.size_) {}
  Attributes(Attributes&& other) noexcept : items_(std::move(other.items_)), size_(std::exchange(other.size_, 0)) {}
  Attributes& operator=(const Attributes& other) {
    if (this != &other) {
      clear();
      for (const auto& a : other) push_back(a);
    }
    return *this;
  }
  Attributes& operator=(Attributes&& other) noexcept {
    items_ = std::move(other.items_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  ~Attributes() = default;

  [[nodiscard]] size_type size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] size_type capacity() const noexcept { return items_.capacity(); }
  iterator begin() noexcept { return items_.begin(); }
  iterator end() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(size_); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(size_); }
  Attribute& operator[](size_type i) noexcept { return items_[i]; }
  const Attribute& operator[](size_type i) const noexcept { return items_[i]; }
  Attribute& front() noexcept { return items_.front(); }
  const Attribute& front() const noexcept { return items_.front(); }
  Attribute& back() noexcept { return items_[size_ - 1]; }
  const Attribute& back() const noexcept { return items_[size_ - 1]; }

  void reserve(size_type n) { items_.reserve(n); }
  void clear() noexcept { size_ = 0; }
  void pop_back() noexcept { --size_; }
  // Growing gives default elements, as std::vector does (kept ones are reset first).
  void resize(size_type n) {
    for (size_type i = size_; i < n && i < items_.size(); ++i) items_[i] = Attribute{};
    while (items_.size() < n) items_.emplace_back();
    size_ = n;
  }
  // The next element, reused when one is kept (its key and value still hold the old contents,
  // to be overwritten) or new.
  Attribute& next_slot() {
    if (size_ == items_.size()) [[unlikely]] add_element();
    return items_[size_++];
  }
  void push_back(const Attribute& a) { next_slot() = a; }
  void push_back(Attribute&& a) { next_slot() = std::move(a); }
  template <typename... Args>
  Attribute& emplace_back(Args&&... args) {
    Attribute& slot = next_slot();
    slot = Attribute(std::forward<Args>(args)...);
    return slot;
  }

  friend bool operator==(const Attributes& a, const Attributes& b) {
    if (a.size_ != b.size_) return false;
    for (size_type i = 0; i < a.size_; ++i) {
      if (!(a.items_[i] == b.items_[i])) return false;
    }
    return true;
  }

 private:
  friend struct detail::AttributesReuse;
  void add_element();  // out of line: next_slot stays small enough to inline

  std::vector<Attribute> items_;  // [0, size_) are live; the rest are kept for reuse
  size_type size_ = 0;
};

// The value of `key`, or nullptr.
const AttributeValue* find_attribute(const Attributes& attrs, std::string_view key) noexcept;

// Convenience typed lookups for readers (renderers, tests): nullptr when absent or another type.
template <typename T>
const T* find_attribute_as(const Attributes& attrs, std::string_view key) noexcept {
  const AttributeValue* v = find_attribute(attrs, key);
  return v ? std::get_if<T>(v) : nullptr;
}

// Human-readable rendering for terminals: strings unquoted, arrays as [a, b].
std::string to_display_string(const AttributeValue& value);

}  // namespace agentrace::tracing
