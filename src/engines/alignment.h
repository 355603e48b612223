// Character and word timings for synthesised speech (the seed-004 "alignment" shape), derived from
// the word events a TtsEngine reports and the length of the audio. Pure functions: no engine, no
// state, safe anywhere.
//
// How times are shared out: the text from one word event up to the next (or the end) is one segment,
// and the audio from that event's start up to the next event's start (or the end) is its span. The
// spoken characters of a segment divide its span equally, in order; so an event that stands for
// "of the" gives "of" 2/5 and "the" 3/5 of the span. Spoken characters are those of its words with
// leading and trailing punctuation trimmed ("(really)!" -> "really"; "don't" and "1,5" stay whole);
// a segment that an event starts but that holds only punctuation or symbols ("&", "—") speaks all of
// its non-space characters.
// Every other character (spaces, trimmed punctuation) takes no time and sits at the boundary: the end
// of the spoken character before it in its segment, or the segment's start. Text before the first
// event is a segment spanning from 0; without events the whole text spans the whole audio.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engines/tts_engine.h"

namespace chorus::engines {

// One entry per code point of the text (an invalid UTF-8 byte counts as one): joining `characters`
// gives the text back byte for byte. start_times and end_times have the same length, are
// non-decreasing, end >= start, and lie within [0, duration].
struct CharacterAlignment {
  std::vector<std::string> characters;
  std::vector<double> start_times;
  std::vector<double> end_times;
};

// A run of spoken characters within one segment (see above): a word, a number, or a symbol that was
// spoken ("50%" with events at "50" and "%" gives "50" and "%").
struct WordTiming {
  std::string word;
  double start = 0;
  double end = 0;
};

struct Alignment {
  CharacterAlignment characters;
  std::vector<WordTiming> words;
};

// `events` need not be clean: those past the text, out of order, starting on a space, or inside
// another event's span are ignored, offsets inside a code point move to its start, and times are clamped into [0,
// duration] and made non-decreasing. A negative or NaN duration counts as 0.
Alignment Align(std::string_view text, const std::vector<WordEvent>& events, double duration_seconds);

CharacterAlignment AlignCharacters(std::string_view text, const std::vector<WordEvent>& events,
                                   double duration_seconds);
std::vector<WordTiming> AlignWords(std::string_view text, const std::vector<WordEvent>& events,
                                   double duration_seconds);

}  // namespace chorus::engines
