// Content-addressed blob storage for generated audio. A blob's key is the lower-case hex SHA-256 of
// its bytes (64 characters), so equal bytes share one blob and Put is idempotent. The database keeps
// the key (audio_tracks.storage_key); whoever deletes the last row referencing a key removes the blob.
//
// BlobStore is the interface; FileBlobStore keeps blobs on the local filesystem, and an object-store
// backend can implement the same contract later. Keys are checked (exactly 64 of [0-9a-f]) before
// any backend sees them, so no text from a request ever names a file or an object.
//
// Threading: implementations are safe to use from any thread. Every call blocks (run it on a
// BlockingPool from network threads).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::storage {

inline constexpr size_t kBlobKeyLength = 64;

// True for exactly 64 lower-case hex digits.
bool IsBlobKey(std::string_view key);

class BlobStore {
 public:
  BlobStore() = default;
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;
  virtual ~BlobStore() = default;

  // Stores the bytes and returns their key. Storing bytes that are already there changes nothing.
  virtual Result<std::string> Put(std::string_view bytes) = 0;
  // Up to `length` bytes from `offset` (fewer at the end; none when offset is at or past the end).
  // kNotFound when there is no such blob.
  virtual Result<std::string> Read(std::string_view key, uint64_t offset, uint64_t length) = 0;
  // The blob's size in bytes. kNotFound when there is no such blob.
  virtual Result<uint64_t> Size(std::string_view key) = 0;
  // kNotFound when there is no such blob.
  virtual Status Remove(std::string_view key) = 0;
  // Stores `length` bytes of the file at `path` from `offset` (an upload spooled to disk), copied in
  // blocks, never whole in memory. kInvalidArgument when the range is not inside the file.
  virtual Result<std::string> PutFile(const std::string& path, uint64_t offset, uint64_t length) = 0;
  // Where the blob can be read directly, when this backend keeps it on the local filesystem; nullopt
  // otherwise (the caller then reads it with Read). Does not check that the blob exists.
  virtual std::optional<std::string> LocalPath(std::string_view key) const { (void)key; return std::nullopt; }
  // Every method answers kInvalidArgument (param "key") for a key that IsBlobKey refuses.
};

// Blobs as files at root/ab/cd/<key> (the key's first two and next two hex digits). A Put writes a
// temporary file in the final directory, fsyncs it, renames it into place and fsyncs the directory:
// readers see a whole blob or none, and a blob that Put returned survives a crash.
class FileBlobStore : public BlobStore {
 public:
  explicit FileBlobStore(std::filesystem::path root);

  Result<std::string> Put(std::string_view bytes) override;
  Result<std::string> Read(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<uint64_t> Size(std::string_view key) override;
  Status Remove(std::string_view key) override;
  Result<std::string> PutFile(const std::string& path, uint64_t offset, uint64_t length) override;
  std::optional<std::string> LocalPath(std::string_view key) const override;

  const std::filesystem::path& root() const { return root_; }
  // Where the blob with `key` lives (key must satisfy IsBlobKey).
  std::filesystem::path PathFor(std::string_view key) const;

 private:
  // Moves a finished temporary file to the blob's place (or drops it when the blob is there).
  Result<std::string> Install(const std::filesystem::path& temp, std::string key, uint64_t size);

  std::filesystem::path root_;
};

}  // namespace chorus::storage
