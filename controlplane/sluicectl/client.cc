#include "controlplane/sluicectl/client.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::sluicectl {
namespace {

constexpr time_t kTimeoutSeconds = 5;  // the daemon answers or gives up (503) within 5 s

// httplib says only "Connection" when connect() fails; connecting once more
// ourselves recovers errno's words ("No such file or directory",
// "Connection refused", "Permission denied").
std::string whyConnectFails(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return "the socket path is too long";
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  return rc == 0 ? "the connection failed" : std::strerror(err);
}

}  // namespace

ApiClient::ApiClient(std::string socketPath)
    // ClientImpl takes the host verbatim; httplib::Client would first try to
    // read the path as a URL.
    : socketPath_(std::move(socketPath)), http_(std::make_unique<httplib::ClientImpl>(socketPath_, 80)) {
  http_->set_address_family(AF_UNIX);
  http_->set_connection_timeout(kTimeoutSeconds, 0);
  http_->set_read_timeout(kTimeoutSeconds, 0);
  http_->set_write_timeout(kTimeoutSeconds, 0);
  http_->set_keep_alive(true);
}

ApiClient::~ApiClient() = default;

Exchange ApiClient::request(std::string_view method, const std::string& path,
                            const std::optional<std::string>& jsonBody) {
  httplib::Request req;
  req.method = std::string(method);
  req.path = path;
  req.set_header("Accept", "application/json");
  if (jsonBody) {
    req.body = *jsonBody;
    req.set_header("Content-Type", "application/json");
  }
  const httplib::Result result = http_->send(req);
  Exchange ex;
  if (result) {
    ex.reply = Reply{result->status, result->body};
    return ex;
  }
  switch (result.error()) {
    case httplib::Error::Connection:
      ex.notListening = true;
      ex.failure = whyConnectFails(socketPath_);
      break;
    case httplib::Error::ConnectionTimeout:
      ex.failure = "connecting timed out after " + std::to_string(kTimeoutSeconds) + " s";
      break;
    case httplib::Error::Read:
      ex.failure = "no reply within " + std::to_string(kTimeoutSeconds) + " s, or the connection closed";
      break;
    case httplib::Error::Write:
      ex.failure = "the request could not be sent";
      break;
    default:
      ex.failure = "HTTP client error: " + httplib::to_string(result.error());
      break;
  }
  return ex;
}

}  // namespace sluice::sluicectl
