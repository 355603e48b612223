#include "api/openai_routes.h"

#include <boost/json.hpp>

#include <algorithm>
#include <memory>

#include "api/json.h"

namespace chorus::api {
namespace {

namespace json = boost::json;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

bool WantsStream(const json::object& body) {
  const json::value* stream = body.if_contains("stream");
  return stream && stream->is_bool() && stream->get_bool();
}

Task<Response> ChatCompletions(llm::Gateway& gateway, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  if (auto valid = llm::ValidateChatRequest(*body); !valid) co_return http::ErrorResponse(valid.error());
  // The route requires a user (Access::kUser): the principal is there. Only two of its fields are
  // needed, so no Caller is copied out of it.
  const http::Principal& caller = *req.principal();
  const bool stream = WantsStream(*body);
  llm::ChatCall call{.user_id = caller.user_id, .trusted = caller.is_admin, .body = std::move(*body)};
  if (!stream) {
    auto outcome = co_await gateway.Complete(std::move(call));
    if (!outcome) co_return http::ErrorResponse(outcome.error());
    Response response = Response::Json(outcome->status, std::move(outcome->body));
    response.retained = std::move(outcome->settle);
    co_return response;
  }
  auto opened = co_await gateway.Open(std::move(call));
  if (!opened) co_return http::ErrorResponse(opened.error());
  if ((*opened)->refused) co_return Response::Json((*opened)->refused->status, std::move((*opened)->refused->body));
  std::shared_ptr<llm::ChatStream> relay = std::move((*opened)->stream);
  auto produce = [relay](http::SseWriter& out) -> Task<void> {
    SseEventSink sink(out);
    co_await relay->Relay(sink);
  };
  co_return http::SseResponse(std::move(produce));
}

json::object ModelJson(const llm::ModelRoute& m) {
  return json::object{{"id", m.name},
                      {"object", "model"},
                      {"created", 0},
                      {"owned_by", m.deployments.empty() ? "chorus" : m.deployments.front().provider}};
}

json::object LocalModelJson(const std::string& name) {
  return json::object{{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "chorus"}};
}

Task<Response> ListModels(llm::Gateway& gateway, const std::vector<std::string>& local, Request&) {
  auto registry = gateway.registry();
  json::array data;
  for (const auto& m : registry->models()) data.push_back(ModelJson(m));
  for (const auto& name : local) {
    // A provider's model of the same name is the one served.
    if (!registry->Find(name)) data.push_back(LocalModelJson(name));
  }
  std::sort(data.begin(), data.end(), [](const json::value& a, const json::value& b) {
    return a.at("id").get_string() < b.at("id").get_string();
  });
  co_return Json(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

Task<Response> GetModel(llm::Gateway& gateway, const std::vector<std::string>& local, Request& req) {
  auto registry = gateway.registry();
  const llm::ModelRoute* m = registry->Find(req.PathParam("model"));
  for (const auto& name : local) {
    if (!m && name == req.PathParam("model")) co_return Json(200, LocalModelJson(name));
  }
  if (!m) {
    co_return http::ErrorResponse(Error{ErrorCode::kNotFound,
                                        "The model '" + std::string(req.PathParam("model")) + "' does not exist.", "model"});
  }
  co_return Json(200, ModelJson(*m));
}

}  // namespace

Status AddOpenAiRoutes(http::Router& router, llm::Gateway& gateway, std::vector<std::string> local_models) {
  // Owned by the route handlers, which live as long as the router.
  auto local = std::make_shared<const std::vector<std::string>>(std::move(local_models));
  CHORUS_TRY(router.Add({Method::kPost, "/v1/chat/completions", Access::kUser,
                         [&gateway](Request& r) { return ChatCompletions(gateway, r); },
                         "OpenAI-compatible chat completion, whole or streamed (SSE).", "inference"}));
  CHORUS_TRY(router.Add({Method::kGet, "/v1/models", Access::kUser,
                         [&gateway, local](Request& r) { return ListModels(gateway, *local, r); },
                         "Models the caller may use: the gateway's and Chorus's own (speech).",
                         "inference"}));
  // {model...}: model names may hold slashes ("meta-llama/Llama-3.1-8B-Instruct"), and the SDKs
  // put them in the path as they are.
  CHORUS_TRY(router.Add({Method::kGet, "/v1/models/{model...}", Access::kUser,
                         [&gateway, local](Request& r) { return GetModel(gateway, *local, r); }, "One model.",
                         "inference"}));
  return Ok();
}

}  // namespace chorus::api
