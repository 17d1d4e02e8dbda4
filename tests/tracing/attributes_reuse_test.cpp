// The span pool's bounds on what a recycled record's attribute list keeps (tracing/src).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "attributes_reuse.hpp"

using agentrace::tracing::Attributes;
using agentrace::tracing::detail::AttributesReuse;

TEST_CASE("Attributes::clear_for_reuse keeps small buffers and frees large ones", "[tracing][attributes][pool]") {
  Attributes a;
  a.emplace_back("small", std::string(100, 's'));
  a.emplace_back("large", std::string(5000, 'l'));
  a.emplace_back("array", std::vector<std::string>{"x", "y"});
  AttributesReuse::clear_for_reuse(a, 64, 1024);
  CHECK(a.empty());
  CHECK(a.capacity() >= 3);  // the element objects stay for the next span
  Attributes b;
  b.emplace_back("k", std::string(100, 's'));
  b.emplace_back("k2", std::string(5000, 'l'));
  b.emplace_back("k3", std::vector<std::int64_t>{1, 2, 3});
  b.emplace_back("k4", std::string(600, 'm'));
  const std::size_t before = AttributesReuse::retained_bytes(b);
  AttributesReuse::clear_for_reuse(b, 64, 1024);  // at most 1024 bytes of strings in all
  CHECK(AttributesReuse::retained_bytes(b) < before - 5000);  // the 5000-byte buffer and the array were freed
  CHECK(AttributesReuse::retained_bytes(b) >= 700);           // the 100- and 600-byte ones were kept (700 <= 1024)
  Attributes c;
  c.emplace_back("k", std::string(800, 's'));
  c.emplace_back("k2", std::string(800, 't'));
  const std::size_t c_before = AttributesReuse::retained_bytes(c);
  AttributesReuse::clear_for_reuse(c, 64, 1024);
  CHECK(AttributesReuse::retained_bytes(c) < c_before - 700);  // the second would pass the total: freed

  Attributes many;
  for (int i = 0; i < 100; ++i) many.emplace_back("k" + std::to_string(i), i);
  AttributesReuse::clear_for_reuse(many, 64, 1024);
  CHECK(many.capacity() == 0);  // more objects than a record may keep: all freed
}

TEST_CASE("release_memory frees the kept elements too", "[tracing][attributes][pool]") {
  Attributes a{{"k", std::string(100, 'x')}, {"n", 1}};
  a.clear();
  CHECK(a.capacity() >= 2);  // clear() keeps them
  AttributesReuse::release_memory(a);
  CHECK(a.empty());
  CHECK(a.capacity() == 0);
  CHECK(AttributesReuse::retained_bytes(a) == 0);
}
