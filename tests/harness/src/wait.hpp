// Polling instead of sleeping: wait for a condition, with a deadline.
#pragma once

#include <chrono>
#include <functional>

namespace nfct {

// Calls @cond every @every (a few milliseconds unless told) until it returns
// true or @limit passes.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = std::chrono::seconds(10),
                std::chrono::milliseconds every = std::chrono::milliseconds(5));

}  // namespace nfct
