// The calculator: a recursive-descent evaluator over a fixed grammar, so that no input, however
// hostile, does anything but produce a number or an error message.
//
//   expression := term (('+' | '-') term)*
//   term       := unary (('*' | '/') unary)*
//   unary      := ('-' | '+') unary | power
//   power      := primary ('^' unary)?          right associative: the exponent is a unary
//   primary    := number | name | name '(' expression (',' expression)* ')' | '(' expression ')'
//
// Because the exponent of '^' is parsed as a unary and a unary's operand is a power, '^' binds
// tighter than a leading minus (-2^2 = -4) while 2^-1 still works.
//
// Positions in messages count bytes from 1. Limits: 4096 bytes of input and 200 levels of
// nesting (parentheses, signs and exponents each count), so recursion depth stays bounded.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/typed_tool.hpp"
#include "agentrace/base/utf8.hpp"

namespace agentrace::tools {

namespace {

constexpr std::size_t max_expression_bytes = 4096;
constexpr int max_nesting = 200;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Evaluator {
 public:
  explicit Evaluator(std::string_view text) : text_(text) {}

  double evaluate() {
    if (text_.size() > max_expression_bytes) {
      fail("expression is too long: " + std::to_string(text_.size()) + " characters; the limit is " +
           std::to_string(max_expression_bytes));
    }
    skip_space();
    if (at_end()) fail("empty expression");
    const double value = expression();
    skip_space();
    if (!at_end()) {
      if (peek() == ')') fail("unexpected ')' at " + position(pos_) + " (no matching '(')");
      fail("unexpected " + describe_here() + " at " + position(pos_) + " (expected an operator or the end)");
    }
    return value;
  }

 private:
  // Entered once per level of recursion (every path into a nested expression passes through
  // unary), so the count bounds the stack.
  class DepthGuard {
   public:
    explicit DepthGuard(Evaluator& e) : e_(e) {
      if (++e_.depth_ > max_nesting) {
        e_.fail("expression is nested too deeply (more than " + std::to_string(max_nesting) + " levels) at " +
                e_.position(e_.pos_));
      }
    }
    ~DepthGuard() { --e_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Evaluator& e_;
  };

  double expression() {
    double value = term();
    for (;;) {
      skip_space();
      if (at_end() || (peek() != '+' && peek() != '-')) return value;
      const char op = peek();
      const std::size_t op_pos = pos_++;
      const double rhs = term();
      value = finite_or_fail(op == '+' ? value + rhs : value - rhs, op_pos);
    }
  }

  double term() {
    double value = unary();
    for (;;) {
      skip_space();
      if (at_end() || (peek() != '*' && peek() != '/')) return value;
      const char op = peek();
      const std::size_t op_pos = pos_++;
      skip_space();
      const std::size_t rhs_pos = pos_;
      const double rhs = unary();
      if (op == '/' && rhs == 0) fail("division by zero at " + position(rhs_pos));
      value = finite_or_fail(op == '*' ? value * rhs : value / rhs, op_pos);
    }
  }

  double unary() {
    DepthGuard guard(*this);
    skip_space();
    if (!at_end() && (peek() == '-' || peek() == '+')) {
      const bool negate = peek() == '-';
      ++pos_;
      const double operand = unary();
      return negate ? -operand : operand;
    }
    return power();
  }

  double power() {
    const double base = primary();
    skip_space();
    if (at_end() || peek() != '^') return base;
    const std::size_t op_pos = pos_++;
    const double exponent = unary();
    return checked_pow(base, exponent, op_pos);
  }

  double primary() {
    skip_space();
    if (at_end()) fail("unexpected end of expression at " + position(pos_) + " (expected a number, a name or '(')");
    const char c = peek();
    if (is_digit(c) || c == '.') return number();
    if (is_name_start(c)) return name();
    if (c == '(') {
      const std::size_t open_pos = pos_++;
      const double value = expression();
      expect_close(open_pos);
      return value;
    }
    fail("unexpected " + describe_here() + " at " + position(pos_) + " (expected a number, a name or '(')");
  }

  double number() {
    const std::size_t start = pos_;
    std::size_t digits = 0;
    while (!at_end() && is_digit(peek())) ++pos_, ++digits;
    if (!at_end() && peek() == '.') {
      ++pos_;
      while (!at_end() && is_digit(peek())) ++pos_, ++digits;
    }
    if (digits == 0) fail("malformed number '" + std::string(text_.substr(start, pos_ - start)) + "' at " + position(start));
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      std::size_t exponent_digits = 0;
      while (!at_end() && is_digit(peek())) ++pos_, ++exponent_digits;
      if (exponent_digits == 0) {
        fail("malformed number '" + std::string(text_.substr(start, pos_ - start)) + "' at " + position(start) +
             " (the exponent has no digits)");
      }
    }
    const std::string_view literal = text_.substr(start, pos_ - start);
    double value = 0;
    const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
    // from_chars reports both overflow (1e999) and underflow (1e-999) as out of range; either
    // way the literal cannot be represented as written, and saying so beats silently using
    // infinity or zero.
    if (ec == std::errc::result_out_of_range) {
      fail("number '" + std::string(literal) + "' at " + position(start) + " is out of range");
    }
    if (ec != std::errc() || end != literal.data() + literal.size()) {
      fail("malformed number '" + std::string(literal) + "' at " + position(start));
    }
    return value;
  }

  double name() {
    const std::size_t start = pos_;
    while (!at_end() && is_name_char(peek())) ++pos_;
    const std::string id(text_.substr(start, pos_ - start));
    skip_space();
    const bool call = !at_end() && peek() == '(';
    if (!call) {
      if (id == "pi") return std::numbers::pi;
      if (id == "e") return std::numbers::e;
      if (is_function(id)) fail("function '" + id + "' at " + position(start) + " must be followed by '('");
      fail("unknown name '" + id + "' at " + position(start) + " (constants: pi, e)");
    }
    if (!is_function(id)) {
      if (id == "pi" || id == "e") fail("'" + id + "' at " + position(start) + " is a constant, not a function");
      fail("unknown function '" + id + "' at " + position(start) +
           " (functions: ln, log, exp, sqrt, abs, round, pow)");
    }
    const std::size_t open_pos = pos_++;
    std::vector<double> args;
    args.push_back(expression());
    skip_space();
    while (!at_end() && peek() == ',') {
      ++pos_;
      args.push_back(expression());
      skip_space();
    }
    expect_close(open_pos);
    return apply(id, args, start);
  }

  static bool is_function(const std::string& id) {
    return id == "ln" || id == "log" || id == "exp" || id == "sqrt" || id == "abs" || id == "round" || id == "pow";
  }

  double apply(const std::string& id, const std::vector<double>& args, std::size_t at) {
    const std::size_t arity = id == "pow" ? 2 : 1;
    if (args.size() != arity) {
      fail("function '" + id + "' at " + position(at) + " takes " + std::to_string(arity) +
           (arity == 1 ? " argument" : " arguments") + ", got " + std::to_string(args.size()));
    }
    const double x = args[0];
    if (id == "pow") return checked_pow(x, args[1], at);
    if (id == "sqrt") {
      if (x < 0) fail("sqrt of a negative number at " + position(at));
      return std::sqrt(x);
    }
    if (id == "ln" || id == "log") {
      if (x <= 0) fail(id + " of a non-positive number at " + position(at));
      return id == "ln" ? std::log(x) : std::log10(x);
    }
    if (id == "exp") return finite_or_fail(std::exp(x), at);
    if (id == "abs") return std::fabs(x);
    return std::round(x);  // round: half away from zero
  }

  double checked_pow(double base, double exponent, std::size_t at) {
    if (base == 0 && exponent < 0) fail("zero raised to a negative power at " + position(at));
    if (base < 0 && std::trunc(exponent) != exponent) {
      fail("a negative number raised to a non-integer power at " + position(at) + " (the result is not real)");
    }
    return finite_or_fail(std::pow(base, exponent), at);
  }

  double finite_or_fail(double value, std::size_t at) {
    if (!std::isfinite(value)) fail("result is not finite (too large) at " + position(at));
    return value;
  }

  void expect_close(std::size_t open_pos) {
    skip_space();
    if (!at_end() && peek() == ')') {
      ++pos_;
      return;
    }
    const std::string found = at_end() ? "the end of the expression" : describe_here();
    fail("missing ')' at " + position(pos_) + " to close the '(' at " + position(open_pos) + ", found " + found);
  }

  // The character at pos_ in a form that is safe to put into a message: printable ASCII quoted,
  // a whole UTF-8 character quoted, anything else as a byte value.
  std::string describe_here() const {
    const auto c = static_cast<unsigned char>(peek());
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    if (c >= 0x80) {
      const std::size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (length > 0 && pos_ + length <= text_.size()) {
        const std::string_view ch = text_.substr(pos_, length);
        if (base::utf8_valid(ch)) return "character '" + std::string(ch) + "'";
      }
    }
    static constexpr char hex[] = "0123456789ABCDEF";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 0x0F];
  }

  std::string position(std::size_t index) const { return "position " + std::to_string(index + 1); }

  [[noreturn]] void fail(const std::string& message) const { throw std::invalid_argument(message); }

  void skip_space() {
    while (!at_end() && is_space(peek())) ++pos_;
  }
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return text_[pos_]; }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// Integral results within 2^53 become JSON integers (every such integer is exact in a double,
// and "4" reads better than "4.0"); anything else stays a double, so a huge value like 1e20 is
// not dressed up as an exact integer.
Json number_to_json(double value) {
  constexpr double exact_limit = 9007199254740992.0;  // 2^53
  if (std::trunc(value) == value && std::fabs(value) <= exact_limit) return Json(static_cast<std::int64_t>(value));
  return Json(value);
}

}  // namespace

double evaluate_expression(std::string_view expression) { return Evaluator(expression).evaluate(); }

ToolPtr make_calculator_tool() {
  return make_tool("calculator",
                   "Evaluate an arithmetic expression exactly, instead of calculating in your head. Supports + - * / "
                   "^ (power), parentheses, unary minus, numbers like 2.5 or 1e3, the constants pi and e, and the "
                   "functions ln, log (base 10), exp, sqrt, abs, round and pow(x, y). Returns the number.")
      .param<std::string>("expression", "the expression, e.g. \"(2 + 3) * sqrt(16) / 2^3\"")
      .handler([](const std::string& expression) -> ToolResult {
        try {
          return ToolResult::json(number_to_json(evaluate_expression(expression)));
        } catch (const std::invalid_argument& e) {
          return ToolResult::error(std::string("cannot evaluate the expression: ") + e.what(), ToolErrorKind::execution);
        }
      });
}

}  // namespace agentrace::tools
