// How much of a trace file the readers take in. A trace file is outside input: it may be cut,
// hand-edited, produced by another program or made to hurt. Beyond these caps a reader reports a
// clear error (naming the cap) instead of growing without bound; the defaults are far above
// anything the project's own writers produce, even with full content capture of a long
// streamed reply. docs/reliability.md ("Bounded input") lists them.
#pragma once

#include <cstddef>

namespace agentrace::formats {

struct ReadLimits {
  // The whole file (and an OTLP/JSON document, which is read whole). A larger file is refused
  // before any of it is read.
  std::size_t max_file_bytes = std::size_t{1} << 30;  // 1 GiB
  // One JSON Lines line (one span), or one line of an OTLP/JSON Lines file. A longer line is
  // skipped, read past without being kept, and reported.
  std::size_t max_line_bytes = std::size_t{256} << 20;  // 256 MiB
  // A span's (or an event's) name.
  std::size_t max_name_bytes = std::size_t{64} << 10;  // 64 KiB
  // One attribute's string value (or a string array's element), or its key.
  std::size_t max_value_bytes = std::size_t{128} << 20;  // 128 MiB
};

}  // namespace agentrace::formats
