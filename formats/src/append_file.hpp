// What the file exporters share: the directories they create for their files and, for the ones
// that append (JSON Lines, OTLP/JSON lines, the trace directory), each batch appended whole.
//
// A batch is appended with one write(2) of whole lines on a descriptor opened with O_APPEND, not
// through stdio: stdio splits a large batch into several writes, and a process killed between
// them would leave a line cut in two. A write that fails part way (a full disk) has what it
// wrote cut off again, so the file never ends in half a line. (A write of several pages can still
// be cut by SIGKILL inside the kernel; the readers report such a last line and read the rest.)
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

// Opens `path` for appending (parent directories created first): a descriptor, or -1 with errno
// saying why.
inline int open_for_appending(const std::filesystem::path& path) {
  create_parent_directories(path);
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// Appends `bytes` to `fd` (opened with O_APPEND): 0, or the errno of the failure. The bytes go in
// one write when the kernel takes them whole, which it does for a regular file short of a full
// disk; on a failure part way, what this call wrote is truncated away again (when nobody else
// appended meanwhile, which no file of ours shares), so a later batch starts on a line of its own.
inline int append_whole(int fd, std::string_view bytes) noexcept {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ::ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int err = n < 0 ? errno : EIO;
    if (done > 0) {
      const ::off_t end = ::lseek(fd, 0, SEEK_CUR);  // after an O_APPEND write: the end of our bytes
      if (end >= static_cast<::off_t>(done)) (void)!::ftruncate(fd, end - static_cast<::off_t>(done));
    }
    return err;
  }
  return 0;
}

// Closes `fd` (nothing to do when it is -1): 0, or the errno close reported (a network file
// system may report a failed write only here).
inline int close_file(int& fd) noexcept {
  if (fd < 0) return 0;
  const int result = ::close(fd);  // not retried on EINTR: Linux has closed the descriptor anyway
  fd = -1;
  return result == 0 || errno == EINTR ? 0 : errno;
}

// A batch buffer is reused from batch to batch, but one huge batch should not pin its memory for
// the exporter's lifetime.
inline void release_if_large(std::string& buffer) noexcept {
  if (buffer.capacity() > (std::size_t{1} << 20)) std::string().swap(buffer);
}

// "<what> '<path>': <the system's text for err>", e.g. "cannot write 'a.jsonl': No space left on
// device". An err of 0 (a failure that set no errno) reads as an I/O error.
inline std::string describe_error(std::string_view what, const std::filesystem::path& path, int err) {
  return std::string(what) + " '" + path.string() + "': " + std::generic_category().message(err != 0 ? err : EIO);
}

}  // namespace agentrace::formats::detail
