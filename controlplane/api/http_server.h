// The API's HTTP/1.1 listeners (cpp-httplib, Debian's libcpp-httplib-dev):
// a Unix socket with file mode 0600, and optionally a TCP listener, TLS
// unless plain HTTP is explicitly allowed, that requires the bearer token,
// or for reading only a login session (the status page's cookie) or a
// verified client certificate. Requests are bounded in size (64 KiB bodies,
// 8 KiB headers) and time (5 s to read, 5 s to answer); each is converted
// to an api::Request and given to `dispatch`, which the daemon points at
// its command queue.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/api/auth_guard.h"
#include "controlplane/api/message.h"
#include "controlplane/api/tls_context.h"

namespace httplib {
class Server;
}

namespace sluice::api {

struct ListenOptions {
  std::string socketPath;
  std::optional<std::string> tcpAddress;  // set: listen on TCP too
  uint16_t tcpPort = 0;
  std::string token;                      // required on TCP (non-empty when tcpAddress is set)
  std::optional<TlsOptions> tls;          // the TCP listener's TLS; unset: plain HTTP, which
  bool allowPlainTcp = false;             //   only this allows
  AuthLimits authLimits;
};

inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
inline constexpr int kReadTimeoutSeconds = 5;

class HttpServer {
 public:
  using Dispatch = std::function<Response(const Request&)>;

  // Binds both listeners and starts serving; throws std::runtime_error
  // naming what could not be bound (nothing is left listening then).
  HttpServer(const ListenOptions& options, Dispatch dispatch);
  // Stops, joins the threads and removes the socket file.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The TCP port actually bound (useful with port 0); 0 without TCP.
  uint16_t tcpPort() const { return boundTcpPort_; }
  // The TCP listener's guard (its failure counters); null without TCP.
  const AuthGuard* auth() const { return guard_.get(); }

 private:
  void stop() noexcept;

  std::string socketPath_;
  bool ownsSocket_ = false;  // bound by us: removed at stop
  uint16_t boundTcpPort_ = 0;
  std::unique_ptr<AuthGuard> guard_;  // before servers_: their handshakes use it
  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
};

}  // namespace sluice::api
