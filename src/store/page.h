// Keyset pagination for every per-user history: newest first, ordered by (created_at DESC, id DESC),
// resumed from an opaque cursor that encodes the last row's (created_at, id). Unlike OFFSET, a page
// costs the same at any depth and never skips or repeats rows while new ones arrive.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chorus::store {

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

struct PageRequest {
  int limit = kDefaultPageSize;  // clamped to 1..kMaxPageSize
  std::string after;             // a cursor from a previous page; empty for the first page
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;  // empty on the last page
};

struct Cursor {
  std::string created_at;
  std::string id;
};

std::string EncodeCursor(const Cursor& cursor);
// kInvalidArgument (param "after") for anything EncodeCursor did not make.
Result<Cursor> DecodeCursor(std::string_view text);

int ClampLimit(int limit);

// The first `limit` rows become the page; a (limit+1)-th row, fetched only to learn that more
// exist, turns into the cursor. `key` extracts (created_at, id) from a row.
template <typename T, typename Key>
Page<T> MakePage(std::vector<T> rows, int limit, Key key) {
  Page<T> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<size_t>(limit));
    page.next_cursor = EncodeCursor(key(rows.back()));
  }
  page.items = std::move(rows);
  return page;
}

}  // namespace chorus::store
