// A compact, lossless binary form of a SpanData, for keeping many spans in this process.
//
// A span as objects costs its struct (280 bytes), 64 bytes per attribute and a heap block per
// string longer than 15 bytes; as bytes it costs what it holds: ids and times raw, an attribute
// as its interned key's address, a type tag and the value. Writing it allocates nothing once the
// buffer has grown, which makes keeping a span cheaper than copying its objects. Only this
// process can read it back (keys and the resource/scope are addresses), so it never leaves it.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "agentrace/tracing/span_data.hpp"

namespace agentrace::tracing::detail {

// A growable byte buffer that writes without the bookkeeping of std::string per append.
class ByteBuffer {
 public:
  [[nodiscard]] const char* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  void clear() noexcept { size_ = 0; }
  void release() noexcept {
    data_.reset();
    size_ = capacity_ = 0;
  }
  // Room for `n` more bytes; the returned pointer is where they go (commit() them after).
  char* reserve_more(std::size_t n) {
    if (capacity_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  void commit(std::size_t n) noexcept { size_ += n; }
  void append(const void* bytes, std::size_t n) {
    std::memcpy(reserve_more(n), bytes, n);
    size_ += n;
  }
  void push_back(char c) {
    *reserve_more(1) = c;
    ++size_;
  }

 private:
  void grow(std::size_t n);

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Appends the encoded `span` to `out`.
void encode_span(const SpanData& span, ByteBuffer& out);
// Decodes one span written by encode_span from the start of `bytes`.
SpanData decode_span(std::string_view bytes);

}  // namespace agentrace::tracing::detail
