#include "base/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace chorus::metrics {
namespace {

TEST(MetricsTest, HistogramRendersCumulativeBuckets) {
  const double bounds[] = {0.1, 1.0};
  Histogram h(bounds);
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(0.5);
  h.Observe(7.0);
  std::string out;
  h.Render(out, "x_seconds", "route=\"/a\"");
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"0.1\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_sum{route=\"/a\"} 8.05\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_count{route=\"/a\"} 4\n"), std::string::npos) << out;
}

TEST(MetricsTest, CountersAreExactUnderConcurrency) {
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&c] { for (int i = 0; i < 10000; ++i) c.Add(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 40000u);
}

TEST(MetricsTest, RegistryRendersCollectorsInOrderAndEscapesLabels) {
  Registry r;
  r.Add([](std::string& out) { AppendHeader(out, "a_total", "counter", "A."); out += "a_total 1\n"; });
  r.Add([](std::string& out) {
    out += "b{v=\"";
    AppendLabelValue(out, "q\"\\\n");
    out += "\"} 2\n";
  });
  EXPECT_EQ(r.Render(), "# HELP a_total A.\n# TYPE a_total counter\na_total 1\nb{v=\"q\\\"\\\\\\n\"} 2\n");
}

}  // namespace
}  // namespace chorus::metrics
