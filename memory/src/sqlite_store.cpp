// SqliteStore: one connection per object, statements prepared once and reused under a mutex.
// Several objects or processes on one file coordinate through SQLite itself: WAL lets readers
// run beside the one writer, and the busy timeout makes a writer wait for the lock instead of
// failing. Every statement binds its values: user text never becomes SQL.
#include <sqlite3.h>

#include <chrono>
#include <climits>
#include <initializer_list>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "agentrace/memory/store.hpp"
#include "ranking.hpp"

namespace agentrace::memory {

namespace {

constexpr int busy_timeout_ms = 5000;

constexpr const char* create_table_sql =
    "CREATE TABLE IF NOT EXISTS memory ("
    "key TEXT PRIMARY KEY, text TEXT NOT NULL, metadata TEXT NOT NULL, created INTEGER, updated INTEGER)";
// An upsert keeps `created` of a replaced row in one atomic statement.
constexpr const char* put_sql =
    "INSERT INTO memory (key, text, metadata, created, updated) VALUES (?1, ?2, ?3, ?4, ?4) "
    "ON CONFLICT(key) DO UPDATE SET text = excluded.text, metadata = excluded.metadata, updated = excluded.updated";
constexpr const char* get_sql = "SELECT key, text, metadata, created, updated FROM memory WHERE key = ?1";
constexpr const char* remove_sql = "DELETE FROM memory WHERE key = ?1";
// A negative LIMIT means no limit in SQLite.
constexpr const char* list_sql = "SELECT key, text, metadata, created, updated FROM memory ORDER BY key LIMIT ?1";
constexpr const char* all_sql = "SELECT key, text, metadata, created, updated FROM memory";

// Clears a reused statement however the call using it ends.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* statement) noexcept : statement_(statement) {}
  ~StatementUse() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  [[nodiscard]] sqlite3_stmt* get() const noexcept { return statement_; }

 private:
  sqlite3_stmt* statement_;
};

std::string column_string(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite3_column_text(statement, column);
  const int size = sqlite3_column_bytes(statement, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

}  // namespace

struct SqliteStore::Impl {
  std::string path;
  sqlite3* db = nullptr;
  std::mutex mutex;
  sqlite3_stmt* put = nullptr;
  sqlite3_stmt* get = nullptr;
  sqlite3_stmt* remove = nullptr;
  sqlite3_stmt* list = nullptr;
  sqlite3_stmt* all = nullptr;

  explicit Impl(std::string p) : path(std::move(p)) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    for (auto* statement : {put, get, remove, list, all}) sqlite3_finalize(statement);
    sqlite3_close_v2(db);
  }

  [[noreturn]] void fail(std::string_view what) const { fail(what, db != nullptr ? sqlite3_errmsg(db) : "out of memory"); }

  [[noreturn]] void fail(std::string_view what, std::string_view cause) const {
    std::string message = "sqlite store ";
    message.append(path).append(": ").append(what).append(": ").append(cause);
    throw std::runtime_error(message);
  }

  // Setting up a new file takes locks that another connection opening the same file at the
  // same moment may hold; the busy handler does not cover every such case (journal mode
  // changes), so setup retries for as long as the busy timeout would have waited.
  void exec_setup(const char* sql) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (;;) {
      const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) fail(sql);
      if (std::chrono::steady_clock::now() >= deadline) fail(sql);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) {
      fail(std::string("prepare ") + sql);
    }
    return statement;
  }

  void bind_text(sqlite3_stmt* statement, int index, const std::string& value) const {
    if (sqlite3_bind_text64(statement, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
      fail("bind");
    }
  }

  void bind_int(sqlite3_stmt* statement, int index, std::int64_t value) const {
    if (sqlite3_bind_int64(statement, index, value) != SQLITE_OK) fail("bind");
  }

  // Steps a statement that returns no rows.
  void run(sqlite3_stmt* statement, std::string_view what) const {
    if (sqlite3_step(statement) != SQLITE_DONE) fail(what);
  }

  MemoryEntry read_row(sqlite3_stmt* statement) const {
    MemoryEntry entry;
    entry.key = column_string(statement, 0);
    entry.text = column_string(statement, 1);
    const std::string metadata = column_string(statement, 2);
    entry.metadata = nlohmann::json::parse(metadata, nullptr, /*allow_exceptions=*/false);
    if (entry.metadata.is_discarded()) {
      fail("read", "metadata of key \"" + entry.key + "\" is not valid JSON");
    }
    entry.created_unix_ns = static_cast<std::uint64_t>(sqlite3_column_int64(statement, 3));
    entry.updated_unix_ns = static_cast<std::uint64_t>(sqlite3_column_int64(statement, 4));
    return entry;
  }

  std::vector<MemoryEntry> read_rows(sqlite3_stmt* statement, std::string_view what) const {
    std::vector<MemoryEntry> entries;
    for (;;) {
      const int rc = sqlite3_step(statement);
      if (rc == SQLITE_DONE) return entries;
      if (rc != SQLITE_ROW) fail(what);
      entries.push_back(read_row(statement));
    }
  }
};

SqliteStore::SqliteStore(std::filesystem::path path) : path_(std::move(path)) {
  auto impl = std::make_unique<Impl>(path_.string());
  if (const auto parent = path_.parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) impl->fail("cannot create directory " + parent.string(), ec.message());
  }
  const int rc = sqlite3_open_v2(impl->path.c_str(), &impl->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    if (impl->db != nullptr) impl->fail("open");
    impl->fail("open", sqlite3_errstr(rc));
  }
  sqlite3_busy_timeout(impl->db, busy_timeout_ms);
  impl->exec_setup("PRAGMA journal_mode=WAL");
  // With WAL, NORMAL still never corrupts the file; a power loss may only drop the last
  // commits, an acceptable trade for a memory store that writes often.
  impl->exec_setup("PRAGMA synchronous=NORMAL");
  impl->exec_setup(create_table_sql);
  impl->put = impl->prepare(put_sql);
  impl->get = impl->prepare(get_sql);
  impl->remove = impl->prepare(remove_sql);
  impl->list = impl->prepare(list_sql);
  impl->all = impl->prepare(all_sql);
  impl_ = std::move(impl);
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::put(const std::string& key, const std::string& text, nlohmann::json metadata) {
  const std::string metadata_text = metadata.dump();
  const auto now = static_cast<std::int64_t>(detail::now_unix_ns());
  std::lock_guard lock(impl_->mutex);
  StatementUse use(impl_->put);
  impl_->bind_text(use.get(), 1, key);
  impl_->bind_text(use.get(), 2, text);
  impl_->bind_text(use.get(), 3, metadata_text);
  impl_->bind_int(use.get(), 4, now);
  impl_->run(use.get(), "put");
}

std::optional<MemoryEntry> SqliteStore::get(const std::string& key) const {
  std::lock_guard lock(impl_->mutex);
  StatementUse use(impl_->get);
  impl_->bind_text(use.get(), 1, key);
  const int rc = sqlite3_step(use.get());
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) impl_->fail("get");
  return impl_->read_row(use.get());
}

bool SqliteStore::remove(const std::string& key) {
  std::lock_guard lock(impl_->mutex);
  StatementUse use(impl_->remove);
  impl_->bind_text(use.get(), 1, key);
  impl_->run(use.get(), "remove");
  return sqlite3_changes(impl_->db) > 0;
}

std::vector<MemoryEntry> SqliteStore::list(std::size_t limit) const {
  const std::int64_t sql_limit =
      limit == 0 || limit > static_cast<std::size_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(limit);
  std::lock_guard lock(impl_->mutex);
  StatementUse use(impl_->list);
  impl_->bind_int(use.get(), 1, sql_limit);
  return impl_->read_rows(use.get(), "list");
}

std::vector<SearchHit> SqliteStore::search(const std::string& query, std::size_t limit) const {
  std::vector<MemoryEntry> entries;
  {
    std::lock_guard lock(impl_->mutex);
    StatementUse use(impl_->all);
    entries = impl_->read_rows(use.get(), "search");
  }
  // Ranking in C++ rather than with FTS5 keeps the two stores' results identical.
  return detail::rank(entries, query, limit);
}

}  // namespace agentrace::memory
