// Text from models and users, made safe to print on one line of a terminal.
#pragma once

#include <string>
#include <string_view>

namespace agentrace::base {

// Newline and carriage return as \n and \r, a tab as a space, every other control character (an
// escape would drive the terminal) as '?'; everything else, UTF-8 included, as it is.
std::string single_line(std::string_view text);

}  // namespace agentrace::base
