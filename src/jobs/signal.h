// A wake-up for worker pools in this process (an eventfd): services that enqueue jobs call Notify()
// after their transaction commits, so a waiting pool claims at once instead of at its next poll.
// Thread-safe.
#pragma once

namespace chorus::jobs {

class JobSignal {
 public:
  JobSignal();
  ~JobSignal();
  JobSignal(const JobSignal&) = delete;
  JobSignal& operator=(const JobSignal&) = delete;

  void Notify();
  // Consumes pending notifications; true if there were any.
  bool Drain();
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace chorus::jobs
