#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "agentrace/memory/store.hpp"
#include "ranking.hpp"

namespace agentrace::memory {

namespace {

constexpr double k1 = 1.2;
constexpr double b = 0.75;

bool is_token_byte(unsigned char c) noexcept {
  // Bytes of multi-byte UTF-8 sequences count as letters so non-Latin words stay whole.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

auto entry_less = [](const MemoryEntry& e, const std::string& key) { return e.key < key; };

}  // namespace

std::vector<std::string> tokenize(const std::string& text) {
  std::vector<std::string> tokens;
  std::string current;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_token_byte(c)) {
      current.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
    } else if (!current.empty()) {
      tokens.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

std::vector<double> bm25_scores(const std::string& query, const std::vector<std::string>& documents) {
  std::vector<double> scores(documents.size(), 0.0);
  // A word repeated in the query is asked for once.
  std::unordered_map<std::string, std::size_t> terms;
  for (auto& token : tokenize(query)) terms.emplace(std::move(token), terms.size());
  if (terms.empty() || documents.empty()) return scores;

  std::vector<std::vector<std::size_t>> tf(documents.size(), std::vector<std::size_t>(terms.size(), 0));
  std::vector<std::size_t> length(documents.size(), 0);
  std::vector<std::size_t> df(terms.size(), 0);
  std::size_t total_length = 0;
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const auto tokens = tokenize(documents[d]);
    length[d] = tokens.size();
    total_length += tokens.size();
    for (const auto& token : tokens) {
      if (auto it = terms.find(token); it != terms.end()) ++tf[d][it->second];
    }
    for (std::size_t t = 0; t < terms.size(); ++t) {
      if (tf[d][t] > 0) ++df[t];
    }
  }
  if (total_length == 0) return scores;

  const auto n_docs = static_cast<double>(documents.size());
  const double avgdl = static_cast<double>(total_length) / n_docs;
  std::vector<double> idf(terms.size());
  for (std::size_t t = 0; t < terms.size(); ++t) {
    const auto n = static_cast<double>(df[t]);
    idf[t] = std::log(1.0 + (n_docs - n + 0.5) / (n + 0.5));
  }
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const double norm = k1 * (1.0 - b + b * static_cast<double>(length[d]) / avgdl);
    double score = 0;
    for (std::size_t t = 0; t < terms.size(); ++t) {
      const auto f = static_cast<double>(tf[d][t]);
      if (f > 0) score += idf[t] * f * (k1 + 1.0) / (f + norm);
    }
    scores[d] = score;
  }
  return scores;
}

namespace detail {

std::vector<SearchHit> rank(const std::vector<MemoryEntry>& entries, const std::string& query, std::size_t limit) {
  std::vector<std::string> texts;
  texts.reserve(entries.size());
  for (const auto& e : entries) texts.push_back(e.text);
  const auto scores = bm25_scores(query, texts);

  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (scores[i] > 0) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    if (scores[x] != scores[y]) return scores[x] > scores[y];
    return entries[x].key < entries[y].key;
  });
  if (limit != 0 && order.size() > limit) order.resize(limit);

  std::vector<SearchHit> hits;
  hits.reserve(order.size());
  for (auto i : order) hits.push_back(SearchHit{entries[i], scores[i]});
  return hits;
}

std::uint64_t now_unix_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace detail

void InMemoryStore::put(const std::string& key, const std::string& text, nlohmann::json metadata) {
  std::unique_lock lock(mutex_);
  // Read under the lock so that racing puts of one key leave `updated` in their commit order.
  const auto now = detail::now_unix_ns();
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key, entry_less);
  if (it != entries_.end() && it->key == key) {
    it->text = text;
    it->metadata = std::move(metadata);
    it->updated_unix_ns = now;
    return;
  }
  entries_.insert(it, MemoryEntry{key, text, std::move(metadata), now, now});
}

std::optional<MemoryEntry> InMemoryStore::get(const std::string& key) const {
  std::shared_lock lock(mutex_);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key, entry_less);
  if (it == entries_.end() || it->key != key) return std::nullopt;
  return *it;
}

bool InMemoryStore::remove(const std::string& key) {
  std::unique_lock lock(mutex_);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key, entry_less);
  if (it == entries_.end() || it->key != key) return false;
  entries_.erase(it);
  return true;
}

std::vector<MemoryEntry> InMemoryStore::list(std::size_t limit) const {
  std::shared_lock lock(mutex_);
  const std::size_t n = limit == 0 ? entries_.size() : std::min(limit, entries_.size());
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::vector<SearchHit> InMemoryStore::search(const std::string& query, std::size_t limit) const {
  std::shared_lock lock(mutex_);
  return detail::rank(entries_, query, limit);
}

}  // namespace agentrace::memory
