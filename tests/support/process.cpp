#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/test_db.h"

extern char** environ;

namespace chorus::testing {

using Clock = std::chrono::steady_clock;

std::unique_ptr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                  const std::vector<std::string>& env,
                                                  const std::filesystem::path& output) {
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess());
  child->output_ = output;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e; ++e) env_storage.emplace_back(*e);
  for (const auto& e : env) env_storage.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const int rc = posix_spawn(&child->pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) child->pid_ = -1;
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void ChildProcess::Signal(int signal) const {
  if (pid_ > 0 && !exited_) ::kill(pid_, signal);
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

std::string ChildProcess::Output() const {
  std::ifstream in(output_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ChildProcess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (Output().find(text) != std::string::npos) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      return Output().find(text) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::pair<int, std::string> RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                       std::chrono::milliseconds timeout) {
  TempDir dir;
  auto child = ChildProcess::Start(argv, env, dir.path() / "output");
  auto code = child->Wait(timeout);
  return {code.value_or(-1), child->Output()};
}

ChorusServer::ChorusServer(const std::string& binary, const std::string& database,
                           const std::filesystem::path& data_dir, std::vector<std::string> extra,
                           std::vector<std::string> env) {
  std::vector<std::string> argv = {binary, "serve", "--listen", "127.0.0.1:0", "--database", database,
                                   "--data-dir", data_dir.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::filesystem::create_directories(data_dir);
  // A fresh log per start: the port is read from this run's "listening" line, not an earlier one.
  std::filesystem::remove(data_dir / "chorus.log");
  process_ = ChildProcess::Start(argv, env, data_dir / "chorus.log");
  if (!process_->WaitForOutput("listening", std::chrono::seconds(20))) return;
  static const std::regex kAddress(R"(listening.*address[=":]+127\.0\.0\.1:(\d+))");
  std::smatch m;
  const std::string log = process_->Output();
  if (std::regex_search(log, m, kAddress)) port_ = static_cast<uint16_t>(std::stoi(m[1]));
}

}  // namespace chorus::testing
