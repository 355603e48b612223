// Routes for speech: /v1/audio/speech and /v1/audio/voices.
#pragma once

#include <boost/json/object.hpp>

#include "http/router.h"
#include "services/speech_service.h"

namespace chorus::api {

Status AddAudioRoutes(http::Router& router, services::SpeechService& speech);

// {audio_base64, content_type, duration, alignment: {characters, character_start_times_seconds,
// character_end_times_seconds}, words: [{word, start, end}]}; `with_audio` false leaves out the audio
// (the CLI writes it to its own file).
boost::json::object TimedSpeechJson(const services::TimedSpeech& speech, bool with_audio = true);

}  // namespace chorus::api
