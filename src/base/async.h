// Coroutines and blocking work.
//
// Task<T> is the one coroutine type of Chorus (an Asio awaitable): handlers, services and the
// outbound client return it. Blocking work — database calls, engines, file I/O — never runs on a
// network thread: it is handed to a BlockingPool with `co_await pool.Run(fn)`, which runs fn on one of
// the pool's threads and resumes the caller on its own executor with fn's result. An exception that
// escapes fn (a bug) is rethrown in the caller.
//
// GCC 12 rule (found with AddressSanitizer; see base/async_test.cpp): inside a coroutine, never write a
// braced initializer (`{...}`, `T{...}`, `{.field = ...}`) or a lambda expression that captures by
// value as an argument of a call in a co_await expression. GCC 12 destroys such temporaries
// incorrectly (heap corruption). Name the object first, then pass it (or std::move it). Lambdas
// capturing only by reference, function-call results and named objects are safe. Nor put co_await in
// the branches of a conditional operator (`c ? co_await a() : co_await b()`): GCC 12 destroys the
// result twice. Use if/else. And store an awaited result before testing it (`bool ok = co_await f();
// if (!ok)`): `if (!co_await f())` crashed on first resume in a coroutine with no named local before it.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace chorus {

template <typename T>
using Task = boost::asio::awaitable<T>;

// The threads start with the first work: a pool for a feature a node never uses (speech) costs it no
// threads and no memory.
class BlockingPool {
 public:
  explicit BlockingPool(size_t threads) : threads_(threads) {}
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  ~BlockingPool() { Join(); }

  size_t threads() const { return threads_; }

  // Runs fn() on a pool thread; the awaiting coroutine resumes on its own executor.
  // Safe to call from any coroutine concurrently.
  template <typename F>
  Task<std::invoke_result_t<F&>> Run(F fn);

  // Runs fn() on a pool thread, with nobody waiting for it (work that a destructor starts). Work
  // queued after Join() never runs.
  template <typename F>
  void Post(F fn) {
    boost::asio::post(Pool(), std::move(fn));
  }

  // Waits for queued work to finish; no new work may be queued afterwards.
  void Join() {
    if (started_.load(std::memory_order_acquire)) pool_->join();
  }

 private:
  boost::asio::thread_pool& Pool() {
    if (!started_.load(std::memory_order_acquire)) {
      std::call_once(once_, [this] {
        pool_ = std::make_unique<boost::asio::thread_pool>(threads_);
        started_.store(true, std::memory_order_release);
      });
    }
    return *pool_;
  }

  const size_t threads_;
  std::once_flag once_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::atomic<bool> started_{false};
};

namespace detail {
template <typename R>
using Boxed = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
}  // namespace detail

template <typename F>
Task<std::invoke_result_t<F&>> BlockingPool::Run(F fn) {
  using R = std::invoke_result_t<F&>;
  using Box = std::optional<detail::Boxed<R>>;
  auto initiate = [this, &fn](auto handler) {
    auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
    boost::asio::post(Pool(), [fn = std::move(fn), handler = std::move(handler), work = std::move(work)]() mutable {
      std::exception_ptr error;
      Box box;
      try {
        if constexpr (std::is_void_v<R>) {
          fn();
          box.emplace();
        } else {
          box.emplace(fn());
        }
      } catch (...) {
        error = std::current_exception();
      }
      auto executor = work.get_executor();
      boost::asio::post(executor, [handler = std::move(handler), error, box = std::move(box)]() mutable {
        std::move(handler)(error, std::move(box));
      });
    });
  };
  Box box = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                 void(std::exception_ptr, Box)>(std::move(initiate),
                                                                                boost::asio::use_awaitable);
  if constexpr (!std::is_void_v<R>) co_return std::move(*box);
}

}  // namespace chorus
