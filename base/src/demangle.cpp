#include "agentrace/base/demangle.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string_view>

namespace agentrace::base {

std::string demangle(const char* mangled) {
  int status = 0;
  const std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string name = status == 0 && demangled ? demangled.get() : mangled;
  for (std::string_view noise : {"__cxx11::"}) {
    for (auto pos = name.find(noise); pos != std::string::npos; pos = name.find(noise)) name.erase(pos, noise.size());
  }
  return name;
}

}  // namespace agentrace::base
