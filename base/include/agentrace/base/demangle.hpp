// A C++ type's name as a person reads it: "std::runtime_error", "app::ValueError", without the
// ABI's inline namespaces ("std::__cxx11::"). For exception types on spans and in the text a
// model reads.
#pragma once

#include <string>

namespace agentrace::base {

// `mangled` as typeid(...).name() gives it; returned as it is when it cannot be demangled.
std::string demangle(const char* mangled);

}  // namespace agentrace::base
