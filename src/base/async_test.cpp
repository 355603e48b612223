#include "base/async.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <stdexcept>
#include <thread>

namespace chorus {
namespace {

TEST(BlockingPoolTest, RunsOffTheCallerThreadAndResumesOnIt) {
  boost::asio::io_context io;
  BlockingPool pool(2);
  std::thread::id io_thread, work_thread, resumed_thread;
  int result = 0;
  boost::asio::co_spawn(
      io,
      [&]() -> Task<void> {
        io_thread = std::this_thread::get_id();
        result = co_await pool.Run([&] {
          work_thread = std::this_thread::get_id();
          return 41 + 1;
        });
        resumed_thread = std::this_thread::get_id();
        co_await pool.Run([] {});  // void work
      },
      boost::asio::detached);
  io.run();
  EXPECT_EQ(result, 42);
  EXPECT_NE(work_thread, io_thread);
  EXPECT_EQ(resumed_thread, io_thread);
}

TEST(BlockingPoolTest, ExceptionsReachTheAwaitingCoroutine) {
  boost::asio::io_context io;
  BlockingPool pool(1);
  std::string caught;
  boost::asio::co_spawn(
      io,
      [&]() -> Task<void> {
        try {
          co_await pool.Run([]() -> int { throw std::runtime_error("boom"); });
        } catch (const std::runtime_error& e) {
          caught = e.what();
        }
      },
      boost::asio::detached);
  io.run();
  EXPECT_EQ(caught, "boom");
}

}  // namespace
}  // namespace chorus
