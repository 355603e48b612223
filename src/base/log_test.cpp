#include "base/log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

namespace chorus::log {
namespace {

TEST(LogTest, TextLinesCarryFieldsAndQuoteWhenNeeded) {
  std::string line = Render(Format::kText, Level::kInfo, "request",
                            {{"method", "GET"}, {"status", 200}, {"path", "a b"}, {"ok", true}});
  EXPECT_NE(line.find(" info request method=GET status=200 path=\"a b\" ok=true"), std::string::npos) << line;
  EXPECT_EQ(line[4], '-');  // starts with an ISO date
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("Z info"), std::string::npos) << "milliseconds then Z: " << line;
  EXPECT_EQ(line[23], 'Z') << line;
}

TEST(LogTest, ControlBytesInTextValuesAreQuotedAndEscaped) {
  // A CR (or any control byte) left bare could forge the start of another line in a log viewer.
  const std::string_view values[] = {"a\rb", "a\nb", std::string_view("a\0b", 3), "a\x1b[31mb", "a\x7f"};
  for (std::string_view value : values) {
    const std::string line = Render(Format::kText, Level::kInfo, "m", {{"v", value}, {"n", int64_t{-42}}});
    EXPECT_NE(line.find(" v=\""), std::string::npos) << line;
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_NE(line.find(" n=-42"), std::string::npos) << line;
  }
  EXPECT_NE(Render(Format::kText, Level::kInfo, "m", {{"v", ""}}).find(" v=\"\""), std::string::npos);
}

TEST(LogTest, JsonLinesParseAndEscapeEverything) {
  std::string line = Render(Format::kJson, Level::kWarn, "odd \"message\"\n",
                            {{"bytes", uint64_t{12}}, {"text", "tab\there \xff"}, {"ratio", 0.5}});
  boost::json::value v = boost::json::parse(line);
  EXPECT_EQ(v.at("level").as_string(), "warn");
  EXPECT_EQ(v.at("msg").as_string(), "odd \"message\"\n");
  EXPECT_EQ(v.at("bytes").to_number<uint64_t>(), 12u);
  EXPECT_EQ(v.at("text").as_string(), "tab\there \xef\xbf\xbd");
  EXPECT_DOUBLE_EQ(v.at("ratio").as_double(), 0.5);
}

TEST(LogTest, LevelFiltersAndFileSinkWrites) {
  const auto path = std::filesystem::temp_directory_path() / ("chorus_log_test_" + std::to_string(getpid()));
  Init({.level = Level::kWarn, .format = Format::kText, .file = path.string(), .async = false});
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  Info("hidden");
  Warn("shown", {{"n", 1}});
  Shutdown();
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content.find("hidden"), std::string::npos);
  EXPECT_NE(content.find("warn shown n=1"), std::string::npos) << content;
  std::filesystem::remove(path);
}

TEST(LogTest, ParsesLevelAndFormatNames) {
  Level level{};
  EXPECT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(ParseLevel("DEBUG", &level));
  Format format{};
  EXPECT_TRUE(ParseFormat("json", &format));
  EXPECT_FALSE(ParseFormat("xml", &format));
}

}  // namespace
}  // namespace chorus::log
