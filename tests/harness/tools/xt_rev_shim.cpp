// LD_PRELOAD shim for iptables-legacy: the kernel "does not know" the
// conntrack match, so iptables falls back from `-m state` as conntrack
// revision 1+ (what 1.8 sends) to the real `state` match, revision 0. This
// is how a test gets a rule that asks the state match directly.
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace {

// From <linux/netfilter_ipv4/ip_tables.h> and <linux/netfilter/x_tables.h>,
// which cannot be included beside <netinet/in.h>.
constexpr int kIptSoGetRevisionMatch = 64 + 2;  // IPT_BASE_CTL + 2
constexpr size_t kExtensionMaxNameLen = 29;    // XT_EXTENSION_MAXNAMELEN
struct XtGetRevision {
  char name[kExtensionMaxNameLen];
  uint8_t revision;
};

}  // namespace

extern "C" int getsockopt(int fd, int level, int optname, void* optval, socklen_t* optlen) {
  using Getsockopt = int (*)(int, int, int, void*, socklen_t*);
  static const auto real = reinterpret_cast<Getsockopt>(dlsym(RTLD_NEXT, "getsockopt"));
  if (level == IPPROTO_IP && optname == kIptSoGetRevisionMatch && optval && optlen &&
      *optlen >= sizeof(XtGetRevision) &&
      std::strncmp(static_cast<const XtGetRevision*>(optval)->name, "conntrack", kExtensionMaxNameLen) == 0) {
    errno = ENOENT;
    return -1;
  }
  return real(fd, level, optname, optval, optlen);
}
