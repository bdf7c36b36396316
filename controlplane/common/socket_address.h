// What the control plane's own sockets share: a sockaddr for an address
// and port (health checks, the bulk sync stream), and a file descriptor
// that closes with its owner. No DPDK.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <utility>

#include "wire/ip_address.h"

namespace sluice::common {

// Fills `out` for address:port; returns the length to pass with it.
socklen_t toSockaddr(const wire::IpAddress& address, uint16_t port, sockaddr_storage& out);

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

}  // namespace sluice::common
