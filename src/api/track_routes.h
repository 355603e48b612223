// Stored speech: POST /api/v1/speech and /api/v1/tracks (list, get, audio with HTTP ranges,
// alignment, delete).
#pragma once

#include <optional>
#include <string_view>

#include "http/router.h"
#include "services/track_service.h"

namespace chorus::api {

Status AddTrackRoutes(http::Router& router, services::TrackService& tracks);

// One "bytes=" range of a Range header; nullopt for none, several, or a malformed one (the whole
// body is then sent, as RFC 9110 allows).
std::optional<services::ByteRange> ParseRange(std::string_view header);

}  // namespace chorus::api
