// Where the server writes an upload's body instead of memory (ServerSettings::spool_dir).
#pragma once

#include <string>

#include "base/result.h"

namespace chorus::http {

// An unnamed file in `dir`, open for reading and writing (O_TMPFILE, or a name unlinked at once
// where the filesystem lacks it): nothing to clean up after a crash. kUnavailable when none can be
// made.
Result<int> OpenSpoolFile(const std::string& dir);

}  // namespace chorus::http
