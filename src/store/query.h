// Builds a statement from constant SQL fragments and bound values: `?` in a fragment becomes the
// next $n, and its value joins the parameter list. Repositories use it for optional filters; a
// value never becomes SQL text.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

class Query {
 public:
  explicit Query(std::string_view sql) : sql_(sql) {}

  // Appends `fragment` (with one `?` per value) and binds the values, in order.
  Query& Add(std::string_view fragment, std::initializer_list<Value> values = {});

  const std::string& sql() const { return sql_; }
  const std::vector<Value>& params() const { return params_; }
  Result<Rows> Run(Connection& conn) const { return conn.Execute(sql_, params_); }

 private:
  std::string sql_;
  std::vector<Value> params_;
};

// Appends the keyset condition of `page` (rows before its cursor) and the newest-first order, asking
// for one row more than the page holds (see MakePage in store/page.h). Returns the page size;
// kInvalidArgument (param "after") for a cursor Chorus did not make.
Result<int> AddNewestFirstPage(Query& q, const PageRequest& page);

}  // namespace chorus::store
