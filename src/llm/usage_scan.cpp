#include "llm/usage_scan.h"

#include <boost/json/basic_parser_impl.hpp>

#include <cstring>
#include <string>

namespace chorus::llm {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// The handler Boost.JSON's basic_parser calls. Depth 1 is the completion (or chunk) object itself,
// depth 2 the members of its "usage" object and the elements of its "choices", depth 3 the members
// of the first choice and of usage's "completion_tokens_details", depth 4 those of the first
// choice's message (or delta); everything else is only validated.
class UsageHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  // `text`, when given, gets the first choice's `<text_parent>.content` string appended.
  UsageHandler(Usage& out, std::string* text, std::string_view text_parent)
      : out_(out), text_(text), text_parent_(text_parent) {}

  bool root_is_object() const { return root_is_object_; }
  // No "choices" member, or an empty array.
  bool no_choices() const { return !choices_seen_ || choices_are_empty_array_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (depth_ == 0) root_is_object_ = true;
    if (depth_ == 1 && key_ == Key::kUsage) {
      in_usage_ = true;
      out_.reported = true;
    }
    if (depth_ == 2 && in_choices_) in_first_choice_ = choices_begun_++ == 0;
    if (depth_ == 2 && in_usage_ && key_ == Key::kCompletionDetails) in_details_ = true;
    if (depth_ == 3 && in_first_choice_ && key_ == Key::kTextParent) in_text_parent_ = true;
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    --depth_;
    if (depth_ == 1) in_usage_ = false;
    if (depth_ == 2) {
      in_first_choice_ = false;
      in_details_ = false;
    }
    if (depth_ == 3) in_text_parent_ = false;
    return true;
  }
  bool on_array_begin(error_code&) {
    if (depth_ == 1 && key_ == Key::kChoices) in_choices_ = true;
    // An array in choices is no choice, but it comes before any that follow.
    if (depth_ == 2 && in_choices_) ++choices_begun_;
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t size, error_code&) {
    --depth_;
    if (depth_ == 1 && in_choices_) {
      choices_are_empty_array_ = size == 0;
      in_choices_ = false;
    }
    return true;
  }
  bool on_key_part(std::string_view part, std::size_t, error_code&) {
    AppendKey(part);
    return true;
  }
  bool on_key(std::string_view part, std::size_t, error_code&) {
    AppendKey(part);
    key_ = Classify();
    key_length_ = 0;
    if (key_ == Key::kChoices) choices_seen_ = true;
    return true;
  }
  bool on_string_part(std::string_view part, std::size_t, error_code&) {
    KeepText(part);
    return true;
  }
  bool on_string(std::string_view part, std::size_t, error_code&) {
    KeepText(part);
    return true;
  }
  bool on_number_part(std::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t n, std::string_view, error_code&) {
    Count(n);
    return true;
  }
  bool on_uint64(std::uint64_t, std::string_view, error_code&) {
    Count(kMaxTokens);  // above INT64_MAX: clamped like any count above kMaxTokens
    return true;
  }
  bool on_double(double, std::string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(std::string_view, error_code&) { return true; }
  bool on_comment(std::string_view, error_code&) { return true; }

 private:
  enum class Key {
    kOther,
    kUsage,
    kChoices,
    kPromptTokens,
    kCompletionTokens,
    kCompletionDetails,
    kReasoningTokens,
    kTextParent,
    kContent
  };

  // Keys longer than the longest one looked for are kept only as "too long".
  void AppendKey(std::string_view part) {
    if (key_length_ + part.size() > sizeof key_text_) {
      key_length_ = sizeof key_text_ + 1;
      return;
    }
    std::memcpy(key_text_ + key_length_, part.data(), part.size());
    key_length_ += part.size();
  }

  Key Classify() const {
    if (key_length_ > sizeof key_text_) return Key::kOther;
    const std::string_view key(key_text_, key_length_);
    if (depth_ == 1 && key == "usage") return Key::kUsage;
    if (depth_ == 1 && key == "choices") return Key::kChoices;
    if (depth_ == 2 && in_usage_ && key == "prompt_tokens") return Key::kPromptTokens;
    if (depth_ == 2 && in_usage_ && key == "completion_tokens") return Key::kCompletionTokens;
    if (depth_ == 2 && in_usage_ && key == "completion_tokens_details") return Key::kCompletionDetails;
    if (depth_ == 3 && in_details_ && key == "reasoning_tokens") return Key::kReasoningTokens;
    if (text_ && depth_ == 3 && in_first_choice_ && key == text_parent_) return Key::kTextParent;
    if (depth_ == 4 && in_text_parent_ && key == "content") return Key::kContent;
    return Key::kOther;
  }

  // The parts of a string arrive unescaped, possibly in pieces.
  void KeepText(std::string_view part) {
    if (depth_ == 4 && in_text_parent_ && key_ == Key::kContent) text_->append(part);
  }

  void Count(std::int64_t n) {
    if (depth_ == 3 && in_details_ && key_ == Key::kReasoningTokens) out_.reasoning_tokens = ClampTokens(n);
    if (depth_ != 2 || !in_usage_) return;
    if (key_ == Key::kPromptTokens) out_.input_tokens = ClampTokens(n);
    if (key_ == Key::kCompletionTokens) out_.output_tokens = ClampTokens(n);
  }

  Usage& out_;
  std::string* const text_;
  const std::string_view text_parent_;
  int depth_ = 0;
  bool root_is_object_ = false;
  bool in_usage_ = false;
  bool in_choices_ = false;
  bool choices_seen_ = false;
  bool choices_are_empty_array_ = false;
  int choices_begun_ = 0;  // objects and arrays begun in "choices" (a scalar there is skipped)
  bool in_first_choice_ = false;
  bool in_text_parent_ = false;
  bool in_details_ = false;  // in usage's completion_tokens_details
  Key key_ = Key::kOther;
  char key_text_[32];
  std::size_t key_length_ = 0;
};

// Scans `body` as one JSON object into `found` (and `text`); false when it is not one, and then
// `text` is as it was.
bool Scan(std::string_view body, Usage& found, bool* no_choices, std::string* text, std::string_view text_parent) {
  const std::size_t text_before = text ? text->size() : 0;
  json::basic_parser<UsageHandler> parser(json::parse_options{}, found, text, text_parent);
  error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (ec || used != body.size() || !parser.done() || !parser.handler().root_is_object()) {
    if (text) text->resize(text_before);
    return false;
  }
  if (no_choices) *no_choices = parser.handler().no_choices();
  return true;
}

}  // namespace

Status ScanCompletionUsage(std::string_view body, Usage& out, std::string* text) {
  Usage found;
  if (!Scan(body, found, nullptr, text, "message")) {
    return Unexpected(ErrorCode::kUpstream, "the provider sent a malformed response");
  }
  out = found;
  return Ok();
}

Status ScanChunkUsage(std::string_view chunk, Usage& out, bool& no_choices, std::string* text) {
  Usage found;
  if (!Scan(chunk, found, &no_choices, text, "delta")) {
    return Unexpected(ErrorCode::kUpstream, "the provider sent a malformed chunk");
  }
  out = found;
  return Ok();
}

bool MayReportUsage(std::string_view chunk) {
  static constexpr std::string_view kKey = "\"usage\"";
  auto skip_space = [&chunk](size_t i) {
    while (i < chunk.size() && (chunk[i] == ' ' || chunk[i] == '\t' || chunk[i] == '\n' || chunk[i] == '\r')) ++i;
    return i;
  };
  for (size_t at = chunk.find(kKey); at != std::string_view::npos; at = chunk.find(kKey, at + kKey.size())) {
    size_t i = skip_space(at + kKey.size());
    if (i >= chunk.size() || chunk[i] != ':') continue;  // a string value "usage", not the key
    i = skip_space(i + 1);
    if (chunk.substr(i, 4) != "null") return true;
    const size_t after = skip_space(i + 4);
    if (after >= chunk.size() || (chunk[after] != ',' && chunk[after] != '}')) return true;  // not a plain null
  }
  return false;
}

}  // namespace chorus::llm
