// /api/v1/conversations and their messages.
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "api/json.h"
#include "api/llm_routes.h"
#include "api/openai_routes.h"

namespace chorus::api {
namespace {

namespace json = boost::json;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

json::object ConversationJson(const store::Conversation& c) {
  return json::object{{"id", c.id},
                      {"object", "conversation"},
                      {"title", OrNull(c.title)},
                      {"model", c.model},
                      {"system_prompt", OrNull(c.system_prompt)},
                      {"context_window_size", c.context_window_size},
                      {"metadata", StoredJson(c.metadata)},
                      {"created_at", c.created_at},
                      {"updated_at", c.updated_at}};
}

json::object MessageJson(const store::Message& m) {
  return json::object{{"id", m.id},
                      {"object", "conversation.message"},
                      {"conversation_id", m.conversation_id},
                      {"role", m.role},
                      {"content", m.content},
                      {"token_count", m.token_count ? json::value(*m.token_count) : json::value(nullptr)},
                      {"metadata", StoredJson(m.metadata)},
                      {"provider_metadata", StoredJson(m.provider_metadata)},
                      {"created_at", m.created_at}};
}

Task<Response> CreateConversation(services::ConversationService& s, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  if (auto only = OnlyFields(*body, {"title", "model", "system_prompt", "context_window_size"}); !only) {
    co_return http::ErrorResponse(only.error());
  }
  services::ConversationInput input;
  auto title = OptionalString(*body, "title", 500);
  auto model = RequiredString(*body, "model", 100);
  auto prompt = OptionalString(*body, "system_prompt", 256 * 1024);
  if (!title) co_return http::ErrorResponse(title.error());
  if (!model) co_return http::ErrorResponse(model.error());
  if (!prompt) co_return http::ErrorResponse(prompt.error());
  input.title = std::move(*title);
  input.model = std::move(*model);
  input.system_prompt = std::move(*prompt);
  if (const json::value* window = body->if_contains("context_window_size"); window && !window->is_null()) {
    if (!window->is_int64()) {
      co_return http::ErrorResponse(
          Error{ErrorCode::kInvalidArgument, "context_window_size must be an integer.", "context_window_size"});
    }
    input.context_window_size = window->get_int64();
  }
  auto made = co_await s.Create(CallerOf(req), std::move(input));
  if (!made) co_return http::ErrorResponse(made.error());
  co_return Json(201, ConversationJson(*made));
}

Task<Response> ListConversations(services::ConversationService& s, Request& req) {
  auto page = PageParams(req);
  if (!page) co_return http::ErrorResponse(page.error());
  auto list = co_await s.List(CallerOf(req), *page);
  if (!list) co_return http::ErrorResponse(list.error());
  co_return JsonListOf(list->items, ConversationJson, list->next_cursor);
}

Task<Response> GetConversation(services::ConversationService& s, Request& req) {
  auto c = co_await s.Get(CallerOf(req), std::string(req.PathParam("id")));
  if (!c) co_return http::ErrorResponse(c.error());
  co_return Json(200, ConversationJson(*c));
}

Task<Response> DeleteConversation(services::ConversationService& s, Request& req) {
  auto deleted = co_await s.Delete(CallerOf(req), std::string(req.PathParam("id")));
  if (!deleted) co_return http::ErrorResponse(deleted.error());
  co_return Response::NoContent();
}

Task<Response> ListMessages(services::ConversationService& s, Request& req) {
  auto page = PageParams(req);
  if (!page) co_return http::ErrorResponse(page.error());
  auto list = co_await s.Messages(CallerOf(req), std::string(req.PathParam("id")), *page);
  if (!list) co_return http::ErrorResponse(list.error());
  co_return JsonListOf(list->items, MessageJson, list->next_cursor);
}

// Relays the model's events but keeps the stream's end back until the exchange is settled: [DONE]
// once the reply is stored, so that a client that sends its next message on [DONE] finds the
// exchange complete; the error event of a stream that broke once the user's message is withdrawn,
// so that a client that sends it again at once is not refused.
class EndOnceSettledSink final : public SseEventSink {
 public:
  using SseEventSink::SseEventSink;
  Task<bool> End(std::span<const std::string> events) override {
    end_.assign(events.begin(), events.end());
    co_return true;
  }
  // The held end; empty when the stream had none (its client went).
  std::vector<std::string>& end() { return end_; }

 private:
  std::vector<std::string> end_;
};

Response StreamReply(services::ConversationService& s, services::PendingReply pending) {
  auto shared = std::make_shared<services::PendingReply>(std::move(pending));
  auto produce = [&s, shared](http::SseWriter& out) -> Task<void> {
    EndOnceSettledSink sink(out);
    llm::ChatOutcome outcome = co_await shared->stream->Relay(sink);
    // The reply is stored once it is complete; a client that went away gets no stored half-reply.
    auto stored = co_await s.Finish(*shared, outcome);
    std::vector<std::string>& end = sink.end();
    if (end.empty()) co_return;
    if (outcome.status == 200 && !stored) end.back() = http::ErrorBody(stored.error());  // instead of [DONE]
    (void)co_await out.SendAll(end);
  };
  return http::SseResponse(std::move(produce));
}

Task<Response> SendMessage(services::ConversationService& s, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  if (auto only = OnlyFields(*body, {"content", "stream"}); !only) co_return http::ErrorResponse(only.error());
  auto content = RequiredString(*body, "content", 256 * 1024);
  auto stream = OptionalBool(*body, "stream");
  if (!content) co_return http::ErrorResponse(content.error());
  if (!stream) co_return http::ErrorResponse(stream.error());
  const std::string id(req.PathParam("id"));
  if (stream->value_or(false)) {
    auto pending = co_await s.SendStreaming(CallerOf(req), id, std::move(*content));
    if (!pending) co_return http::ErrorResponse(pending.error());
    co_return StreamReply(s, std::move(*pending));
  }
  auto exchanged = co_await s.Send(CallerOf(req), id, std::move(*content));
  if (!exchanged) co_return http::ErrorResponse(exchanged.error());
  json::object out = MessageJson(exchanged->reply);
  out["user_message"] = MessageJson(exchanged->user_message);
  co_return Json(201, out);
}

}  // namespace

Status AddConversationRoutes(http::Router& router, services::ConversationService& s) {
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/conversations", Access::kUser,
                         [&s](Request& r) { return CreateConversation(s, r); }, "Start a conversation with a model."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/conversations", Access::kUser,
                         [&s](Request& r) { return ListConversations(s, r); }, "The caller's conversations, newest first."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/conversations/{id}", Access::kUser,
                         [&s](Request& r) { return GetConversation(s, r); }, "One conversation."}));
  CHORUS_TRY(router.Add({Method::kDelete, "/api/v1/conversations/{id}", Access::kUser,
                         [&s](Request& r) { return DeleteConversation(s, r); }, "Delete a conversation and its messages."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/conversations/{id}/messages", Access::kUser,
                         [&s](Request& r) { return ListMessages(s, r); }, "A conversation's messages, oldest first."}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/conversations/{id}/messages", Access::kUser,
                         [&s](Request& r) { return SendMessage(s, r); },
                         "Send a message; the model's reply is stored and returned (or streamed).", "inference"}));
  return Ok();
}

}  // namespace chorus::api
