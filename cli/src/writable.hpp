// Where the CLI may write: whether a directory takes new files (asked by creating one, since
// permissions, read-only mounts and ACLs all answer differently), and a scratch directory of its
// own under the system's temporary directory for what need not outlive the command.
#pragma once

#include <filesystem>
#include <system_error>

namespace agentrace::cli {

// The error creating a file in `dir` gives (EACCES, EROFS, ENOSPC, ...); none when it can.
std::error_code write_probe(const std::filesystem::path& dir);

// A fresh directory `<tmp>/agentrace-<purpose>-XXXXXX`, removed with what it holds when this
// ends. Throws std::system_error when it cannot be made.
class ScratchDir {
 public:
  explicit ScratchDir(const char* purpose);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace agentrace::cli
