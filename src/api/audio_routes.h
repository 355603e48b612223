// Routes for speech: /v1/audio/speech and /v1/audio/voices.
#pragma once

#include "http/router.h"
#include "services/speech_service.h"

namespace chorus::api {

Status AddAudioRoutes(http::Router& router, services::SpeechService& speech);

}  // namespace chorus::api
