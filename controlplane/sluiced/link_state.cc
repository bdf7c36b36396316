#include "controlplane/sluiced/link_state.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "dataplane/kernel_interface.h"

namespace sluice::sluiced {

bool kernelLinkUp(const std::string& iface) {
  if (iface.empty() || iface.size() >= IFNAMSIZ) return false;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq req{};
  std::memcpy(req.ifr_name, iface.c_str(), iface.size());
  const bool ok = ::ioctl(fd, SIOCGIFFLAGS, &req) == 0;
  ::close(fd);
  return ok && (req.ifr_flags & IFF_UP) != 0 && (req.ifr_flags & IFF_RUNNING) != 0;
}

bool portLinkUp(bool driverUp, const std::string& device) {
  if (!driverUp) return false;
  const auto iface = dp::kernelInterfaceOf(device);
  return !iface || kernelLinkUp(*iface);
}

}  // namespace sluice::sluiced
