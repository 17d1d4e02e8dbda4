// Prints each trace to a stream when its root span arrives: the span tree, then the timeline.
#pragma once

#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

#include "agentrace/tracing/exporter.hpp"
#include "agentrace/tracing/render.hpp"

namespace agentrace::tracing {

class ConsoleExporter final : public SpanExporter {
 public:
  // `out` is not owned and must outlive the exporter (stdout by default).
  explicit ConsoleExporter(std::FILE* out = stdout, RenderOptions options = {});
  // How the tree and the timeline are drawn.
  [[nodiscard]] const RenderOptions& options() const noexcept { return options_; }
  ExportResult export_spans(SpanBatch batch, std::chrono::milliseconds timeout) noexcept override;
  // Prints what is buffered for traces whose root never arrived.
  bool force_flush(std::chrono::milliseconds timeout) noexcept override;
  bool shutdown(std::chrono::milliseconds timeout) noexcept override;

 private:
  void print_trace(const std::vector<SpanData>& spans);

  std::FILE* out_;
  RenderOptions options_;
  std::mutex mutex_;
  std::map<TraceId, std::vector<SpanData>> pending_;
  bool shut_down_ = false;
};

}  // namespace agentrace::tracing
