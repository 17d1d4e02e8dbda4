#include "agentrace/tracing/attributes.hpp"

#include "attributes_reuse.hpp"
#include "key_intern.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <memory>
#include <mutex>
#include <unordered_set>

namespace agentrace::tracing {
namespace {

// ---------------------------------------------------------------------------------------------
// Interned attribute names

// Every distinct name once, NUL-terminated, in chunks that are never freed: keys hold plain
// pointers into them, from any thread, until the process exits.
class InternTable {
 public:
  // The interned copy of `text`, or nullptr once the table holds kInternLimitBytes.
  const char* intern(std::string_view text) {
    std::lock_guard lock(mutex_);
    if (auto it = names_.find(text); it != names_.end()) return it->data();
    if (bytes_ + text.size() + 1 > AttributeKey::kInternLimitBytes) return nullptr;
    char* copy = allocate(text.size() + 1);
    std::memcpy(copy, text.data(), text.size());
    copy[text.size()] = '\0';
    bytes_ += text.size() + 1;
    names_.emplace(copy, text.size());
    return copy;
  }

 private:
  static constexpr std::size_t chunk_bytes = 16 * 1024;

  char* allocate(std::size_t n) {
    if (n > chunk_bytes / 4) return chunks_.emplace_back(std::make_unique<char[]>(n)).get();
    if (n > left_) {
      cursor_ = chunks_.emplace_back(std::make_unique<char[]>(chunk_bytes)).get();
      left_ = chunk_bytes;
    }
    char* out = cursor_;
    cursor_ += n;
    left_ -= n;
    return out;
  }

  std::mutex mutex_;
  std::unordered_set<std::string_view> names_;
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* cursor_ = nullptr;
  std::size_t left_ = 0;
  std::size_t bytes_ = 0;
};

InternTable& intern_table() {
  static auto* table = new InternTable;  // never destroyed: keys may be made during static destruction
  return *table;
}


std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

template <typename T>
std::string join(const std::vector<T>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    if constexpr (std::is_same_v<T, bool>) {
      out += items[i] ? "true" : "false";
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      out += std::to_string(items[i]);
    } else if constexpr (std::is_same_v<T, double>) {
      out += number_text(items[i]);
    } else {
      out += items[i];
    }
  }
  out += "]";
  return out;
}

}  // namespace

namespace detail {

const char* intern_and_cache(std::string_view text, KeyCacheEntry& entry) {
  const char* interned = intern_table().intern(text);
  if (interned != nullptr) entry = KeyCacheEntry{text.data(), text.size(), interned};
  return interned;
}

}  // namespace detail

AttributeKey::AttributeKey(std::string_view text) {
  if (text.empty()) return;
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) [[unlikely]] {
    throw std::length_error("attribute name longer than 4 GiB");
  }
  size_ = static_cast<std::uint32_t>(text.size());
  if (const char* interned = detail::intern_cached(text)) [[likely]] {
    data_ = interned;
    return;
  }
  data_ = text.data();  // past the intern bound: a copy of its own
  owned_ = true;
  copy_owned();
}

void AttributeKey::copy_owned() {
  auto* copy = new char[size_ + 1];
  std::memcpy(copy, data_, size_);
  copy[size_] = '\0';
  data_ = copy;
}

void AttributeKey::free_owned() noexcept { delete[] data_; }

void Attributes::add_element() { items_.emplace_back(); }

const AttributeValue* find_attribute(const Attributes& attrs, std::string_view key) noexcept {
  for (const auto& a : attrs) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

std::string to_display_string(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return number_text(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else {
          return join(v);
        }
      },
      value);
}

}  // namespace agentrace::tracing

// ---------------------------------------------------------------------------------------------
// Reuse of a recycled record's attributes

namespace agentrace::tracing::detail {
namespace {

// A string this short lives inside the std::string object (the small-string buffer), so keeping
// it costs nothing. Asked of the library rather than assumed.
const std::size_t in_place_capacity = std::string().capacity();

}  // namespace

void AttributesReuse::clear_for_reuse(Attributes& list, std::size_t max_elements, std::size_t max_string_bytes) noexcept {
  list.size_ = 0;
  if (list.items_.size() > max_elements) {
    release_memory(list);
    return;
  }
  std::size_t kept = 0;
  for (auto& a : list.items_) {
    if (std::holds_alternative<bool>(a.value) || std::holds_alternative<std::int64_t>(a.value) ||
        std::holds_alternative<double>(a.value)) {
      continue;  // nothing on the heap
    }
    auto* text = std::get_if<std::string>(&a.value);
    if (text == nullptr) {
      a.value.emplace<bool>(false);  // arrays are rare: not worth keeping
      continue;
    }
    if (text->capacity() <= in_place_capacity) continue;
    if (kept + text->capacity() > max_string_bytes) {
      std::string().swap(*text);
    } else {
      kept += text->capacity();
    }
  }
}

std::size_t AttributesReuse::retained_bytes(const Attributes& list) noexcept {
  std::size_t bytes = list.items_.capacity() * sizeof(Attribute);
  for (const auto& a : list.items_) {
    if (!a.key.interned()) bytes += a.key.size();  // a key past the intern bound owns its text
    if (const auto* s = std::get_if<std::string>(&a.value)) {
      bytes += s->capacity() > in_place_capacity ? s->capacity() : 0;
    } else if (!std::holds_alternative<bool>(a.value) && !std::holds_alternative<std::int64_t>(a.value) &&
               !std::holds_alternative<double>(a.value)) {
      bytes += std::size_t{1} << 20;
    }
  }
  return bytes;
}

void AttributesReuse::release_memory(Attributes& list) noexcept {
  list.items_.clear();
  list.items_.shrink_to_fit();
  list.size_ = 0;
}

}  // namespace agentrace::tracing::detail
