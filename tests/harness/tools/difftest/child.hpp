// A child process (tcpdump, tcpreplay) that lives exactly as long as its
// owner: terminated and reaped on destruction unless waited for first.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace nfct::difftest {

class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int err = ::posix_spawnp(&pid_, args[0], nullptr, nullptr, args.data(), environ);
    if (err) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(err));
  }
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    wait();
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Ends the child gently (tcpdump flushes its file on SIGTERM); its status.
  int stop() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
    return wait();
  }
  // Waits for the child to exit; its exit status, or -1.
  int wait() {
    if (pid_ <= 0) return status_;
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace nfct::difftest
