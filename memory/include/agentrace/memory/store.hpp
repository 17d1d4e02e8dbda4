// Long-term memory: a keyed store of texts with keyword search. The Runner wraps whichever store
// an agent uses so that every operation becomes a `memory {operation}` span (agent module); the
// stores themselves know nothing of tracing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentrace::memory {

struct MemoryEntry {
  std::string key;
  std::string text;
  nlohmann::json metadata = nlohmann::json::object();
  std::uint64_t created_unix_ns = 0;
  std::uint64_t updated_unix_ns = 0;
  friend bool operator==(const MemoryEntry&, const MemoryEntry&) = default;
};

struct SearchHit {
  MemoryEntry entry;
  double score = 0;  // higher is better; comparable within one search
};

// Thread-safe: every method may be called from several threads at once. Errors of the storage
// itself (disk, corrupt database) throw std::runtime_error with the path and the cause.
class MemoryStore {
 public:
  MemoryStore() = default;
  virtual ~MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // "in_memory", "sqlite": recorded on memory spans.
  [[nodiscard]] virtual std::string kind() const = 0;
  // Inserts or replaces (keeping the creation time of a replaced entry).
  virtual void put(const std::string& key, const std::string& text, nlohmann::json metadata = nlohmann::json::object()) = 0;
  [[nodiscard]] virtual std::optional<MemoryEntry> get(const std::string& key) const = 0;
  // False when there was no such key.
  virtual bool remove(const std::string& key) = 0;
  // Entries ordered by key; `limit` 0 means all.
  [[nodiscard]] virtual std::vector<MemoryEntry> list(std::size_t limit = 0) const = 0;
  // Keyword search ranked by BM25 over the entries' words (case-insensitive, alphanumeric
  // tokens); entries sharing no word with the query are not returned. Ties: by key.
  [[nodiscard]] virtual std::vector<SearchHit> search(const std::string& query, std::size_t limit = 5) const = 0;
};

class InMemoryStore final : public MemoryStore {
 public:
  [[nodiscard]] std::string kind() const override { return "in_memory"; }
  void put(const std::string& key, const std::string& text, nlohmann::json metadata = nlohmann::json::object()) override;
  [[nodiscard]] std::optional<MemoryEntry> get(const std::string& key) const override;
  bool remove(const std::string& key) override;
  [[nodiscard]] std::vector<MemoryEntry> list(std::size_t limit = 0) const override;
  [[nodiscard]] std::vector<SearchHit> search(const std::string& query, std::size_t limit = 5) const override;

 private:
  mutable std::shared_mutex mutex_;
  std::vector<MemoryEntry> entries_;  // sorted by key
};

// Persistent, in one SQLite file (WAL journal, busy timeout), safe with several writers, threads
// or processes. Survives reopening.
class SqliteStore final : public MemoryStore {
 public:
  // Creates the file and its table when missing. Throws std::runtime_error when it cannot open.
  explicit SqliteStore(std::filesystem::path path);
  ~SqliteStore() override;
  [[nodiscard]] std::string kind() const override { return "sqlite"; }
  void put(const std::string& key, const std::string& text, nlohmann::json metadata = nlohmann::json::object()) override;
  [[nodiscard]] std::optional<MemoryEntry> get(const std::string& key) const override;
  bool remove(const std::string& key) override;
  [[nodiscard]] std::vector<MemoryEntry> list(std::size_t limit = 0) const override;
  [[nodiscard]] std::vector<SearchHit> search(const std::string& query, std::size_t limit = 5) const override;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  struct Impl;
  std::filesystem::path path_;
  std::unique_ptr<Impl> impl_;
};

// The ranking both stores use: BM25 (k1 = 1.2, b = 0.75) of `query` over `documents`; returns
// one score per document (0 when it shares no token with the query).
std::vector<double> bm25_scores(const std::string& query, const std::vector<std::string>& documents);
// Lowercase alphanumeric tokens of `text` (UTF-8 bytes >= 0x80 count as letters).
std::vector<std::string> tokenize(const std::string& text);

}  // namespace agentrace::memory
