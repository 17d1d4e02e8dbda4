// A disk that fills up part way through a write, for tests that run as root: RLIMIT_FSIZE caps
// the size of every file this process writes, so a write that would cross the cap writes what
// fits and the next one fails with EFBIG ("File too large"), as a full disk does with ENOSPC.
// Directory permissions cannot make that happen as root, and /dev/full cannot fail part way.
// SIGXFSZ, which would otherwise end the process, is ignored meanwhile. Both are restored.
#pragma once

#include <sys/resource.h>

#include <csignal>
#include <cstdint>

#include <catch2/catch.hpp>

namespace agentrace::testing {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_) == 0);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = old_;
    limit.rlim_cur = static_cast<rlim_t>(bytes);
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  void (*old_handler_)(int) = SIG_DFL;
};

}  // namespace agentrace::testing
