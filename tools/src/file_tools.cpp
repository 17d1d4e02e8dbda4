// read_file and list_dir, confined to a root directory. The model chooses the paths, so every
// path is treated as hostile: it is resolved one component at a time against the canonical
// root, following symlinks as the operating system would, and rejected the moment it leaves.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/base/utf8.hpp"

namespace agentrace::tools {

namespace fs = std::filesystem;

namespace {

bool is_within(const fs::path& path, const fs::path& root) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    // A trailing separator shows up as an empty last component; it constrains nothing.
    if (r->empty() && std::next(r) == root.end()) break;
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

// The path as the model gave it, for messages; quoted with JSON escapes so control characters
// and odd bytes cannot garble the message.
std::string shown(const std::string& relative) {
  return Json(relative).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `text` itself when it is valid UTF-8, else with the invalid bytes replaced by U+FFFD: file
// names are bytes, but the listing is JSON.
std::string printable(const std::string& text) {
  if (base::utf8_valid(text)) return text;
  return Json::parse(Json(text).dump(-1, ' ', false, Json::error_handler_t::replace)).get<std::string>();
}

// Resolves the model's path, or the error result explaining why it may not be used.
std::variant<fs::path, ToolResult> resolve_for_tool(const fs::path& root, const std::string& relative) {
  try {
    return resolve_inside(root, relative);
  } catch (const std::invalid_argument& e) {
    return ToolResult::error(e.what(), ToolErrorKind::execution);
  }
}

// A path relative to the canonical root, for messages and listings ("." for the root itself).
std::string relative_display(const fs::path& path, const fs::path& root) {
  const fs::path rel = path.lexically_relative(root);
  return rel.empty() ? std::string(".") : rel.generic_string();
}

}  // namespace

// Equivalent to checking weakly_canonical(root / relative) against canonical(root), but walked
// by hand for two reasons: an intermediate step that leaves the root is rejected even when
// later components would lead back in (no probing of the outside), and a dangling symlink,
// which weakly_canonical would keep unresolved as if it were a plain name, is rejected rather
// than left for open() to follow. The tree can still change between this check and the open
// that follows; none of these tools writes, so the model cannot stage such a swap itself.
fs::path resolve_inside(const fs::path& root, const std::string& relative) {
  if (relative.empty()) throw std::invalid_argument("the path is empty; give a path relative to the root (\".\" is the root itself)");
  if (relative.find('\0') != std::string::npos) throw std::invalid_argument("the path " + shown(relative) + " contains a NUL character");
  const fs::path rel(relative);
  if (rel.has_root_path()) {
    throw std::invalid_argument("absolute paths are not allowed: " + shown(relative) +
                                "; give a path relative to the root (\".\" is the root itself)");
  }
  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec) throw std::invalid_argument("the root directory '" + root.string() + "' is not accessible: " + ec.message());

  fs::path current = canonical_root;
  bool exists = true;  // once a component is missing, the rest can only be lexical
  for (const auto& component : rel) {
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      if (current == canonical_root) throw std::invalid_argument("the path " + shown(relative) + " leaves the root directory");
      current = current.parent_path();
      continue;
    }
    fs::path next = current / component;
    if (!exists) {
      current = std::move(next);
      continue;
    }
    const fs::file_status link_status = fs::symlink_status(next, ec);
    if (link_status.type() == fs::file_type::not_found) {
      exists = false;
      current = std::move(next);
      continue;
    }
    if (ec) throw std::invalid_argument("cannot access " + shown(relative) + ": " + ec.message());
    if (fs::is_symlink(link_status)) {
      fs::path target = fs::canonical(next, ec);
      if (ec) {
        throw std::invalid_argument("the path " + shown(relative) + " goes through the symlink '" +
                                    relative_display(next, canonical_root) + "', whose target does not exist");
      }
      if (!is_within(target, canonical_root)) {
        throw std::invalid_argument("the path " + shown(relative) + " goes through the symlink '" +
                                    relative_display(next, canonical_root) + "', which points outside the root directory");
      }
      current = std::move(target);
    } else {
      current = std::move(next);
    }
  }
  return current;
}

ToolPtr make_read_file_tool(fs::path root, std::size_t max_bytes) {
  return make_tool("read_file", "Read a UTF-8 text file. The path is relative to the working directory; files larger than " +
                                    std::to_string(max_bytes) + " bytes cannot be read.")
      .param<std::string>("path", "the file's path relative to the working directory, e.g. \"docs/notes.txt\"")
      .handler([root = std::move(root), max_bytes](const std::string& path) -> ToolResult {
        auto resolved = resolve_for_tool(root, path);
        if (auto* error = std::get_if<ToolResult>(&resolved)) return std::move(*error);
        const fs::path& file = std::get<fs::path>(resolved);
        std::error_code ec;
        const fs::file_status status = fs::status(file, ec);
        if (status.type() == fs::file_type::not_found) return ToolResult::error("no such file: " + shown(path));
        if (ec) return ToolResult::error("cannot access " + shown(path) + ": " + ec.message());
        if (fs::is_directory(status)) {
          return ToolResult::error(shown(path) + " is a directory, not a file; use list_dir to see its entries");
        }
        if (!fs::is_regular_file(status)) return ToolResult::error(shown(path) + " is not a regular file");
        const std::uintmax_t size = fs::file_size(file, ec);
        if (ec) return ToolResult::error("cannot read " + shown(path) + ": " + ec.message());
        if (size > max_bytes) {
          return ToolResult::error("file " + shown(path) + " is " + std::to_string(size) + " bytes; the limit is " +
                                   std::to_string(max_bytes));
        }
        std::ifstream in(file, std::ios::binary);
        if (!in) return ToolResult::error("cannot open " + shown(path));
        // Read at most one byte past the limit: the file may have grown since it was measured.
        std::string text(max_bytes + 1, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_bytes) {
          return ToolResult::error("file " + shown(path) + " is larger than the limit of " + std::to_string(max_bytes) + " bytes");
        }
        if (text.find('\0') != std::string::npos || !base::utf8_valid(text)) {
          return ToolResult::error("file " + shown(path) + " is not UTF-8 text (binary files cannot be read)");
        }
        return ToolResult::text(std::move(text));
      });
}

ToolPtr make_list_dir_tool(fs::path root) {
  // Bounded so that one call on a huge directory cannot fill the model's context; "total" tells
  // the model how many entries were left out.
  constexpr std::size_t max_entries = 1000;
  return make_tool("list_dir",
                   "List a directory: its entries sorted by name, each with its type (file, dir, symlink, other) and, "
                   "for files, the size in bytes. The path is relative to the working directory.")
      .optional_param<std::string>("path", "the directory relative to the working directory; \".\" (the default) is the "
                                           "working directory itself")
      .handler([root = std::move(root)](const std::optional<std::string>& path_arg) -> ToolResult {
        const std::string path = path_arg.value_or(".");
        auto resolved = resolve_for_tool(root, path);
        if (auto* error = std::get_if<ToolResult>(&resolved)) return std::move(*error);
        const fs::path& dir = std::get<fs::path>(resolved);
        std::error_code ec;
        const fs::file_status status = fs::status(dir, ec);
        if (status.type() == fs::file_type::not_found) return ToolResult::error("no such directory: " + shown(path));
        if (ec) return ToolResult::error("cannot access " + shown(path) + ": " + ec.message());
        if (!fs::is_directory(status)) return ToolResult::error(shown(path) + " is not a directory; use read_file to read a file");

        Json entries = Json::array();
        std::vector<std::pair<std::string, Json>> found;
        fs::directory_iterator it(dir, ec);
        if (ec) return ToolResult::error("cannot list " + shown(path) + ": " + ec.message());
        for (const fs::directory_entry& entry : it) {
          std::error_code entry_ec;
          const fs::file_status s = entry.symlink_status(entry_ec);
          const std::string name = entry.path().filename().string();
          Json item = {{"name", printable(name)}};
          if (fs::is_symlink(s)) {
            item["type"] = "symlink";
          } else if (fs::is_directory(s)) {
            item["type"] = "dir";
          } else if (fs::is_regular_file(s)) {
            item["type"] = "file";
            const auto size = entry.file_size(entry_ec);
            if (!entry_ec) item["size"] = size;
          } else {
            item["type"] = "other";
          }
          found.emplace_back(name, std::move(item));
        }
        std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t i = 0; i < found.size() && i < max_entries; ++i) entries.push_back(std::move(found[i].second));
        return ToolResult::json({{"path", printable(path)}, {"entries", std::move(entries)}, {"total", found.size()}});
      });
}

}  // namespace agentrace::tools
