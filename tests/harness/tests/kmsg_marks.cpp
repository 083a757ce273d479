// In the test VM, each case's start and end go to the kernel log, so that a
// kernel report there names the case that was running (tests/vm/run prints
// the last mark before a report).
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "fd.hpp"

namespace {

class KmsgMarks : public testing::EmptyTestEventListener {
 public:
  explicit KmsgMarks(nfct::Fd kmsg) : kmsg_(std::move(kmsg)) {}

  void OnTestStart(const testing::TestInfo& info) override { Mark(info, "begins"); }
  void OnTestEnd(const testing::TestInfo& info) override { Mark(info, "done"); }

 private:
  void Mark(const testing::TestInfo& info, const char* what) {
    const std::string line = std::string("nf_ct test: harness ") + info.test_suite_name() +
                             "." + info.name() + " " + what + "\n";
    // A lost mark costs only diagnosis.
    [[maybe_unused]] auto n = write(kmsg_.get(), line.data(), line.size());
  }

  nfct::Fd kmsg_;
};

// Registered before gtest_main's main() runs; only inside the VM, whose
// runner sets NF_CT_KERNEL.
const bool registered = [] {
  if (!std::getenv("NF_CT_KERNEL"))
    return false;
  nfct::Fd kmsg(open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
  if (!kmsg)
    return false;
  testing::UnitTest::GetInstance()->listeners().Append(
      std::make_unique<KmsgMarks>(std::move(kmsg)).release());
  return true;
}();

}  // namespace
