#include "controlplane/common/service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace sluice::common {

bool notifyService(std::string_view state) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (socket == nullptr || *socket == '\0') return false;
  return notifyService(state, socket);
}

bool notifyService(std::string_view state, const std::string& socket) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // A path, or '@' for the abstract namespace (a leading NUL, not counted
  // as the end of the name: the address length says where it ends).
  if (socket.empty() || (socket[0] != '/' && socket[0] != '@') || socket.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, socket.data(), socket.size());
  if (socket[0] == '@') addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket.size() + (socket[0] == '/' ? 1 : 0));
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  const ssize_t sent =
      ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

std::string monotonicUsecField() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const unsigned long long usec =
      static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL + static_cast<unsigned long long>(ts.tv_nsec) / 1000;
  return "MONOTONIC_USEC=" + std::to_string(usec);
}

}  // namespace sluice::common
