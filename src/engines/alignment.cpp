#include "engines/alignment.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace chorus::engines {
namespace {

constexpr uint32_t kInvalid = 0xFFFFFFFF;  // a byte that does not start a well-formed sequence

struct CodePoint {
  size_t offset;
  size_t length;
  uint32_t value;
};

// Length of the well-formed UTF-8 sequence at `i` and its value, or 0 when it is malformed.
size_t SequenceLength(std::string_view s, size_t i, uint32_t& value) {
  const auto byte = [&](size_t k) -> uint32_t { return static_cast<unsigned char>(s[k]); };
  const uint32_t lead = byte(i);
  size_t length = 0;
  if (lead < 0x80) {
    value = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  value = lead & (0x7Fu >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (length == 3 && value < 0x800) || (length == 4 && value < 0x10000);
  const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
  return overlong || surrogate || value > 0x10FFFF ? 0 : length;
}

std::vector<CodePoint> Decode(std::string_view text) {
  std::vector<CodePoint> out;
  for (size_t i = 0; i < text.size();) {
    uint32_t value = 0;
    const size_t length = SequenceLength(text, i, value);
    if (length == 0) {
      out.push_back({i, 1, kInvalid});
      ++i;
    } else {
      out.push_back({i, length, value});
      i += length;
    }
  }
  return out;
}

bool IsSpace(uint32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 ||
         c == 0xFEFF;
}

// Punctuation that is not spoken at the edge of a word. Symbols that espeak-ng reads out ($ % & + =
// @ #) are not in it.
bool IsPunctuation(uint32_t c) {
  constexpr std::string_view kAscii = ".,;:!?'\"()[]{}<>-_*/\\|~^`";
  if (c < 0x80) return kAscii.find(static_cast<char>(c)) != std::string_view::npos;
  return c == 0xA1 || c == 0xAB || c == 0xB7 || c == 0xBB || c == 0xBF || (c >= 0x2010 && c <= 0x2027) ||
         (c >= 0x2030 && c <= 0x205E) || (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3011) || c == 0xFF01 ||
         c == 0xFF0C || c == 0xFF0E || c == 0xFF1A || c == 0xFF1B || c == 0xFF1F;
}

// Marks the spoken code points of [begin, end) (see the header); returns how many there are. Only a
// segment that an event starts falls back to speaking its punctuation: espeak said a word is there.
size_t MarkSpoken(const std::vector<CodePoint>& cps, size_t begin, size_t end, bool has_event,
                  std::vector<bool>& spoken) {
  size_t count = 0;
  for (size_t i = begin; i < end;) {
    if (IsSpace(cps[i].value)) {
      ++i;
      continue;
    }
    size_t token_end = i;
    while (token_end < end && !IsSpace(cps[token_end].value)) ++token_end;
    size_t first = i, last = token_end;
    while (first < last && IsPunctuation(cps[first].value)) ++first;
    while (last > first && IsPunctuation(cps[last - 1].value)) --last;
    for (size_t k = first; k < last; ++k) spoken[k] = true;
    count += last - first;
    i = token_end;
  }
  if (count > 0 || !has_event) return count;
  for (size_t i = begin; i < end; ++i) {
    spoken[i] = !IsSpace(cps[i].value);
    count += spoken[i] ? 1 : 0;
  }
  return count;
}

// A segment of code points [begin, end) that speaks during [start, end_time].
struct Segment {
  size_t begin;
  size_t end;
  double start;
  double end_time;
  bool has_event;  // false for the text before the first event, or all of it without events
};

// Cleans the events into segments that cover every code point in order (see Align's contract).
std::vector<Segment> Segments(const std::vector<CodePoint>& cps, const std::vector<WordEvent>& events,
                              double duration) {
  std::vector<std::pair<size_t, double>> starts;  // (first code point, time)
  size_t covered_to = 0;                          // code point after the last kept event's span
  for (const WordEvent& e : events) {
    const auto at = std::partition_point(cps.begin(), cps.end(),
                                         [&](const CodePoint& cp) { return cp.offset + cp.length <= e.text_offset; });
    if (at == cps.end()) continue;
    const size_t index = static_cast<size_t>(at - cps.begin());
    if (IsSpace(cps[index].value) || (!starts.empty() && index < covered_to)) continue;
    double t = std::isnan(e.start_seconds) ? 0 : std::clamp(e.start_seconds, 0.0, duration);
    if (!starts.empty()) t = std::max(t, starts.back().second);
    starts.emplace_back(index, t);
    covered_to = index + 1;
    while (covered_to < cps.size() && cps[covered_to].offset < e.text_offset + e.text_length) ++covered_to;
  }
  std::vector<Segment> segments;
  if (starts.empty() || starts.front().first > 0) {
    segments.push_back({0, starts.empty() ? cps.size() : starts.front().first, 0,
                        starts.empty() ? duration : starts.front().second, false});
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    const bool last = i + 1 == starts.size();
    segments.push_back({starts[i].first, last ? cps.size() : starts[i + 1].first, starts[i].second,
                        last ? duration : starts[i + 1].second, true});
  }
  return segments;
}

// Appends the times of the code points of `seg` to `chars`.
void TimeSegment(std::string_view text, const std::vector<CodePoint>& cps, const Segment& seg,
                 const std::vector<bool>& spoken, size_t count, CharacterAlignment& chars) {
  const double step = count > 0 ? (seg.end_time - seg.start) / static_cast<double>(count) : 0;
  double cursor = seg.start;
  size_t done = 0;
  for (size_t i = seg.begin; i < seg.end; ++i) {
    chars.characters.emplace_back(text.substr(cps[i].offset, cps[i].length));
    chars.start_times.push_back(cursor);
    if (spoken[i]) {
      ++done;
      cursor = done == count ? seg.end_time : std::min(seg.end_time, seg.start + step * static_cast<double>(done));
    }
    chars.end_times.push_back(cursor);
  }
}

// Appends the words of `seg`: its runs of spoken code points.
void SegmentWords(std::string_view text, const std::vector<CodePoint>& cps, const Segment& seg,
                  const std::vector<bool>& spoken, const CharacterAlignment& chars, std::vector<WordTiming>& words) {
  for (size_t i = seg.begin; i < seg.end;) {
    if (!spoken[i]) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < seg.end && spoken[end]) ++end;
    const size_t bytes = cps[end - 1].offset + cps[end - 1].length - cps[i].offset;
    words.push_back({std::string(text.substr(cps[i].offset, bytes)), chars.start_times[i], chars.end_times[end - 1]});
    i = end;
  }
}

}  // namespace

Alignment Align(std::string_view text, const std::vector<WordEvent>& events, double duration_seconds) {
  const double duration = std::isnan(duration_seconds) ? 0 : std::max(0.0, duration_seconds);
  const std::vector<CodePoint> cps = Decode(text);
  std::vector<bool> spoken(cps.size(), false);
  Alignment out;
  out.characters.characters.reserve(cps.size());
  out.characters.start_times.reserve(cps.size());
  out.characters.end_times.reserve(cps.size());
  for (const Segment& seg : Segments(cps, events, duration)) {
    const size_t count = MarkSpoken(cps, seg.begin, seg.end, seg.has_event, spoken);
    TimeSegment(text, cps, seg, spoken, count, out.characters);
    SegmentWords(text, cps, seg, spoken, out.characters, out.words);
  }
  return out;
}

CharacterAlignment AlignCharacters(std::string_view text, const std::vector<WordEvent>& events,
                                   double duration_seconds) {
  return Align(text, events, duration_seconds).characters;
}

std::vector<WordTiming> AlignWords(std::string_view text, const std::vector<WordEvent>& events,
                                   double duration_seconds) {
  return Align(text, events, duration_seconds).words;
}

}  // namespace chorus::engines
