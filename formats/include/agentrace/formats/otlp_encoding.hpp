// OTLP encodings of spans (opentelemetry-proto 1.x): an ExportTraceServiceRequest as protobuf
// bytes and as OTLP/JSON, and a lenient reader of OTLP/JSON back into SpanData values.
//
// A request nests spans as resource -> scope -> spans: one ResourceSpans per distinct resource
// (compared by value), one ScopeSpans per distinct scope under it, each group in the order it
// first appears in the batch, spans in batch order within their group.
//
// Both encodings write fields at their proto3 default not at all (empty strings and lists, zero
// counts and times, a root span's parent id, an unset status, an empty resource or scope), so a
// protobuf message and its JSON twin always carry the same fields. The members of AnyValue's
// oneof are written even when zero or empty, since their presence says the value's type.
//
// Span.flags (and Link.flags) carry the W3C trace flags in bits 0-7, plus bit 8 (0x100, "has
// is_remote") always and bit 9 (0x200, "is remote") when the parent (the linked span) is in
// another process: a sampled span with a local parent has flags 0x101.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agentrace/formats/jsonl.hpp"
#include "agentrace/tracing/exporter.hpp"

namespace agentrace::formats {

// Appends the request encoded as protobuf to `out` (whose earlier contents are kept): pass the
// same string again after clear() and steady-state encoding allocates nothing. Strings that are
// not well-formed UTF-8 (which protobuf parsers reject) are written with U+FFFD replacements.
void append_otlp_protobuf(tracing::SpanBatch spans, std::string& out);
// Appends the request as one line of OTLP/JSON (no trailing newline): lowercase hex ids,
// lowerCamelCase keys, enums as integers, 64-bit integers as decimal strings.
void append_otlp_json(tracing::SpanBatch spans, std::string& out);

// Reads one ExportTraceServiceRequest (or TracesData) in OTLP/JSON. Lenient as receivers are:
// ids in hex of either case (or base64), 64-bit integers as strings or numbers, enums as
// integers or names, snake_case keys, the pre-1.0 instrumentationLibrary* names. Values OTLP
// has and the span model lacks become strings: kvlistValue as its JSON text, bytesValue as
// base64; an empty AnyValue drops its attribute. An empty array reads as a string array.
// Throws std::invalid_argument naming the bad field (e.g. "resourceSpans[0].scopeSpans[0].
// spans[2].traceId: ...").
std::vector<tracing::SpanData> from_otlp_json(std::string_view json);

// A whole file: one request (pretty-printed or not), or one request per line as the
// OpenTelemetry file exporters write it (errors then name their line; the other lines are read).
// Unlike from_otlp_json, a bad attribute or span is skipped with a note in `errors` and the rest
// read; nesting of kvlistValue/arrayValue deeper than base::max_json_depth (64) levels is such
// a bad attribute, and so is one beyond the size caps of `limits`.
JsonlReadResult read_otlp_json(std::istream& in, const ReadLimits& limits = {});
// Throws std::system_error when the file cannot be opened, is not a regular file or a pipe, or
// is larger than limits.max_file_bytes.
JsonlReadResult read_otlp_json_file(const std::filesystem::path& path, const ReadLimits& limits = {});

// Whether the start of a file is OTLP/JSON rather than agentrace's JSON Lines: its first object's
// first key is "resourceSpans" (or "resource_spans"), where a span line's is "trace_id".
bool looks_like_otlp_json(std::string_view head) noexcept;

}  // namespace agentrace::formats
