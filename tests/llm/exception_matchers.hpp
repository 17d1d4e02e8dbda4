// Catch2 2.13's Catch::Message matches a whole what() string; errors here are checked for the
// parts that matter (a field name, a path), so this matcher looks for each part.
#pragma once

#include <catch2/catch.hpp>

#include <exception>
#include <initializer_list>
#include <string>
#include <vector>

namespace agentrace::testing {

class WhatContains : public Catch::MatcherBase<std::exception> {
 public:
  WhatContains(std::initializer_list<std::string> parts) : parts_(parts) {}

  bool match(const std::exception& e) const override {
    const std::string what = e.what();
    for (const auto& part : parts_) {
      if (what.find(part) == std::string::npos) return false;
    }
    return true;
  }

  std::string describe() const override {
    std::string out = "has a message containing";
    for (const auto& part : parts_) out += " \"" + part + "\"";
    return out;
  }

 private:
  std::vector<std::string> parts_;
};

}  // namespace agentrace::testing
