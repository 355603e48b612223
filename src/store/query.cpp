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

}  // namespace chorus::store
