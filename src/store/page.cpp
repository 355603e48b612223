#include "store/page.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/time.h"

namespace chorus::store {

std::string EncodeCursor(const Cursor& cursor) { return Base64UrlEncode(cursor.created_at + "|" + cursor.id); }

Result<Cursor> DecodeCursor(std::string_view text) {
  auto bad = [] { return Unexpected(ErrorCode::kInvalidArgument, "Invalid pagination cursor.", "after"); };
  if (text.size() > 256) return bad();
  auto raw = Base64UrlDecode(text);
  if (!raw) return bad();
  const auto bar = raw->find('|');
  if (bar == std::string::npos) return bad();
  Cursor cursor{raw->substr(0, bar), raw->substr(bar + 1)};
  if (!ParseTimestamp(cursor.created_at) || cursor.id.empty() || cursor.id.size() > 64) return bad();
  return cursor;
}

int ClampLimit(int limit) { return std::clamp(limit, 1, kMaxPageSize); }

}  // namespace chorus::store
