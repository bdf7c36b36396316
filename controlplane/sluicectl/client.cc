#include "controlplane/sluicectl/client.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/x509.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "controlplane/sluicectl/values.h"

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

struct Url {
  bool tls = false;
  std::string host;  // without brackets
  int port = 0;
};

// scheme://HOST[:PORT][/], HOST a name, an IPv4 address or [IPv6].
std::optional<Url> parseUrl(const std::string& url, std::string& why) {
  Url u;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    u.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    why = "--connect takes https://HOST:PORT (or http://HOST:PORT), not '" + url + "'";
    return std::nullopt;
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  std::string unused;
  const std::optional<HostPort> hp = splitHostPort(std::string(rest), unused);
  if (!hp || hp->host.empty() || hp->host.find_first_of("/?#@[] ") != std::string::npos) {
    why = "--connect: '" + url + "' has no usable host";
    return std::nullopt;
  }
  u.host = hp->host;
  u.port = u.tls ? 443 : 80;
  if (hp->port) {
    const std::string& text = *hp->port;
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
      why = "--connect: the port in '" + url + "' is not 1-65535";
      return std::nullopt;
    }
    u.port = static_cast<int>(port);
  }
  return u;
}

std::unique_ptr<httplib::ClientImpl> makeClient(const ApiEndpoint& e) {
  if (e.url.empty()) {
    // ClientImpl takes the host verbatim; httplib::Client would first try
    // to read the path as a URL.
    auto c = std::make_unique<httplib::ClientImpl>(e.socketPath, 80);
    c->set_address_family(AF_UNIX);
    return c;
  }
  std::string why;
  const Url u = *parseUrl(e.url, why);
  std::unique_ptr<httplib::ClientImpl> c;
  if (u.tls) {
    auto tls = e.clientCert.empty() ? std::make_unique<httplib::SSLClient>(u.host, u.port)
                                    : std::make_unique<httplib::SSLClient>(u.host, u.port, e.clientCert, e.clientKey);
    if (!e.caCert.empty()) tls->set_ca_cert_path(e.caCert.c_str());
    tls->enable_server_certificate_verification(true);
    c = std::move(tls);
  } else {
    c = std::make_unique<httplib::ClientImpl>(u.host, u.port);
  }
  if (!e.token.empty()) c->set_bearer_token_auth(e.token.c_str());
  return c;
}

}  // namespace

std::string urlProblem(const std::string& url) {
  std::string why;
  parseUrl(url, why);
  return why;
}

ApiClient::ApiClient(std::string socketPath) : ApiClient(ApiEndpoint{.socketPath = std::move(socketPath)}) {}

ApiClient::ApiClient(ApiEndpoint endpoint) : endpoint_(std::move(endpoint)), http_(makeClient(endpoint_)) {
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
      ex.failure = endpoint_.url.empty() ? whyConnectFails(endpoint_.socketPath) : "the connection failed";
      break;
    case httplib::Error::SSLServerVerification: {
      const long why = static_cast<httplib::SSLClient&>(*http_).get_openssl_verify_result();
      ex.failure = std::string("the server's certificate does not verify") +
                   (endpoint_.caCert.empty() ? "" : " against " + endpoint_.caCert) + ": " +
                   X509_verify_cert_error_string(why);
      break;
    }
    case httplib::Error::SSLConnection:
      ex.failure = "the TLS handshake failed (a client certificate the server does not accept, or no TLS there)";
      break;
    case httplib::Error::SSLLoadingCerts:
      ex.failure = "cannot load the certificates given (--cacert, --cert, --key)";
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
