#include "store/query.h"

#include <cassert>

namespace chorus::store {

Query& Query::Add(std::string_view fragment, std::initializer_list<Value> values) {
  auto value = values.begin();
  for (char c : fragment) {
    if (c != '?') {
      sql_ += c;
      continue;
    }
    assert(value != values.end() && "more ? than values");
    params_.push_back(*value++);
    sql_ += '$';
    sql_ += std::to_string(params_.size());
  }
  assert(value == values.end() && "more values than ?");
  return *this;
}

Result<int> AddNewestFirstPage(Query& q, const PageRequest& page) {
  const int limit = ClampLimit(page.limit);
  if (!page.after.empty()) {
    CHORUS_ASSIGN_OR_RETURN(Cursor cursor, DecodeCursor(page.after));
    q.Add(" AND (created_at, id) < (?, ?)", {cursor.created_at, cursor.id});
  }
  q.Add(" ORDER BY created_at DESC, id DESC LIMIT ?", {limit + 1});
  return limit;
}

}  // namespace chorus::store
