#include "wait.hpp"

#include <thread>

namespace nfct {

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds limit, std::chrono::milliseconds every) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace nfct
