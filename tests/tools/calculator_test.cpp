#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/registry.hpp"

using namespace agentrace::tools;
using Catch::Matchers::Contains;

namespace {

struct Valid {
  std::string expression;
  double expected;
};

struct Invalid {
  std::string expression;
  std::string message;  // a part of the error message
};

std::string error_of(const std::string& expression) {
  try {
    const double value = evaluate_expression(expression);
    FAIL("expected an error, got " << value);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("calculator: valid expressions evaluate with the documented precedence", "[tools]") {
  const double pi = std::numbers::pi;
  const double e = std::numbers::e;
  const std::vector<Valid> cases = {
      {"2", 2},
      {"2.5", 2.5},
      {".5", 0.5},
      {"5.", 5},
      {"1e3", 1000},
      {"2.5E-3", 0.0025},
      {"1.5e+2", 150},
      {"1+2*3", 7},
      {"(1+2)*3", 9},
      {"10-4-3", 3},               // - is left associative
      {"100/10/5", 2},             // / is left associative
      {"8/2*(2+2)", 16},
      {"2^3^2", 512},              // ^ is right associative
      {"(2^3)^2", 64},
      {"2^3*2", 16},
      {"2*3^2", 18},
      {"-2^2", -4},                // ^ binds tighter than unary minus
      {"(-2)^2", 4},
      {"2^-1", 0.5},
      {"-2^-2", -0.25},
      {"10^-2", 0.01},
      {"(-2)^3", -8},
      {"-3+5", 2},
      {"--3", 3},
      {"-(2+3)", -5},
      {"2*-3", -6},
      {"3-(-2)", 5},
      {"+4", 4},
      {"0^0", 1},
      {"sqrt(16)", 4},
      {"-sqrt(4)", -2},
      {"sqrt(pow(3,2)+pow(4,2))", 5},
      {"abs(-7.5)", 7.5},
      {"abs(-2)^2", 4},
      {"round(2.5)", 3},           // half away from zero
      {"round(-2.5)", -3},
      {"round(2.4999)", 2},
      {"pow(2, 10)", 1024},
      {"ln(e)", 1},
      {"log(1000)", 3},
      {"log(0.01)", -2},
      {"exp(0)", 1},
      {"exp(1)", e},
      {"pi", pi},
      {"2*pi", 2 * pi},
      {"e^2", e * e},
      {"1/3", 1.0 / 3.0},
      {"2^0.5", std::sqrt(2.0)},
      {" 1 +\t2\n ", 3},
      {"((((((1))))))", 1},
      {"1e-3*1e3", 1},
      {"1e308", 1e308},
      {"1e-300", 1e-300},
  };
  REQUIRE(cases.size() >= 30);
  for (const auto& c : cases) {
    INFO("expression: " << c.expression);
    CHECK(evaluate_expression(c.expression) == Approx(c.expected).epsilon(1e-12));
  }
}

TEST_CASE("calculator: malformed and malicious input is rejected with a message", "[tools]") {
  const std::vector<Invalid> cases = {
      {"", "empty expression"},
      {"   ", "empty expression"},
      {"2+", "unexpected end of expression at position 3"},
      {"(1", "missing ')' at position 3 to close the '(' at position 1"},
      {"1)", "unexpected ')' at position 2"},
      {"(1+2)*3)", "unexpected ')' at position 8"},
      {"()", "unexpected ')' at position 2"},
      {"1/0", "division by zero at position 3"},
      {"1/(2-2)", "division by zero at position 3"},
      {"sqrt(-1)", "sqrt of a negative number at position 1"},
      {"ln(0)", "ln of a non-positive number"},
      {"log(-5)", "log of a non-positive number"},
      {"2^10000", "result is not finite"},
      {"exp(1000)", "result is not finite"},
      {"1e308*10", "result is not finite"},
      {"(-8)^(1/3)", "negative number raised to a non-integer power"},
      {"0^-1", "zero raised to a negative power"},
      {"foo(1)", "unknown function 'foo' at position 1"},
      {"system(\"rm -rf /\")", "unknown function 'system'"},
      {"1;2", "unexpected ';' at position 2"},
      {"__import__('os')", "unknown function '__import__'"},
      {"x+1", "unknown name 'x' at position 1"},
      {"pi(2)", "'pi' at position 1 is a constant, not a function"},
      {"sqrt 4", "function 'sqrt' at position 1 must be followed by '('"},
      {"pow(2)", "function 'pow' at position 1 takes 2 arguments, got 1"},
      {"sqrt(1, 2)", "takes 1 argument, got 2"},
      {"1,2", "unexpected ',' at position 2"},
      {"2 3", "unexpected '3' at position 3"},
      {"2**3", "unexpected '*' at position 3"},
      {"1..2", "unexpected '.' at position 3"},
      {".", "malformed number '.' at position 1"},
      {"1e", "malformed number '1e' at position 1"},
      {"1e999", "number '1e999' at position 1 is out of range"},
      {"\xEF\xBC\x92+\xEF\xBC\x92", "unexpected character '\xEF\xBC\x92' at position 1"},  // fullwidth digits
      {"\xFF\xFE", "unexpected byte 0xFF at position 1"},
      {std::string("1+\0" "1", 4), "unexpected byte 0x00 at position 3"},
      {std::string(300, '(') + "1" + std::string(300, ')'), "nested too deeply"},
      {std::string(300, '-') + "1", "nested too deeply"},
      {std::string(10000, '1'), "expression is too long: 10000 characters; the limit is 4096"},
  };
  REQUIRE(cases.size() >= 25);
  for (const auto& c : cases) {
    INFO("expression: " << c.expression);
    CHECK_THAT(error_of(c.expression), Contains(c.message));
  }
}

TEST_CASE("calculator: nesting just under the limit still evaluates", "[tools]") {
  // 199 parentheses plus the top level stay within 200 levels.
  CHECK(evaluate_expression(std::string(199, '(') + "7" + std::string(199, ')')) == 7);
  CHECK_THAT(error_of(std::string(200, '(') + "7" + std::string(200, ')')), Contains("more than 200 levels"));
  const std::string long_sum = [] {
    std::string s = "1";
    while (s.size() + 2 <= 4096) s += "+1";
    return s;
  }();
  CHECK(evaluate_expression(long_sum) == static_cast<double>((long_sum.size() + 1) / 2));
}

TEST_CASE("calculator tool: integral results are JSON integers up to 2^53, others doubles", "[tools]") {
  ToolRegistry registry;
  registry.add(make_calculator_tool());
  ToolContext context;
  auto run = [&](const std::string& expression) { return registry.invoke("calculator", {{"expression", expression}}, context); };

  const auto seven = run("1+2*3");
  CHECK_FALSE(seven.is_error);
  CHECK(seven.content.is_number_integer());
  CHECK(seven.content == 7);
  CHECK(seven.to_text() == "7");

  CHECK(run("-4/2").content.is_number_integer());
  CHECK(run("-4/2").content == -2);
  CHECK(run("-0").to_text() == "0");

  const auto half = run("5/2");
  CHECK(half.content.is_number_float());
  CHECK(half.content == 2.5);

  CHECK(run("2^53").content.is_number_integer());
  CHECK(run("2^53").content == 9007199254740992LL);
  CHECK(run("2^54").content.is_number_float());
  CHECK(run("1e20").content.is_number_float());

  const auto error = run("1/0");
  CHECK(error.is_error);
  CHECK(error.error_kind == ToolErrorKind::execution);
  CHECK(error.to_text() == "cannot evaluate the expression: division by zero at position 3");

  const auto missing = registry.invoke("calculator", Json::object(), context);
  CHECK(missing.error_kind == ToolErrorKind::invalid_arguments);
  CHECK_THAT(missing.to_text(), Contains("missing required argument 'expression'"));
}
