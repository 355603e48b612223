#include "storage/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "base/digest.h"
#include "base/ids.h"

namespace chorus::storage {
namespace {

Unexpected BadKey() { return Unexpected(ErrorCode::kInvalidArgument, "Not a blob key.", "key"); }
Unexpected BlobNotFound() { return Unexpected(ErrorCode::kNotFound, "Blob not found."); }

Unexpected IoError(const char* what, const std::filesystem::path& path, int err) {
  return Unexpected(ErrorCode::kInternal, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  // Closes now and reports close()'s errno (0 on success).
  int Close() {
    if (fd_ < 0) return 0;
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

int OpenRetrying(const char* path, int flags, mode_t mode = 0) {
  int fd;
  do fd = ::open(path, flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  return fd;
}

// Writes everything; returns 0 or errno.
int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

int SyncDirectory(const std::filesystem::path& dir) {
  Fd fd(OpenRetrying(dir.c_str(), O_RDONLY | O_DIRECTORY));
  if (!fd.ok()) return errno;
  if (::fsync(fd.get()) != 0) return errno;
  return fd.Close();
}

}  // namespace

bool IsBlobKey(std::string_view key) {
  if (key.size() != kBlobKeyLength) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

FileBlobStore::FileBlobStore(std::filesystem::path root) : root_(std::move(root)) {}

std::filesystem::path FileBlobStore::PathFor(std::string_view key) const {
  return root_ / std::string(key.substr(0, 2)) / std::string(key.substr(2, 2)) / std::string(key);
}

Result<std::string> FileBlobStore::Put(std::string_view bytes) {
  std::string key = Sha256Hex(bytes);
  const std::filesystem::path path = PathFor(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == bytes.size()) return key;

  const std::filesystem::path dir = path.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create", dir, ec.value());

  // A name of our own in the final directory, so that the rename cannot cross filesystems.
  const std::filesystem::path temp = dir / fmt::format(".{}.{}.tmp", key, NewRequestId());
  Fd fd(OpenRetrying(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644));
  if (!fd.ok()) return IoError("cannot create", temp, errno);
  int err = WriteAll(fd.get(), bytes);
  if (err == 0 && ::fsync(fd.get()) != 0) err = errno;
  if (const int close_err = fd.Close(); err == 0) err = close_err;
  if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temp.c_str());
    return IoError("cannot write", path, err);
  }
  if (const int sync_err = SyncDirectory(dir); sync_err != 0) return IoError("cannot sync", dir, sync_err);
  return key;
}

Result<std::string> FileBlobStore::Read(std::string_view key, uint64_t offset, uint64_t length) {
  if (!IsBlobKey(key)) return BadKey();
  const std::filesystem::path path = PathFor(key);
  Fd fd(OpenRetrying(path.c_str(), O_RDONLY));
  if (!fd.ok()) {
    if (errno == ENOENT) return BlobNotFound();
    return IoError("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path, errno);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::string out;
  if (offset >= size || length == 0) return out;
  out.resize(static_cast<size_t>(std::min(length, size - offset)));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read", path, errno);
    }
    if (n == 0) break;  // shorter than it was a moment ago: cannot happen to an immutable blob
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

Result<uint64_t> FileBlobStore::Size(std::string_view key) {
  if (!IsBlobKey(key)) return BadKey();
  const std::filesystem::path path = PathFor(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return BlobNotFound();
    return IoError("cannot stat", path, errno);
  }
  return static_cast<uint64_t>(st.st_size);
}

Status FileBlobStore::Remove(std::string_view key) {
  if (!IsBlobKey(key)) return BadKey();
  const std::filesystem::path path = PathFor(key);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return BlobNotFound();
    return IoError("cannot remove", path, errno);
  }
  // The directory entry's removal is made durable as well; a failure here loses nothing.
  (void)SyncDirectory(path.parent_path());
  return Ok();
}

Result<std::string> FileBlobStore::PutFile(const std::string& path, uint64_t offset, uint64_t length) {
  Fd in(OpenRetrying(path.c_str(), O_RDONLY));
  if (!in.ok()) return IoError("cannot open", path, errno);
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) return IoError("cannot create", root_, ec.value());
  // In the root, so that the rename into the blob's directory stays on one filesystem.
  const std::filesystem::path temp = root_ / fmt::format(".incoming.{}.tmp", NewRequestId());
  Fd out(OpenRetrying(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644));
  if (!out.ok()) return IoError("cannot create", temp, errno);
  auto fail = [&temp](Unexpected error) {
    ::unlink(temp.c_str());
    return error;
  };
  Sha256Stream hash;
  std::string block(256 * 1024, '\0');
  for (uint64_t done = 0; done < length;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(block.size(), length - done));
    const ssize_t n = ::pread(in.get(), block.data(), want, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(IoError("cannot read", path, errno));
    if (n == 0) return fail(Unexpected(ErrorCode::kInvalidArgument, "The byte range is not inside the file."));
    const std::string_view chunk(block.data(), static_cast<size_t>(n));
    hash.Update(chunk);
    if (const int err = WriteAll(out.get(), chunk); err != 0) return fail(IoError("cannot write", temp, err));
    done += static_cast<uint64_t>(n);
  }
  int err = ::fsync(out.get()) != 0 ? errno : 0;
  if (const int close_err = out.Close(); err == 0) err = close_err;
  if (err != 0) return fail(IoError("cannot write", temp, err));
  return Install(temp, hash.FinishHex(), length);
}

Result<std::string> FileBlobStore::Install(const std::filesystem::path& temp, std::string key, uint64_t size) {
  const std::filesystem::path path = PathFor(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == size) {
    ::unlink(temp.c_str());
    return key;
  }
  const std::filesystem::path dir = path.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!ec && ::rename(temp.c_str(), path.c_str()) != 0) ec.assign(errno, std::generic_category());
  if (ec) {
    ::unlink(temp.c_str());
    return IoError("cannot store", path, ec.value());
  }
  if (const int sync_err = SyncDirectory(dir); sync_err != 0) return IoError("cannot sync", dir, sync_err);
  return key;
}

std::optional<std::string> FileBlobStore::LocalPath(std::string_view key) const {
  if (!IsBlobKey(key)) return std::nullopt;
  return PathFor(key).string();
}

}  // namespace chorus::storage
