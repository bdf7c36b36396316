#include "controlplane/api/http_server.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "controlplane/api/router.h"

namespace sluice::api {
namespace {

constexpr int kWriteTimeoutSeconds = 5;
constexpr int kThreads = 8;
constexpr int kBacklog = 128;  // connections waiting for a thread

// True when something accepts connections on the socket file.
bool socketAnswers(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  const bool answers = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return answers;
}

bool tokenMatches(const httplib::Request& req, const std::string& token) {
  const std::string header = req.get_header_value("Authorization");
  const std::string expected = "Bearer " + token;
  // Constant time: the comparison must not tell how much of a guess was right.
  return header.size() == expected.size() && CRYPTO_memcmp(header.data(), expected.data(), header.size()) == 0;
}

Request toRequest(const httplib::Request& req) {
  Request r;
  r.method = req.method;
  r.path = req.path;
  // From the URL only: httplib also files form-encoded bodies under params,
  // and a JSON body sent as a form (curl -d) is still a body here.
  const auto q = req.target.find('?');
  if (q != std::string::npos) {
    httplib::Params params;
    httplib::detail::parse_query_text(req.target.substr(q + 1), params);
    for (const auto& [key, value] : params) r.query[key] = value;
  }
  r.body = req.body;
  return r;
}

void answer(httplib::Response& res, const Response& r) {
  res.status = r.status;
  res.set_content(r.body, r.contentType.c_str());
}

// httplib listens with a backlog of 5, which a burst of clients overflows
// (on a Unix socket, connect() then fails at once): the listening socket
// is noted here and its backlog raised after the bind.
std::unique_ptr<httplib::Server> makeServer(HttpServer::Dispatch dispatch, std::optional<std::string> token,
                                            std::shared_ptr<int> listenFd) {
  auto server = std::make_unique<httplib::Server>();
  server->set_socket_options([listenFd](int fd) {
    httplib::default_socket_options(fd);
    *listenFd = fd;
  });
  server->new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server->set_payload_max_length(kMaxBodyBytes);
  server->set_read_timeout(kReadTimeoutSeconds, 0);
  server->set_write_timeout(kWriteTimeoutSeconds, 0);
  server->set_keep_alive_timeout(1);
  server->set_keep_alive_max_count(100);
  auto handler = [dispatch = std::move(dispatch), token = std::move(token)](const httplib::Request& req,
                                                                          httplib::Response& res) {
    if (token && !tokenMatches(req, *token)) {
      res.set_header("WWW-Authenticate", "Bearer");
      answer(res, errorResponse(401, "this listener needs 'Authorization: Bearer TOKEN' with the configured token"));
      return;
    }
    answer(res, dispatch(toRequest(req)));
  };
  server->Get(".*", handler);
  server->Post(".*", handler);
  server->Put(".*", handler);
  server->Patch(".*", handler);
  server->Delete(".*", handler);
  server->Options(".*", handler);
  // Bodies over the limit: httplib answers 413 itself; give it our JSON body.
  server->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) {
      std::string message = "bad request (HTTP status " + std::to_string(res.status) + ")";
      if (res.status == 413) {
        message = "the request body is larger than " + std::to_string(kMaxBodyBytes) + " bytes";
      } else if (res.status == 400 && !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
        // httplib wants a length on POST, PUT and PATCH, even for no body.
        message = req.method + " needs a Content-Length header, even for an empty body (curl: -d '')";
      }
      answer(res, errorResponse(res.status, message));
    }
  });
  return server;
}

}  // namespace

HttpServer::HttpServer(const ListenOptions& options, Dispatch dispatch) : socketPath_(options.socketPath) {
  try {
    const std::filesystem::path dir = std::filesystem::path(socketPath_).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (std::filesystem::exists(socketPath_, ec)) {
      if (socketAnswers(socketPath_)) {
        throw std::runtime_error("API socket " + socketPath_ + " is in use by another process");
      }
      std::filesystem::remove(socketPath_, ec);  // left by a daemon that died
    }
    auto listenFd = std::make_shared<int>(-1);
    auto unixServer = makeServer(dispatch, std::nullopt, listenFd);
    unixServer->set_address_family(AF_UNIX);
    // Created 0600 (no window in which others could connect): umask for the bind.
    const mode_t old = ::umask(0177);
    const bool bound = unixServer->bind_to_port(socketPath_.c_str(), 80);
    ::umask(old);
    if (!bound) throw std::runtime_error("cannot listen on API socket " + socketPath_ + ": " + std::strerror(errno));
    ::listen(*listenFd, kBacklog);
    ownsSocket_ = true;
    servers_.push_back(std::move(unixServer));
    if (options.tcpAddress) {
      if (options.token.empty()) throw std::runtime_error("the API's TCP listener needs a token");
      auto tcpServer = makeServer(dispatch, options.token, listenFd);
      const int port = options.tcpPort == 0 ? tcpServer->bind_to_any_port(options.tcpAddress->c_str())
                                            : (tcpServer->bind_to_port(options.tcpAddress->c_str(), options.tcpPort)
                                                   ? options.tcpPort
                                                   : -1);
      if (port <= 0) {
        throw std::runtime_error("cannot listen on API address " + *options.tcpAddress + " port " +
                                 std::to_string(options.tcpPort) + ": " + std::strerror(errno));
      }
      boundTcpPort_ = static_cast<uint16_t>(port);
      ::listen(*listenFd, kBacklog);
      servers_.push_back(std::move(tcpServer));
    }
    for (auto& s : servers_) threads_.emplace_back([server = s.get()] { server->listen_after_bind(); });
  } catch (...) {
    stop();
    throw;
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() noexcept {
  for (auto& s : servers_) s->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  servers_.clear();
  std::error_code ec;
  if (ownsSocket_) std::filesystem::remove(socketPath_, ec);
  ownsSocket_ = false;
}

}  // namespace sluice::api
