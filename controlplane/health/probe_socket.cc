#include "controlplane/health/probe_socket.h"

#include <sys/socket.h>

#include <cerrno>

#include "controlplane/config/address.h"

namespace sluice::health {

ProbeSocket openProbeSocket(int type, const wire::IpAddress& address, uint16_t port,
                            const std::optional<wire::IpAddress>& bindTo, const std::optional<uint16_t>& bindPort) {
  ProbeSocket s;
  const int family = address.isV4() ? AF_INET : AF_INET6;
  s.fd = common::UniqueFd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.fd) {
    s.error = errno;
    return s;
  }
  if (bindTo || bindPort) {
    const int one = 1;
    ::setsockopt(s.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage local{};
    const wire::IpAddress any = *config::parseAddress(address.isV4() ? "0.0.0.0" : "::");
    const socklen_t len = common::toSockaddr(bindTo.value_or(any), bindPort.value_or(0), local);
    if (::bind(s.fd.get(), reinterpret_cast<sockaddr*>(&local), len) != 0) {
      s.step = ProbeSocket::Step::kBind;
      s.error = errno;
      s.fd.reset();
      return s;
    }
  }
  sockaddr_storage remote{};
  const socklen_t len = common::toSockaddr(address, port, remote);
  if (::connect(s.fd.get(), reinterpret_cast<sockaddr*>(&remote), len) == 0) {
    s.state = ProbeSocket::State::kConnected;
  } else if (errno == EINPROGRESS) {
    s.state = ProbeSocket::State::kInProgress;
  } else {
    s.step = ProbeSocket::Step::kConnect;
    s.error = errno;
    s.fd.reset();
  }
  return s;
}

bool unreachable(int error) {
  return error == ENETUNREACH || error == EHOSTUNREACH || error == ECONNREFUSED || error == EHOSTDOWN ||
         error == ENETDOWN || error == ECONNRESET || error == ECONNABORTED || error == ETIMEDOUT;
}

}  // namespace sluice::health
