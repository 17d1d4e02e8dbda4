// The calculator (tools/builtin.hpp): its evaluator on the input as an expression, and the tool
// on the same expression as a model would call it.
#include <stdexcept>

#include "agentrace/tools/builtin.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentrace;
  const std::string expression(fuzz::text_of(data, size));
  try {
    (void)tools::evaluate_expression(expression);
  } catch (const std::invalid_argument&) {
  }
  static const tools::ToolPtr tool = tools::make_calculator_tool();
  tools::ToolContext context;
  (void)tool->invoke(tools::Json{{"expression", expression}}, context).to_text();
  return 0;
}
