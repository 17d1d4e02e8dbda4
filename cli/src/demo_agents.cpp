#include "demo_agents.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include "agentrace/llm/scripted.hpp"
#include "agentrace/tools/builtin.hpp"
#include "agentrace/tools/typed_tool.hpp"

#ifndef AGENTRACE_SOURCE_EXAMPLES_DIR
#define AGENTRACE_SOURCE_EXAMPLES_DIR ""
#endif
#ifndef AGENTRACE_BIN_TO_EXAMPLES_DIR
#define AGENTRACE_BIN_TO_EXAMPLES_DIR ""
#endif
#ifndef AGENTRACE_INSTALLED_EXAMPLES_DIR
#define AGENTRACE_INSTALLED_EXAMPLES_DIR ""
#endif

namespace agentrace::cli {
namespace fs = std::filesystem;

namespace {

bool has_demo_files(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_directory(dir / "data", ec) && fs::is_regular_file(dir / "demo_script.json", ec);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Document {
  std::string name;
  std::string title;
  std::string text;
};

std::vector<Document> load_corpus(const fs::path& corpus) {
  std::vector<Document> docs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(corpus, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".md" || entry.path().filename() == "README.md") continue;
    Document d;
    d.name = entry.path().filename().string();
    d.text = read_text(entry.path());
    const auto first = d.text.substr(0, d.text.find('\n'));
    d.title = first.starts_with("# ") ? first.substr(2) : d.name;
    docs.push_back(std::move(d));
  }
  if (ec) throw std::runtime_error("cannot list the corpus " + corpus.string() + ": " + ec.message());
  std::sort(docs.begin(), docs.end(), [](const Document& a, const Document& b) { return a.name < b.name; });
  return docs;
}

// The line of `text` sharing most tokens with the query (the snippet shown with a hit).
std::string best_line(const std::string& text, const std::vector<std::string>& query_tokens) {
  std::string best;
  std::size_t best_hits = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("#")) continue;
    std::size_t hits = 0;
    for (const auto& t : memory::tokenize(line)) hits += std::count(query_tokens.begin(), query_tokens.end(), t);
    if (hits > best_hits) {
      best_hits = hits;
      best = line;
    }
  }
  return best;
}

}  // namespace

DemoFiles DemoFiles::locate(const fs::path& given) {
  if (!given.empty()) {
    if (!has_demo_files(given)) {
      throw std::runtime_error("--data-dir " + given.string() + " does not hold data/ and demo_script.json");
    }
    return {given};
  }
  if (const char* env = std::getenv("AGENTRACE_DEMO_DIR"); env != nullptr && *env != '\0') {
    if (!has_demo_files(env)) throw std::runtime_error(std::string("AGENTRACE_DEMO_DIR=") + env + " does not hold data/ and demo_script.json");
    return {env};
  }
  // Installed beside this executable (<prefix>/bin/agentrace -> <prefix>/share/agentrace/examples),
  // whatever prefix it was installed or moved to; then the configured prefix; then the checkout.
  std::vector<fs::path> candidates;
  std::error_code ec;
  if (const fs::path self = fs::read_symlink("/proc/self/exe", ec); !ec && std::string_view(AGENTRACE_BIN_TO_EXAMPLES_DIR) != "") {
    candidates.push_back((self.parent_path() / AGENTRACE_BIN_TO_EXAMPLES_DIR).lexically_normal());
  }
  candidates.emplace_back(AGENTRACE_INSTALLED_EXAMPLES_DIR);
  candidates.emplace_back(AGENTRACE_SOURCE_EXAMPLES_DIR);
  for (const fs::path& candidate : candidates) {
    if (!candidate.empty() && has_demo_files(candidate)) return {candidate};
  }
  throw std::runtime_error("cannot find the demo's files (data/ and demo_script.json); pass --data-dir DIR");
}

std::map<std::string, std::shared_ptr<llm::LlmClient>> load_demo_script(const fs::path& script) {
  const std::string name = script.string();
  llm::Json j = llm::Json::parse(read_text(script), nullptr, false);
  if (j.is_discarded()) throw std::invalid_argument(name + ": not valid JSON");
  if (!j.is_object() || !j.contains("agents") || !j["agents"].is_object()) {
    throw std::invalid_argument(name + ": expected an object with an 'agents' object mapping agent names to replies");
  }
  const std::string model = j.value("model", "scripted-demo");
  std::map<std::string, std::shared_ptr<llm::LlmClient>> models;
  for (const auto& [agent, replies] : j["agents"].items()) {
    try {
      models[agent] = llm::ScriptedLlmClient::from_json({{"model", model}, {"replies", replies}});
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(name + ": agent '" + agent + "': " + e.what());
    }
  }
  return models;
}

tools::ToolPtr make_corpus_search_tool(fs::path corpus) {
  auto docs = std::make_shared<const std::vector<Document>>(load_corpus(corpus));
  return tools::make_tool("search",
                          "Keyword search over the document corpus. Returns the best matching documents (file name, "
                          "score, title and the best matching line); read a document with read_file.")
      .param<std::string>("query", "keywords to search for")
      .optional_param<std::int64_t>("limit", "how many documents to return, 1 to 10 (default 3)")
      .handler([docs](const std::string& query, std::optional<std::int64_t> limit) -> tools::ToolResult {
        const std::int64_t n = limit.value_or(3);
        if (n < 1 || n > 10) throw tools::ArgumentError("argument 'limit' must be between 1 and 10, got " + std::to_string(n));
        std::vector<std::string> texts;
        for (const auto& d : *docs) texts.push_back(d.title + "\n" + d.text);
        const auto scores = memory::bm25_scores(query, texts);
        std::vector<std::size_t> order(docs->size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
        const auto query_tokens = memory::tokenize(query);
        std::string out;
        int shown = 0;
        for (std::size_t i : order) {
          if (shown == n || scores[i] <= 0) break;
          char score[32];
          std::snprintf(score, sizeof score, "%.2f", scores[i]);
          const auto& d = (*docs)[i];
          out += std::to_string(++shown) + ". " + d.name + " (score " + score + "): " + d.title + "\n   " +
                 best_line(d.text, query_tokens) + "\n";
        }
        if (shown == 0) return tools::ToolResult::text("no document matches '" + query + "'");
        return tools::ToolResult::text(out);
      });
}

agent::Agent make_demo_agents(const DemoFiles& files, std::map<std::string, std::shared_ptr<llm::LlmClient>> models,
                              std::shared_ptr<memory::MemoryStore> store, agent::Actions manager_actions) {
  auto model_of = [&](const std::string& name) {
    auto it = models.find(name);
    if (it == models.end() || !it->second) throw std::invalid_argument("the demo has no model for agent '" + name + "'");
    return it->second;
  };

  agent::Agent researcher;
  researcher.name = "researcher";
  researcher.description = "Finds facts in the document corpus (economic statistics) and reports them with their source.";
  researcher.instructions =
      "You are a careful researcher. Search the corpus, read the most relevant document, remember the key fact "
      "under a descriptive key, and answer with the fact and its source document. Never guess a number.";
  researcher.model = model_of("researcher");
  researcher.tools = {make_corpus_search_tool(files.corpus()), tools::make_read_file_tool(files.corpus()),
                      tools::make_remember_tool()};
  researcher.memory_store = std::move(store);
  researcher.max_steps = 8;

  agent::Agent analyst;
  analyst.name = "analyst";
  analyst.description = "Does arithmetic and financial math with a calculator and explains the result.";
  analyst.instructions =
      "You are a quantitative analyst. Compute every number with the calculator tool and state the formula you used.";
  analyst.model = model_of("analyst");
  analyst.tools = {tools::make_calculator_tool()};
  analyst.max_steps = 6;

  agent::Agent manager;
  manager.name = "manager";
  manager.description = "Answers questions by delegating research and computation.";
  manager.instructions =
      "You answer the user's question. Delegate fact finding to the researcher and computation to the analyst; "
      "then give the final answer with your reasoning and sources.";
  manager.max_steps = 8;
  manager.parallel_tool_calls = false;
  if (manager_actions == agent::Actions::code) {
    manager.instructions =
        "You answer the user's question. Ask the researcher for the facts you need and compute with Lua; then "
        "give the final answer with your reasoning and sources.";
    manager.model = model_of("code_manager");
    manager.actions = agent::Actions::code;
    manager.managed_agents = {std::move(researcher)};
    return manager;
  }
  manager.model = model_of("manager");
  manager.managed_agents = {std::move(researcher), std::move(analyst)};
  return manager;
}

}  // namespace agentrace::cli
