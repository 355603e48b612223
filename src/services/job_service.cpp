#include "services/job_service.h"

#include <algorithm>

#include "base/time.h"

namespace chorus::services {

using store::Connection;

Task<Result<store::Job>> JobService::Get(const Caller& caller, std::string id) {
  co_return co_await db_.Read([&](Connection& c) { return store::jobs::Get(c, caller.user_id, id); });
}

Task<Result<store::Page<store::Job>>> JobService::List(const Caller& caller, store::JobFilter filter,
                                                       store::PageRequest page) {
  static constexpr const char* kStatuses[] = {"pending", "processing", "completed", "failed", "cancelled"};
  if (filter.status && std::find(std::begin(kStatuses), std::end(kStatuses), *filter.status) == std::end(kStatuses)) {
    co_return Unexpected(ErrorCode::kInvalidArgument,
                         "status must be pending, processing, completed, failed or cancelled.", "status");
  }
  co_return co_await db_.Read([&](Connection& c) { return store::jobs::List(c, caller.user_id, filter, page); });
}

Task<Result<store::Job>> JobService::Cancel(const Caller& caller, std::string id) {
  const std::string now = NowTimestamp();
  co_return co_await db_.Write([&](Connection& c) { return store::jobs::RequestCancel(c, caller.user_id, id, now); });
}

Task<Status> JobService::CheckCallbackUrl(std::string url) {
  std::string param = "callback_url";  // named: see the GCC 12 note in base/async.h
  co_return co_await CheckUrl(std::move(url), std::move(param));
}

Task<Status> JobService::CheckUrl(std::string url, std::string param) {
  // Name resolution blocks: it runs on the blocking pool.
  auto check = [this, &url, &param]() -> Status {
    auto target = guard_.Check(url);
    if (!target) {
      Error e = std::move(target).error();
      e.param = param;
      return Unexpected(std::move(e));
    }
    return Ok();
  };
  co_return co_await blocking_.Run(check);
}

Task<Result<std::string>> JobService::WebhookSecret(const Caller& caller) {
  auto get = [this, &caller] { return secrets_.GetOrCreate(caller.user_id); };
  co_return co_await blocking_.Run(get);
}

Task<Result<std::string>> JobService::RotateWebhookSecret(const Caller& caller) {
  auto rotate = [this, &caller] { return secrets_.Rotate(caller.user_id); };
  co_return co_await blocking_.Run(rotate);
}

}  // namespace chorus::services
