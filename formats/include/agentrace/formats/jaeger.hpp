// Jaeger UI's own JSON (the v1 query API's response: {"data":[trace...]}), which the UI opens from
// a file without any backend running (Search > "JSON File" upload).
//
// One data entry per trace id (traces ordered by their first start time, spans by start time):
//   {"traceID", "spans":[{"traceID","spanID","flags","operationName",
//     "references":[{"refType":"CHILD_OF"|"FOLLOWS_FROM","traceID","spanID"}],
//     "startTime" (us since the epoch), "duration" (us), "tags":[{"key","type","value"}],
//     "logs":[{"timestamp" (us), "fields":[tag...]}], "processID":"p1", "warnings"}],
//    "processes":{"p1":{"serviceName","tags"}}, "warnings":null}
//
// The mapping is the one Jaeger applies to OTLP (the OpenTelemetry Collector's translator):
// - the parent is the first reference (CHILD_OF); links follow as FOLLOWS_FROM;
// - tags: the attributes (bool, int64, float64, string; arrays as their JSON text, type string),
//   then span.kind (lower case), otel.scope.name / otel.scope.version, otel.status_code
//   ("OK" / "ERROR"), otel.status_description, error=true for an error status,
//   w3c.tracestate, otel.dropped_{attributes,events,links}_count when non-zero;
// - events become logs whose first field is event=<name> (unless an attribute says `event`);
// - each distinct resource is a process: serviceName from service.name, the rest as its tags.
// Times are truncated to microseconds (start and end each, so children stay inside parents).
// A span that never ended runs to the last time seen in its trace, with a warning saying so.
#pragma once

#include <span>
#include <string>

#include "agentrace/tracing/exporter.hpp"

namespace agentrace::formats {

// Appends the document to `out`.
void append_jaeger_json(tracing::SpanBatch spans, std::string& out);
std::string to_jaeger_json(std::span<const tracing::SpanData> spans);

}  // namespace agentrace::formats
