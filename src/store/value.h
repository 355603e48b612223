// Values that cross the storage interface: statement parameters and result cells.
//
// Both backends speak the same types: NULL, boolean, 64-bit integer, double, text and blob.
// SQLite stores booleans as 0/1 and PostgreSQL NUMERIC arrives as text; the accessors of Row convert,
// so repository code reads `row.Int(0)` whatever the backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace chorus::store {

struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

class Value {
 public:
  using Variant = std::variant<std::monostate, bool, int64_t, double, std::string, Blob>;

  Value() = default;
  Value(std::nullptr_t) {}                                       // NOLINT: implicit by design
  Value(bool b) : v_(b) {}                                       // NOLINT
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  Value(I i) : v_(static_cast<int64_t>(i)) {}                    // NOLINT
  Value(double d) : v_(d) {}                                     // NOLINT
  Value(std::string s) : v_(std::move(s)) {}                     // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}              // NOLINT
  Value(const char* s) : v_(std::string(s)) {}                   // NOLINT
  Value(Blob b) : v_(std::move(b)) {}                            // NOLINT
  template <typename T>
  Value(const std::optional<T>& o) {                             // NOLINT
    if (o) *this = Value(*o);
  }

  bool IsNull() const { return std::holds_alternative<std::monostate>(v_); }
  const Variant& variant() const { return v_; }
  bool operator==(const Value&) const = default;

 private:
  Variant v_;
};

// One result row: a view into Rows.
class Row {
 public:
  Row(const std::vector<Value>* cells, size_t offset, size_t width) : cells_(cells), offset_(offset), width_(width) {}

  size_t size() const { return width_; }
  bool IsNull(size_t col) const { return At(col).IsNull(); }
  // Conversions: NULL reads as 0 / false / "" — use the Opt* forms where NULL matters.
  int64_t Int(size_t col) const;
  double Double(size_t col) const;
  bool Bool(size_t col) const;
  std::string Text(size_t col) const;
  std::string BlobBytes(size_t col) const;
  std::optional<int64_t> OptInt(size_t col) const;
  std::optional<double> OptDouble(size_t col) const;
  std::optional<std::string> OptText(size_t col) const;
  const Value& At(size_t col) const { return (*cells_)[offset_ + col]; }

 private:
  const std::vector<Value>* cells_;
  size_t offset_;
  size_t width_;
};

// The materialised result of one statement.
class Rows {
 public:
  Rows() = default;
  explicit Rows(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  const std::vector<std::string>& columns() const { return columns_; }
  size_t size() const { return columns_.empty() ? 0 : cells_.size() / columns_.size(); }
  bool empty() const { return size() == 0; }
  Row operator[](size_t i) const { return Row(&cells_, i * columns_.size(), columns_.size()); }
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const { return affected_; }

  void Append(Value v) { cells_.push_back(std::move(v)); }
  void set_affected(int64_t n) { affected_ = n; }

  class Iterator {
   public:
    Iterator(const Rows* rows, size_t i) : rows_(rows), i_(i) {}
    Row operator*() const { return (*rows_)[i_]; }
    Iterator& operator++() { ++i_; return *this; }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const Rows* rows_;
    size_t i_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

 private:
  std::vector<std::string> columns_;
  std::vector<Value> cells_;
  int64_t affected_ = 0;
};

}  // namespace chorus::store
