// What the two appending file exporters (JSON Lines, OTLP/JSON lines) share: each batch is
// appended and flushed at once, so a crash loses at most the batch being written.
#pragma once

#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>

namespace agentrace::formats::detail {

// Appends `bytes` to `file` and flushes. On failure (errno says why) the stream's error flag is
// cleared so that the next batch tries again: a disk that was full may not be any more.
inline bool append_and_flush(std::FILE* file, std::string_view bytes) noexcept {
  if (bytes.empty()) return true;
  errno = 0;
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  ok = std::fflush(file) == 0 && ok;
  if (!ok) std::clearerr(file);
  return ok;
}

// A batch buffer is reused from batch to batch, but one huge batch should not pin its memory for
// the exporter's lifetime.
inline void release_if_large(std::string& buffer) noexcept {
  if (buffer.capacity() > (std::size_t{1} << 20)) std::string().swap(buffer);
}

// Closes `file` (nothing to do when it is not open); after shutdown nothing is pending.
inline bool close_file(std::FILE*& file) noexcept {
  if (file == nullptr) return true;
  const bool ok = std::fclose(file) == 0;
  file = nullptr;
  return ok;
}

inline bool flush_file(std::FILE* file) noexcept { return file == nullptr || std::fflush(file) == 0; }

}  // namespace agentrace::formats::detail
