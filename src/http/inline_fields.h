// Header fields kept as they came, in one inline buffer: the storage of the two Beast-based parsers
// (http/request_parser.h for the server, the upstream client's response parser). A header of a few
// hundred bytes in a dozen fields costs no allocation, where Beast's basic_fields makes a node per
// field. Views handed out stay valid until the next Store or Add.
#pragma once

#include <boost/container/small_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/strings.h"

namespace chorus::http {

template <size_t kTextBytes, size_t kFields>
class InlineFields {
 public:
  // Where a stored text lies. A header is at most header_limit bytes (below 4 GiB): offsets fit 32 bits.
  struct Span {
    uint32_t at = 0, size = 0;
  };

  Span Store(std::string_view s) {
    const Span span{static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(s.size())};
    text_.insert(text_.end(), s.begin(), s.end());
    return span;
  }
  std::string_view Text(Span s) const { return std::string_view(text_.data() + s.at, s.size); }

  void Add(std::string_view name, std::string_view value) {
    const Span n = Store(name);
    fields_.push_back(Field{n, Store(value)});
  }
  size_t size() const { return fields_.size(); }
  // The first field named `name` (case-insensitive); empty when absent.
  std::string_view Find(std::string_view name) const {
    for (const Field& field : fields_) {
      if (IEquals(Text(field.name), name)) return Text(field.value);
    }
    return {};
  }
  // Calls f(name, value) for each field, in order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Field& field : fields_) f(Text(field.name), Text(field.value));
  }

 private:
  struct Field {
    Span name, value;
  };
  boost::container::small_vector<char, kTextBytes> text_;
  boost::container::small_vector<Field, kFields> fields_;
};

}  // namespace chorus::http
