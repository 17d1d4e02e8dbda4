// What the subcommands ask of the terminal: is it one, how wide, may we colour.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace agentrace::cli {

bool is_terminal(std::FILE* f);
// The terminal's width, or 100 when `f` is not a terminal.
std::size_t terminal_width(std::FILE* f);
// Colour when `f` is a terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM is
// not "dumb".
bool auto_color(std::FILE* f);
// `force_on` / `force_off` are the --color / --no-color flags.
bool use_color(std::FILE* f, bool force_on, bool force_off);
// Writes all of `text`; false when the stream failed.
bool write_all(std::FILE* f, const std::string& text);

}  // namespace agentrace::cli
