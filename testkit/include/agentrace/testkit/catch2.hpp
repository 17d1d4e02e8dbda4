// Catch2 (v2) matchers over a SpanTree and over one span (docs/testing.md).
//
//   SpanTree tree(storage->spans());
//   REQUIRE_THAT(tree, AllSpansEnded() && NoOrphans() && SingleTrace());
//   REQUIRE_THAT(tree, HasSpans("**/step 3/execute_tool calculator", 2));
//   CHECK_THAT(tree.one("invoke_agent worker/step 1/execute_tool add"),
//              HasStatus(tracing::StatusCode::error) && HasAttribute("agentrace.tool.error_kind", "invalid_arguments"));
//
// A failed match shows what was there: the spans a path found, in the one branch of the tree that
// matters; the attribute's actual value (or the keys the span has); the actual status. Each line
// of it fits Catch's console width (CATCH_CONFIG_CONSOLE_WIDTH), so the reporter does not wrap
// it. A matcher describes the last value it matched.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "agentrace/testkit/describe.hpp"
#include "agentrace/testkit/span_tree.hpp"

namespace agentrace::testkit {

// The widest line of a failure message: Catch's console reporter indents the expansion by 2 and
// wraps a line of CATCH_CONFIG_CONSOLE_WIDTH - 3 bytes or more (the width is 80 unless a build
// defines it; catch.hpp defines its default only where the test main is compiled).
#if defined(CATCH_CONFIG_CONSOLE_WIDTH) && CATCH_CONFIG_CONSOLE_WIDTH > 40
inline constexpr std::size_t message_width = CATCH_CONFIG_CONSOLE_WIDTH - 4;
#else
inline constexpr std::size_t message_width = 76;
#endif

class SpanTreeMatcher : public Catch::MatcherBase<SpanTree> {
 public:
  enum class Kind { all_ended, no_orphans, single_trace, count };
  SpanTreeMatcher(Kind kind, std::string path = {}, std::size_t count = 0)
      : kind_(kind), path_(std::move(path)), count_(count) {}

  bool match(const SpanTree& tree) const override {
    m_cachedToString.clear();  // describe() tells of this tree, also when the matcher is reused
    switch (kind_) {
      case Kind::all_ended: {
        const auto open = tree.unended();
        found_ = list_spans(tree, open, "unended: ");
        return open.empty();
      }
      case Kind::no_orphans: {
        const auto lost = tree.orphans();
        found_ = list_spans(tree, lost, "orphan: ");
        return lost.empty();
      }
      case Kind::single_trace: {
        const std::size_t traces = tree.trace_count();
        found_ = "\n  actual: " + std::to_string(traces) + (traces == 1 ? " trace" : " traces");
        if (traces > 1) found_ += ", with the roots" + list_spans(tree, tree.roots(), "");
        return traces == 1;
      }
      case Kind::count: {
        found_ = "\n" + tree.explain(path_, message_width);
        return tree.at(path_).size() == count_;
      }
    }
    return false;
  }

  std::string describe() const override {
    switch (kind_) {
      case Kind::all_ended: return "has every span ended" + found_;
      case Kind::no_orphans: return "has no orphan span" + found_;
      case Kind::single_trace: return "is one trace" + found_;
      case Kind::count:
        return "has " + std::to_string(count_) + (count_ == 1 ? " span" : " spans") + " at\n'" + path_ + "'" + found_;
    }
    return {};
  }

 private:
  // One line per span (its path), the first few of them.
  static std::string list_spans(const SpanTree& tree, const std::vector<const tracing::SpanData*>& spans,
                                std::string_view label) {
    constexpr std::size_t max_listed = 10;
    std::string out;
    for (std::size_t i = 0; i < spans.size() && i < max_listed; ++i) {
      out += "\n" + one_line("  " + std::string(label) + tree.path(*spans[i]), message_width);
    }
    if (spans.size() > max_listed) out += "\n  ... and " + std::to_string(spans.size() - max_listed) + " more";
    return out;
  }

  Kind kind_;
  std::string path_;
  std::size_t count_;
  mutable std::string found_;
};

inline SpanTreeMatcher AllSpansEnded() { return SpanTreeMatcher(SpanTreeMatcher::Kind::all_ended); }
inline SpanTreeMatcher NoOrphans() { return SpanTreeMatcher(SpanTreeMatcher::Kind::no_orphans); }
inline SpanTreeMatcher SingleTrace() { return SpanTreeMatcher(SpanTreeMatcher::Kind::single_trace); }
// Exactly `count` spans at `path` (SpanTree::at). On failure: how many it found, and the branch
// around them or around where the path stopped matching (SpanTree::explain).
inline SpanTreeMatcher HasSpans(std::string path, std::size_t count) {
  return SpanTreeMatcher(SpanTreeMatcher::Kind::count, std::move(path), count);
}

// An attribute of one span: present, or present with a value of the same type and equal to it.
class AttributeMatcher : public Catch::MatcherBase<tracing::SpanData> {
 public:
  explicit AttributeMatcher(std::string_view key, std::optional<tracing::AttributeValue> expected = std::nullopt)
      : key_(key), expected_(std::move(expected)) {}

  bool match(const tracing::SpanData& span) const override {
    m_cachedToString.clear();
    actual_ = describe_attribute(span, key_, message_width);
    const tracing::AttributeValue* value = span.attribute(key_);
    return value != nullptr && (!expected_ || *value == *expected_);
  }

  std::string describe() const override {
    std::string out = "has attribute " + key_;
    if (expected_) {
      constexpr std::string_view lead = "  expected: ";
      out += "\n" + std::string(lead) + describe_value(*expected_, message_width - lead.size());
    }
    if (!actual_.empty()) out += "\n" + actual_;
    return out;
  }

 private:
  std::string key_;
  std::optional<tracing::AttributeValue> expected_;
  mutable std::string actual_;
};

// The span has `key`, of any value.
inline AttributeMatcher HasAttribute(std::string_view key) { return AttributeMatcher(key); }
// The span has `key` equal to `value`, which is converted as Span::set_attribute converts it:
// any integer is an int64, a float a double, a `const char*` a string (never a bool).
template <typename T>
AttributeMatcher HasAttribute(std::string_view key, T&& value) {
  return AttributeMatcher(key, tracing::to_attribute_value(std::forward<T>(value)));
}

// The span's status code.
class StatusMatcher : public Catch::MatcherBase<tracing::SpanData> {
 public:
  explicit StatusMatcher(tracing::StatusCode code) : code_(code) {}

  bool match(const tracing::SpanData& span) const override {
    m_cachedToString.clear();
    constexpr std::string_view lead = "  actual: ";
    actual_ = std::string(lead) + describe_status(span.status, message_width - lead.size());
    return span.status.code == code_;
  }

  std::string describe() const override {
    return "has status " + std::string(tracing::to_string(code_)) + (actual_.empty() ? "" : "\n" + actual_);
  }

 private:
  tracing::StatusCode code_;
  mutable std::string actual_;
};

inline StatusMatcher HasStatus(tracing::StatusCode code) { return StatusMatcher(code); }

}  // namespace agentrace::testkit

namespace Catch {
// Short: the matchers' descriptions show what matters of the tree or the span.
template <>
struct StringMaker<agentrace::testkit::SpanTree> {
  static std::string convert(const agentrace::testkit::SpanTree& tree) {
    return "a tree of " + std::to_string(tree.size()) + (tree.size() == 1 ? " span" : " spans");
  }
};
template <>
struct StringMaker<agentrace::tracing::SpanData> {
  static std::string convert(const agentrace::tracing::SpanData& span) {
    return "span " + agentrace::testkit::one_line("\"" + span.name + "\"", agentrace::testkit::message_width / 2);
  }
};
}  // namespace Catch
