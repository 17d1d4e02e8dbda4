// What the file exporters share: the directories they create for their files and, for the two
// that append (JSON Lines, OTLP/JSON lines), each batch appended and flushed at once, so that a
// crash loses at most the batch being written.
#pragma once

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace agentrace::formats::detail {

// Creates the directories `path` is to be written in, when missing. A failure is not reported
// here: it shows up as the error of opening the file, which names the file.
inline void create_parent_directories(const std::filesystem::path& path) {
  if (!path.has_parent_path()) return;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
}

// Opens `path` for appending (parent directories created first); nullptr, with errno saying why,
// when it cannot.
inline std::FILE* open_for_appending(const std::filesystem::path& path) {
  create_parent_directories(path);
  errno = 0;
  return std::fopen(path.c_str(), "ab");
}

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
