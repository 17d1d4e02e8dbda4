// Uses the installed headers and library the way an application would: one span, exported
// synchronously to memory, then checked.
#include <cstdio>
#include <memory>
#include <utility>

#include <agentrace/tracing/in_memory_exporter.hpp>
#include <agentrace/tracing/tracer.hpp>

int main() {
  namespace tr = agentrace::tracing;

  auto exporter = std::make_unique<tr::InMemoryExporter>();
  auto storage = exporter->storage();
  tr::TracerProviderOptions options;
  options.processor = tr::make_simple_processor(std::move(exporter));
  tr::TracerProvider provider(std::move(options));

  auto tracer = provider.tracer("consumer");
  {
    auto span = tracer.start_span("hello");
    span.set_attribute("n", 1);
  }
  provider.shutdown();

  if (storage->size() != 1) {
    std::fprintf(stderr, "consumer: expected 1 exported span, got %zu\n", storage->size());
    return 1;
  }
  const auto spans = storage->spans();
  if (spans.front().name != "hello" || spans.front().attribute("n") == nullptr) {
    std::fprintf(stderr, "consumer: the exported span is not the one started\n");
    return 1;
  }
  std::printf("consumer: 1 span exported\n");
  return 0;
}
