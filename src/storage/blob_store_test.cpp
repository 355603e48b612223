#include "storage/blob_store.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/digest.h"
#include "tests/support/test_db.h"

namespace chorus::storage {
namespace {

namespace fs = std::filesystem;

size_t FilesUnder(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

TEST(BlobStoreTest, PutReadSizeRemove) {
  testing::TempDir tmp;
  FileBlobStore store(tmp.path() / "blobs");
  const std::string bytes("ID3\x00\x01\x02 some audio \xff\xfe", 21);
  auto key = store.Put(bytes);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(*key, Sha256Hex(bytes));
  EXPECT_TRUE(IsBlobKey(*key));
  EXPECT_TRUE(fs::is_regular_file(tmp.path() / "blobs" / key->substr(0, 2) / key->substr(2, 2) / *key));
  EXPECT_EQ(store.PathFor(*key), tmp.path() / "blobs" / key->substr(0, 2) / key->substr(2, 2) / *key);

  EXPECT_EQ(*store.Size(*key), bytes.size());
  EXPECT_EQ(*store.Read(*key, 0, 1000), bytes) << "at most length: the whole blob";
  EXPECT_EQ(*store.Read(*key, 0, bytes.size()), bytes);
  EXPECT_EQ(*store.Read(*key, 3, 4), bytes.substr(3, 4)) << "a range";
  EXPECT_EQ(*store.Read(*key, 18, 100), bytes.substr(18)) << "a range running past the end";
  EXPECT_EQ(*store.Read(*key, bytes.size(), 10), "") << "at the end";
  EXPECT_EQ(*store.Read(*key, 1000, 10), "") << "past the end";
  EXPECT_EQ(*store.Read(*key, 0, 0), "");

  ASSERT_TRUE(store.Remove(*key));
  EXPECT_EQ(store.Read(*key, 0, 10).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store.Size(*key).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store.Remove(*key).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(FilesUnder(tmp.path()), 0u);
}

TEST(BlobStoreTest, PutFileStoresAByteRangeOfAFileUnderTheSameKeyAsPut) {
  testing::TempDir tmp;
  FileBlobStore store(tmp.path() / "blobs");
  std::string audio;
  for (int i = 0; audio.size() < 600 * 1024; ++i) audio += static_cast<char>(i * 7 % 251);  // > one copy block
  const fs::path upload = tmp.path() / "upload";
  std::ofstream(upload, std::ios::binary) << "--preamble--" << audio << "--epilogue--";

  auto key = store.PutFile(upload.string(), 12, audio.size());
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(*key, Sha256Hex(audio));
  EXPECT_EQ(*store.Read(*key, 0, audio.size() + 1), audio);
  EXPECT_EQ(store.LocalPath(*key), store.PathFor(*key).string());
  EXPECT_EQ(*store.PutFile(upload.string(), 12, audio.size()), *key) << "idempotent";
  EXPECT_EQ(FilesUnder(tmp.path() / "blobs"), 1u) << "no temporary file is left behind";

  auto past_end = store.PutFile(upload.string(), 12, audio.size() + 100);
  ASSERT_FALSE(past_end);
  EXPECT_EQ(past_end.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(FilesUnder(tmp.path() / "blobs"), 1u);
  EXPECT_EQ(store.PutFile((tmp.path() / "missing").string(), 0, 1).error().code, ErrorCode::kInternal);
}

TEST(BlobStoreTest, SameBytesSameKeyAndOneFile) {
  testing::TempDir tmp;
  FileBlobStore store(tmp.path());
  auto a = store.Put("hello");
  auto b = store.Put("hello");
  auto c = store.Put("hello!");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_EQ(*a, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(FilesUnder(tmp.path()), 2u) << "no temporary files left behind";

  auto empty = store.Put("");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(*store.Size(*empty), 0u);
  EXPECT_EQ(*store.Read(*empty, 0, 10), "");

  const std::string big(3 * 1024 * 1024 + 7, 'x');
  auto k = store.Put(big);
  ASSERT_TRUE(k);
  EXPECT_EQ(*store.Size(*k), big.size());
  EXPECT_EQ(store.Read(*k, 1024 * 1024, 2 * 1024 * 1024)->size(), 2u * 1024 * 1024);

  // A second store on the same root sees the same blobs (another process).
  FileBlobStore other(tmp.path());
  EXPECT_EQ(*other.Read(*a, 0, 5), "hello");
}

TEST(BlobStoreTest, BadKeysAreRefusedWithoutTouchingTheFilesystem) {
  testing::TempDir tmp;
  // A file outside the store that a traversing key would reach.
  const fs::path victim = tmp.path() / "victim";
  std::ofstream(victim) << "precious";
  const fs::path root = tmp.path() / "a" / "b" / "blobs";
  FileBlobStore store(root);

  const std::string good = Sha256Hex("x");
  std::string upper = good;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string bad_keys[] = {
      "",
      "../../etc/passwd",
      "../../../victim",
      "../../../victim" + std::string(64 - 15, 'a'),  // 64 characters
      good.substr(0, 63),
      good + "0",
      upper,
      good.substr(0, 60) + "/../",
      std::string(good.substr(0, 63)) + '\0',
      std::string(64, 'g'),
  };
  for (const std::string& key : bad_keys) {
    EXPECT_EQ(store.Read(key, 0, 10).error().code, ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(store.Size(key).error().code, ErrorCode::kInvalidArgument) << key;
    auto removed = store.Remove(key);
    ASSERT_FALSE(removed) << key;
    EXPECT_EQ(removed.error().code, ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(removed.error().param, "key");
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "a")) << "nothing was created";
  EXPECT_TRUE(fs::exists(victim)) << "nothing was removed";
  EXPECT_FALSE(IsBlobKey(upper));
  EXPECT_TRUE(IsBlobKey(good));
  // A well-formed key that was never stored is simply not found.
  EXPECT_EQ(store.Read(good, 0, 1).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace chorus::storage
