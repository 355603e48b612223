// Routes for speech-to-text: POST /v1/audio/transcriptions (OpenAI-compatible, synchronous) and
// /api/v1/transcriptions (asynchronous jobs), /api/v1/search (over the caller's transcripts).
#pragma once

#include "http/router.h"
#include "services/transcription_service.h"

namespace chorus::api {

Status AddTranscriptionRoutes(http::Router& router, services::TranscriptionService& stt);

}  // namespace chorus::api
