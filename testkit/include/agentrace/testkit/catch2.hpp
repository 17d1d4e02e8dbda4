// Catch2 (v2) matchers over a SpanTree.
//
//   SpanTree tree(storage->spans());
//   REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
//   REQUIRE_THAT(tree, HasSpans("**/step 3/execute_tool calculator", 2));
#pragma once

#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "agentrace/testkit/span_tree.hpp"

namespace agentrace::testkit {

class SpanTreeMatcher : public Catch::MatcherBase<SpanTree> {
 public:
  enum class Kind { all_ended, no_orphans, single_trace, count };
  SpanTreeMatcher(Kind kind, std::string path = {}, std::size_t count = 0)
      : kind_(kind), path_(std::move(path)), count_(count) {}

  bool match(const SpanTree& tree) const override {
    switch (kind_) {
      case Kind::all_ended: return tree.unended().empty();
      case Kind::no_orphans: return tree.orphans().empty();
      case Kind::single_trace: return tree.trace_count() == 1;
      case Kind::count: return tree.at(path_).size() == count_;
    }
    return false;
  }

  std::string describe() const override {
    switch (kind_) {
      case Kind::all_ended: return "has every span ended";
      case Kind::no_orphans: return "has no orphan span";
      case Kind::single_trace: return "is one trace";
      case Kind::count: {
        std::ostringstream out;
        out << "has exactly " << count_ << " span(s) at '" << path_ << "'";
        return out.str();
      }
    }
    return {};
  }

 private:
  Kind kind_;
  std::string path_;
  std::size_t count_;
};

inline SpanTreeMatcher AllSpansEnded() { return SpanTreeMatcher(SpanTreeMatcher::Kind::all_ended); }
inline SpanTreeMatcher NoOrphans() { return SpanTreeMatcher(SpanTreeMatcher::Kind::no_orphans); }
inline SpanTreeMatcher SingleTrace() { return SpanTreeMatcher(SpanTreeMatcher::Kind::single_trace); }
inline SpanTreeMatcher HasSpans(std::string path, std::size_t count) {
  return SpanTreeMatcher(SpanTreeMatcher::Kind::count, std::move(path), count);
}

}  // namespace agentrace::testkit

namespace Catch {
template <>
struct StringMaker<agentrace::testkit::SpanTree> {
  static std::string convert(const agentrace::testkit::SpanTree& tree) { return "\n" + tree.render(); }
};
}  // namespace Catch
