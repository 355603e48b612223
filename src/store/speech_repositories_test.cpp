// The speech repositories (audio tracks, alignments, TTS requests, generation history), run against
// both backends.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "base/digest.h"
#include "base/ids.h"
#include "base/time.h"
#include "store/speech.h"
#include "tests/support/migrated_db.h"

namespace chorus::store {
namespace {

using SpeechRepositoryTest = testing::MigratedDatabaseTest;

NewTrack Track(std::string text = "Hello there.") {
  return {.url = "https://cdn.example.com/a.mp3", .text = std::move(text), .duration = 1.5};
}

TEST_P(SpeechRepositoryTest, TracksStayWithTheirOwner) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  const std::string id = NewUuidV7();
  NewTrack t{.id = id, .url = "https://cdn.example.com/audio/" + id + ".mp3", .text = "Hi.", .duration = 2.25,
             .storage_key = Sha256Hex("bytes"), .content_type = "audio/mpeg", .byte_size = 5,
             .cache_key = Sha256Hex("request"), .metadata = R"({"voice":"nova"})"};
  auto track = audio_tracks::Create(*Write(), alice, t);
  ASSERT_TRUE(track) << track.error().message;
  EXPECT_EQ(track->id, id) << "the caller's id";
  EXPECT_EQ(track->user_id, alice);
  EXPECT_EQ(track->url, t.url);
  EXPECT_DOUBLE_EQ(track->duration, 2.25);
  EXPECT_EQ(track->storage_key, Sha256Hex("bytes"));
  EXPECT_EQ(track->content_type, "audio/mpeg");
  EXPECT_EQ(track->byte_size, 5);
  EXPECT_EQ(track->cache_key, Sha256Hex("request"));
  EXPECT_NE(track->metadata.find("nova"), std::string::npos);
  EXPECT_TRUE(ParseTimestamp(track->created_at)) << track->created_at;
  ASSERT_TRUE(audio_alignments::Put(*Write(), id, R"(["H","i"])", "[0,0.5]", "[0.5,0.75]"));

  auto plain = audio_tracks::Create(*Write(), alice, Track());
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_TRUE(IsUuid(plain->id)) << "generated";
  EXPECT_FALSE(plain->storage_key);
  EXPECT_FALSE(plain->byte_size);
  EXPECT_EQ(plain->metadata, "{}");

  EXPECT_EQ(audio_tracks::Get(*Write(), alice, id)->text, "Hi.");
  EXPECT_EQ(audio_tracks::Get(*Write(), bob, id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(audio_tracks::Get(*Write(), alice, "not-a-uuid").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(audio_tracks::Get(*Write(), alice, NewUuidV7()).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(audio_tracks::Delete(*Write(), bob, id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(audio_tracks::Delete(*Write(), alice, "x").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*audio_tracks::FindByCacheKey(*Write(), bob, Sha256Hex("request")));
  EXPECT_TRUE(audio_tracks::List(*Write(), bob, {})->items.empty());
  EXPECT_EQ(Count("audio_tracks"), 2) << "bob's attempts changed nothing";
  EXPECT_EQ(Count("audio_alignments"), 1);

  EXPECT_EQ(audio_tracks::Create(*Write(), alice, t).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(audio_tracks::Create(*Write(), alice, {.id = "../x", .url = "https://x", .text = "t", .duration = 1})
                .error().param,
            "id");
}

TEST_P(SpeechRepositoryTest, TrackPagesCoverEveryRowOnceNewestFirst) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  std::set<std::string> made;
  for (int i = 0; i < 23; ++i) made.insert(audio_tracks::Create(*Write(), alice, Track())->id);
  ASSERT_TRUE(audio_tracks::Create(*Write(), bob, Track()));
  std::vector<std::string> seen;
  PageRequest page{.limit = 10};
  int pages = 0;
  do {
    auto result = audio_tracks::List(*Write(), alice, page);
    ASSERT_TRUE(result) << result.error().message;
    for (const auto& t : result->items) seen.push_back(t.id);
    page.after = result->next_cursor;
    ++pages;
  } while (!page.after.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), made);
  EXPECT_EQ(seen.size(), made.size()) << "no row twice";
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend())) << "newest first";
  EXPECT_EQ(audio_tracks::List(*Write(), alice, {.after = "garbage!"}).error().param, "after");
}

TEST_P(SpeechRepositoryTest, CacheKeyLookupReturnsTheUsersNewestTrack) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  const std::string key = Sha256Hex("tts request"), other = Sha256Hex("another");
  NewTrack t = Track("first");
  t.cache_key = key;
  ASSERT_TRUE(audio_tracks::Create(*Write(), alice, t));
  t.text = "second";
  const std::string second = audio_tracks::Create(*Write(), alice, t)->id;
  t.text = "bob's";
  ASSERT_TRUE(audio_tracks::Create(*Write(), bob, t));
  t.text = "other";
  t.cache_key = other;
  ASSERT_TRUE(audio_tracks::Create(*Write(), alice, t));

  auto found = audio_tracks::FindByCacheKey(*Write(), alice, key);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->id, second);
  EXPECT_EQ((*found)->text, "second");
  EXPECT_EQ((*audio_tracks::FindByCacheKey(*Write(), bob, key))->text, "bob's");
  EXPECT_FALSE(*audio_tracks::FindByCacheKey(*Write(), alice, Sha256Hex("never")));
  EXPECT_FALSE(*audio_tracks::FindByCacheKey(*Write(), "nobody", key));
}

TEST_P(SpeechRepositoryTest, DeletingATrackCascadesAndReportsItsBlob) {
  const std::string alice = MakeUser("alice");
  const std::string blob = Sha256Hex("audio bytes");
  NewTrack t = Track();
  t.storage_key = blob;
  const std::string gone = audio_tracks::Create(*Write(), alice, t)->id;
  const std::string kept = audio_tracks::Create(*Write(), alice, t)->id;
  const std::string bare = audio_tracks::Create(*Write(), alice, Track())->id;
  for (const std::string& id : {gone, kept}) {
    ASSERT_TRUE(audio_alignments::Put(*Write(), id, R"(["a"])", "[0]", "[0.25]"));
    auto h = audio_generation_history::Record(*Write(), alice, id, "nova", "tts-1", R"({"speed":1})", "completed");
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_TRUE(IsUuid(*h));
  }
  ASSERT_TRUE(audio_generation_history::Record(*Write(), alice, std::nullopt, "nova", "tts-1", "{}", "failed",
                                               "upstream timed out"));
  EXPECT_EQ(*audio_tracks::CountByStorageKey(*Write(), blob), 2);

  auto deleted = audio_tracks::Delete(*Write(), alice, gone);
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(*deleted, blob);
  EXPECT_EQ(*audio_tracks::CountByStorageKey(*Write(), blob), 1) << "the blob is still referenced";
  EXPECT_EQ(audio_tracks::Delete(*Write(), alice, gone).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(audio_alignments::Get(*Write(), gone).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Count("audio_alignments"), 1);
  EXPECT_EQ(Count("audio_generation_history"), 2) << "the trackless record stays";
  EXPECT_EQ(Count("audio_generation_history", "track_id = '" + kept + "'"), 1);

  EXPECT_EQ(*audio_tracks::Delete(*Write(), alice, kept), blob);
  EXPECT_EQ(*audio_tracks::CountByStorageKey(*Write(), blob), 0) << "now the caller removes the blob";
  EXPECT_EQ(*audio_tracks::Delete(*Write(), alice, bare), std::nullopt);
}

TEST_P(SpeechRepositoryTest, AlignmentsArePutReplacedAndChecked) {
  const std::string alice = MakeUser("alice");
  const std::string track = audio_tracks::Create(*Write(), alice, Track())->id;
  EXPECT_EQ(audio_alignments::Get(*Write(), track).error().code, ErrorCode::kNotFound);
  auto put = audio_alignments::Put(*Write(), track, R"(["H", "i", "!"])", "[0, 0.25, 0.5]", "[0.25, 0.5, 0.75]");
  ASSERT_TRUE(put) << put.error().message;
  auto a = audio_alignments::Get(*Write(), track);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->characters, R"(["H","i","!"])");
  EXPECT_EQ(a->start_times, "[0,0.25,0.5]");
  EXPECT_EQ(a->end_times, "[0.25,0.5,0.75]");

  ASSERT_TRUE(audio_alignments::Put(*Write(), track, R"(["o"])", "[0.5]", "[0.5]"));
  EXPECT_EQ(audio_alignments::Get(*Write(), track)->characters, R"(["o"])") << "replaced";
  EXPECT_EQ(Count("audio_alignments"), 1);

  auto code = [&](const char* c, const char* s, const char* e) {
    auto r = audio_alignments::Put(*Write(), track, c, s, e);
    return r ? std::optional<ErrorCode>() : r.error().code;
  };
  EXPECT_EQ(code(R"(["a","b"])", "[0]", "[0.5]"), ErrorCode::kInvalidArgument) << "unequal lengths";
  EXPECT_EQ(code(R"(["a","b"])", "[0.5,0.25]", "[0.75,0.5]"), ErrorCode::kInvalidArgument) << "starts go back";
  EXPECT_EQ(code(R"(["a"])", "[0.5]", "[0.25]"), ErrorCode::kInvalidArgument) << "ends before it starts";
  EXPECT_EQ(code(R"({"a":1})", "[0]", "[0]"), ErrorCode::kInvalidArgument) << "not an array";
  EXPECT_EQ(code(R"(["a")", "[0]", "[0]"), ErrorCode::kInvalidArgument) << "not JSON";
  EXPECT_EQ(audio_alignments::Get(*Write(), track)->characters, R"(["o"])") << "unchanged";
  EXPECT_EQ(audio_alignments::Put(*Write(), NewUuidV7(), "[]", "[]", "[]").error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(audio_alignments::Put(*Write(), "nope", "[]", "[]", "[]").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(audio_alignments::Get(*Write(), "nope").error().code, ErrorCode::kNotFound);
}

TEST_P(SpeechRepositoryTest, TtsRequestsGoFromPendingToCompletedOrFailed) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  auto r = tts_requests::Create(*Write(), alice, {.input_text = "Read me.", .voice = "nova", .language = "en",
                                                  .model = "tts-1"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, "pending");
  EXPECT_FALSE(r->completed_at);
  EXPECT_FALSE(r->audio_url);
  EXPECT_EQ(tts_requests::Get(*Write(), alice, r->id)->voice, "nova");
  EXPECT_EQ(tts_requests::Get(*Write(), bob, r->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(tts_requests::Get(*Write(), alice, "x").error().code, ErrorCode::kNotFound);

  auto done = tts_requests::Complete(*Write(), r->id, 2.5, "https://cdn.example.com/t.mp3");
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->status, "completed");
  EXPECT_EQ(done->duration, 2.5);
  EXPECT_EQ(done->audio_url, "https://cdn.example.com/t.mp3");
  ASSERT_TRUE(done->completed_at);
  EXPECT_TRUE(ParseTimestamp(*done->completed_at)) << *done->completed_at;
  EXPECT_GE(done->updated_at, r->updated_at);
  EXPECT_EQ(tts_requests::Get(*Write(), alice, r->id)->status, "completed");
  EXPECT_EQ(tts_requests::Complete(*Write(), r->id, 1, "https://x").error().code, ErrorCode::kConflict);
  EXPECT_EQ(tts_requests::Fail(*Write(), r->id, "late").error().code, ErrorCode::kConflict);
  EXPECT_EQ(tts_requests::Get(*Write(), alice, r->id)->error_message, std::nullopt) << "unchanged";

  auto other = tts_requests::Create(*Write(), alice, {.input_text = "Again."});
  ASSERT_TRUE(other);
  auto failed = tts_requests::Fail(*Write(), other->id, "voice unavailable");
  ASSERT_TRUE(failed) << failed.error().message;
  EXPECT_EQ(failed->status, "failed");
  EXPECT_EQ(failed->error_message, "voice unavailable");
  EXPECT_TRUE(failed->completed_at);
  EXPECT_EQ(tts_requests::Complete(*Write(), NewUuidV7(), 1, "https://x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(tts_requests::Fail(*Write(), "nope", "e").error().code, ErrorCode::kNotFound);

  auto fresh = tts_requests::Create(*Write(), alice, {.input_text = "Three."});
  EXPECT_EQ(tts_requests::Complete(*Write(), fresh->id, -1, "https://x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tts_requests::Get(*Write(), alice, fresh->id)->status, "pending") << "a refused change changes nothing";
}

TEST_P(SpeechRepositoryTest, ConstraintViolationsAreInvalidArguments) {
  const std::string alice = MakeUser("alice");
  auto track_code = [&](NewTrack t) { return audio_tracks::Create(*Write(), alice, t).error().code; };
  NewTrack t = Track();
  t.url = "ftp://x";
  EXPECT_EQ(track_code(t), ErrorCode::kInvalidArgument);
  t = Track();
  t.duration = 0;
  EXPECT_EQ(track_code(t), ErrorCode::kInvalidArgument);
  t = Track();
  t.storage_key = std::string(63, 'a');
  EXPECT_EQ(track_code(t), ErrorCode::kInvalidArgument);
  t = Track();
  t.cache_key = std::string(65, 'a');
  EXPECT_EQ(track_code(t), ErrorCode::kInvalidArgument);
  t = Track();
  t.content_type = std::string(101, 'c');
  EXPECT_EQ(track_code(t), ErrorCode::kInvalidArgument);
  t = Track();
  t.byte_size = -1;
  EXPECT_EQ(track_code(t), ErrorCode::kInvalidArgument);
  t = Track();
  t.metadata = "[1]";
  EXPECT_EQ(track_code(t), ErrorCode::kInvalidArgument) << "metadata must be an object";
  t.metadata = "{nope";
  EXPECT_EQ(track_code(t), ErrorCode::kInvalidArgument);
  EXPECT_EQ(audio_tracks::Create(*Write(), NewUuidV7(), Track()).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Count("audio_tracks"), 0);

  auto tts_code = [&](NewTtsRequest r) { return tts_requests::Create(*Write(), alice, r).error().code; };
  EXPECT_EQ(tts_code({.input_text = "x", .voice = std::string(51, 'v')}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(tts_code({.input_text = "x", .language = std::string(11, 'l')}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(tts_code({.input_text = "x", .model = std::string(51, 'm')}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(tts_code({.input_text = "x", .metadata = "{nope"}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count("tts_requests"), 0);

  auto record = [&](std::optional<std::string> track, const char* settings, const char* status) {
    return audio_generation_history::Record(*Write(), alice, track, "v", "m", settings, status).error().code;
  };
  EXPECT_EQ(record(std::nullopt, "{}", "done"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(record(std::nullopt, "[]", "completed"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(record(NewUuidV7(), "{}", "completed"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(record("nope", "{}", "completed"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Count("audio_generation_history"), 0);
}

CHORUS_INSTANTIATE_FOR_BACKENDS(SpeechRepositoryTest);

}  // namespace
}  // namespace chorus::store
