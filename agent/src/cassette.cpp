#include "agentrace/agent/cassette.hpp"

#include "agentrace/formats/file_exporters.hpp"

#include <fstream>
#include <stdexcept>
#include <iterator>
#include <limits>
#include <system_error>

namespace agentrace::agent {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("cassette: " + what); }

const json& field(const json& j, const char* name, const std::string& where) {
  auto it = j.find(name);
  if (it == j.end()) bad(where + "missing '" + name + "'");
  return *it;
}

std::string string_field(const json& j, const char* name, const std::string& where) {
  const json& v = field(j, name, where);
  if (!v.is_string()) bad(where + "'" + name + "' must be a string, got " + v.type_name());
  return v.get<std::string>();
}

int int_field(const json& j, const char* name, const std::string& where) {
  const json& v = field(j, name, where);
  if (!v.is_number_integer()) bad(where + "'" + name + "' must be an integer, got " + v.type_name());
  // get<int>() of a larger number would wrap: 4294967297 must not read as 1.
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max())
                             : v.get<std::int64_t>() < std::numeric_limits<int>::min() ||
                                   v.get<std::int64_t>() > std::numeric_limits<int>::max()) {
    bad(where + "'" + name + "' is out of range: " + v.dump());
  }
  return v.get<int>();
}

void describe_into(const Agent& agent, int depth, std::vector<CassetteAgent>& out) {
  CassetteAgent a;
  a.name = agent.name;
  a.depth = depth;
  a.model = agent.model_name.empty() && agent.model ? agent.model->default_model() : agent.model_name;
  for (const auto& t : agent.tools) a.tools.push_back(t->name());
  for (const auto& m : agent.managed_agents) a.tools.push_back(m.name);
  out.push_back(std::move(a));
  for (const auto& m : agent.managed_agents) describe_into(m, depth + 1, out);
}

}  // namespace

std::vector<CassetteAgent> Cassette::describe(const Agent& agent) {
  std::vector<CassetteAgent> out;
  describe_into(agent, 0, out);
  return out;
}

json Cassette::to_json() const {
  json agents_json = json::array();
  for (const auto& a : agents) {
    agents_json.push_back({{"name", a.name}, {"depth", a.depth}, {"model", a.model}, {"tools", a.tools}});
  }
  json calls_json = json::array();
  for (const auto& c : calls) {
    json entry = {{"agent", c.agent}, {"step", c.step}, {"request", c.call.request}};
    if (c.call.response) entry["response"] = *c.call.response;
    if (c.call.error) {
      json e = {{"kind", llm::to_string(c.call.error->kind())}, {"message", c.call.error->what()}};
      if (c.call.error->http_status() != 0) e["status"] = c.call.error->http_status();
      if (auto ra = c.call.error->retry_after()) e["retry_after_ms"] = ra->count();
      entry["error"] = std::move(e);
    }
    calls_json.push_back(std::move(entry));
  }
  return {{"agentrace_cassette", format_version},
          {"trace_id", trace_id},
          {"task", task},
          {"root_agent", root_agent},
          {"status", status},
          {"output", output},
          {"agents", std::move(agents_json)},
          {"calls", std::move(calls_json)}};
}

Cassette Cassette::from_json(const json& j) {
  if (!j.is_object()) bad(std::string("expected an object, got ") + j.type_name());
  const json& version = field(j, "agentrace_cassette", "");
  if (!version.is_number_integer() || version.get<int>() != format_version) {
    bad("unsupported version " + version.dump() + " (this build reads version " + std::to_string(format_version) + ")");
  }
  Cassette c;
  c.trace_id = string_field(j, "trace_id", "");
  c.task = string_field(j, "task", "");
  c.root_agent = string_field(j, "root_agent", "");
  c.status = string_field(j, "status", "");
  c.output = string_field(j, "output", "");
  const json& agents = field(j, "agents", "");
  if (!agents.is_array()) bad("'agents' must be an array");
  for (std::size_t i = 0; i < agents.size(); ++i) {
    const std::string where = "agents[" + std::to_string(i) + "]: ";
    CassetteAgent a;
    a.name = string_field(agents[i], "name", where);
    a.depth = int_field(agents[i], "depth", where);
    a.model = string_field(agents[i], "model", where);
    const json& tools = field(agents[i], "tools", where);
    if (!tools.is_array()) bad(where + "'tools' must be an array");
    for (const auto& t : tools) {
      if (!t.is_string()) bad(where + "'tools' must hold strings");
      a.tools.push_back(t.get<std::string>());
    }
    c.agents.push_back(std::move(a));
  }
  const json& calls = field(j, "calls", "");
  if (!calls.is_array()) bad("'calls' must be an array");
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const std::string where = "calls[" + std::to_string(i) + "]: ";
    const json& e = calls[i];
    CassetteCall call;
    call.agent = string_field(e, "agent", where);
    call.step = int_field(e, "step", where);
    try {
      call.call.request = field(e, "request", where).get<llm::ChatRequest>();
      if (auto it = e.find("response"); it != e.end()) call.call.response = it->get<llm::ChatResponse>();
    } catch (const json::exception& ex) {
      bad(where + ex.what());
    }
    if (auto it = e.find("error"); it != e.end()) {
      const std::string ew = where + "error: ";
      const auto kind = llm::error_kind_from_string(string_field(*it, "kind", ew));
      if (!kind) bad(ew + "unknown kind '" + it->at("kind").get<std::string>() + "'");
      const int status = it->contains("status") ? int_field(*it, "status", ew) : 0;
      std::optional<std::chrono::milliseconds> retry_after;
      if (it->contains("retry_after_ms")) retry_after = std::chrono::milliseconds(int_field(*it, "retry_after_ms", ew));
      call.call.error = llm::LlmError(*kind, string_field(*it, "message", ew), status, retry_after);
    }
    if (call.call.response.has_value() == call.call.error.has_value()) bad(where + "needs exactly one of 'response' and 'error'");
    c.calls.push_back(std::move(call));
  }
  return c;
}

void Cassette::save(const std::filesystem::path& path) const {
  // Whole or not at all, with the system's reason on failure and no temporary file left behind.
  std::string error;
  if (!formats::write_file_atomically(path, to_json().dump(1, ' ', false, json::error_handler_t::replace) + "\n", &error)) {
    throw std::runtime_error(error);
  }
}

Cassette Cassette::load(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!ec && status.type() != fs::file_type::regular && status.type() != fs::file_type::not_found) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "cannot read " + path.string() + ": not a regular file");
  }
  if (const auto size = fs::file_size(path, ec); !ec && size > max_file_bytes) {
    throw std::system_error(std::make_error_code(std::errc::file_too_large),
                            "cannot read " + path.string() + ": it is " + std::to_string(size) + " bytes, larger than " +
                                std::to_string(max_file_bytes) + " bytes, the most a cassette may have");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::system_error(errno != 0 ? errno : ENOENT, std::generic_category(), "cannot open " + path.string());
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw std::invalid_argument(path.string() + ": not valid JSON (a cassette is one JSON object)");
  try {
    return from_json(j);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path.string() + ": " + e.what());
  }
}

std::filesystem::path cassette_path_for_trace(const std::filesystem::path& trace_file) {
  auto p = trace_file;
  return p.replace_extension(".cassette.json");
}

std::filesystem::path trace_path_for_cassette(const std::filesystem::path& cassette_file) {
  std::string name = cassette_file.filename().string();
  constexpr std::string_view suffix = ".cassette.json";
  if (name.size() > suffix.size() && name.ends_with(suffix)) name.resize(name.size() - suffix.size());
  return cassette_file.parent_path() / (name + ".jsonl");
}

}  // namespace agentrace::agent
