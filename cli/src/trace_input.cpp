#include "trace_input.hpp"

#include <exception>
#include <fstream>

#include "agentrace/formats/otlp_encoding.hpp"

namespace agentrace::cli {
namespace {

std::string file_head(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

}  // namespace

std::optional<formats::JsonlReadResult> read_trace_file(const std::string& file, std::string_view command, std::FILE* err) {
  formats::JsonlReadResult result;
  try {
    result = formats::looks_like_otlp_json(file_head(file)) ? formats::read_otlp_json_file(file)
                                                            : formats::read_jsonl_file(file);
  } catch (const std::exception& e) {
    std::fprintf(err, "agentrace %.*s: %s\n", static_cast<int>(command.size()), command.data(), e.what());
    return std::nullopt;
  }
  for (const auto& e : result.errors) std::fprintf(err, "%s:%zu: %s\n", file.c_str(), e.line, e.message.c_str());
  return result;
}

bool report_no_spans(const formats::JsonlReadResult& result, const std::string& file, std::string_view command,
                     std::FILE* err) {
  if (!result.spans.empty()) return false;
  std::fprintf(err, "agentrace %.*s: %s: no spans%s\n", static_cast<int>(command.size()), command.data(), file.c_str(),
               result.errors.empty() ? "" : " (no line could be read)");
  return true;
}

}  // namespace agentrace::cli
