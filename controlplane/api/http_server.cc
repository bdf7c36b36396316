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

#include "controlplane/api/login_page.h"
#include "controlplane/api/router.h"
#include "controlplane/api/status_page.h"

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
  for (const auto& [name, value] : r.headers) res.set_header(name, value);
}

// The login form: its own style, and a form that posts only here.
void answerLogin(httplib::Response& res, int status, std::string_view notice) {
  answer(res, htmlResponse(status, loginPage(notice),
                           "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
                           "frame-ancestors 'none'"));
}

constexpr std::string_view kSessionCookie = "sluice_session";

// The value of the session cookie in the Cookie header, or empty.
std::string sessionCookie(const httplib::Request& req) {
  const std::string cookies = req.get_header_value("Cookie");
  std::string_view rest = cookies;
  while (!rest.empty()) {
    const auto end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(kSessionCookie) && pair.size() > kSessionCookie.size() &&
        pair[kSessionCookie.size()] == '=') {
      return std::string(pair.substr(kSessionCookie.size() + 1));
    }
  }
  return {};
}

// POST /login with the form's `token`: a session cookie and back to the
// status page, or the form again, saying the token was wrong.
void login(const httplib::Request& req, httplib::Response& res, AuthGuard& guard) {
  httplib::Params form;
  httplib::detail::parse_query_text(req.body, form);
  const auto token = form.find("token");
  if (token == form.end() || !guard.tokenMatches(token->second)) {
    guard.fail(AuthFailure::kLoginRefused, req.remote_addr);
    answerLogin(res, 401, "That is not the API token.");
    return;
  }
  // Secure: never sent over plain HTTP; HttpOnly: no script reads it;
  // SameSite=Strict: no other site's page sends it along.
  res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + guard.openSession() +
                                   "; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
                                   std::to_string(guard.limits().sessionMs / 1000));
  res.set_redirect("/", 303);
}

// The TCP listener's door: the bearer token for anything; for reading
// only, a login session or a verified client certificate; the login form
// for a browser that has neither. Every refusal is counted, and an
// address that failed too often is answered 429 until its window ends.
void guardedRequest(const httplib::Request& req, httplib::Response& res, AuthGuard& guard,
                    const HttpServer::Dispatch& dispatch) {
  if (guard.limited(req.remote_addr)) {
    res.set_header("Retry-After", std::to_string(guard.limits().windowMs / 1000));
    answer(res, errorResponse(429, "too many failed authentications from " + req.remote_addr + "; try again later"));
    return;
  }
  auto refuse = [&](AuthFailure why) {
    guard.fail(why, req.remote_addr);
    res.set_header("WWW-Authenticate", "Bearer");
    answer(res, errorResponse(401, "this listener needs 'Authorization: Bearer TOKEN' with the configured token"));
  };
  if (req.has_header("Authorization")) {
    if (!guard.bearerMatches(req.get_header_value("Authorization"))) return refuse(AuthFailure::kWrongToken);
    return answer(res, dispatch(toRequest(req)));
  }
  if (req.method == "POST" && req.path == "/login") return login(req, res, guard);
  const bool reading = req.method == "GET" || req.method == "HEAD";
  const bool page = req.path == "/" || req.path == "/login";
  if (reading && clientCertificateVerified(req.ssl)) return answer(res, dispatch(toRequest(req)));
  const std::string session = sessionCookie(req);
  if (reading && !session.empty()) {
    if (guard.sessionValid(session)) {
      if (req.path == "/login") return res.set_redirect("/", 303);
      return answer(res, dispatch(toRequest(req)));
    }
    if (!page) return refuse(AuthFailure::kWrongSession);
    guard.fail(AuthFailure::kWrongSession, req.remote_addr);
    return answerLogin(res, 401, "The session has ended: log in again.");
  }
  if (reading && page) return answerLogin(res, 200, "");
  refuse(AuthFailure::kMissingToken);
}

// httplib listens with a backlog of 5, which a burst of clients overflows
// (on a Unix socket, connect() then fails at once): the listening socket
// is noted here and its backlog raised after the bind. With a guard, every
// request passes it first.
void setUp(httplib::Server& server, HttpServer::Dispatch dispatch, AuthGuard* guard, std::shared_ptr<int> listenFd) {
  server.set_socket_options([listenFd](int fd) {
    httplib::default_socket_options(fd);
    *listenFd = fd;
  });
  server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server.set_payload_max_length(kMaxBodyBytes);
  server.set_read_timeout(kReadTimeoutSeconds, 0);
  server.set_write_timeout(kWriteTimeoutSeconds, 0);
  server.set_keep_alive_timeout(1);
  server.set_keep_alive_max_count(100);
  auto handler = [dispatch = std::move(dispatch), guard](const httplib::Request& req, httplib::Response& res) {
    if (guard != nullptr) return guardedRequest(req, res, *guard, dispatch);
    answer(res, dispatch(toRequest(req)));
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);
  // Bodies over the limit: httplib answers 413 itself; give it our JSON body.
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
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
}

// The TCP listener: TLS with the options' certificate, or plain HTTP.
std::unique_ptr<httplib::Server> makeTcpServer(const ListenOptions& options, AuthGuard& guard) {
  if (!options.tls) {
    if (!options.allowPlainTcp) {
      throw std::runtime_error("the API's TCP listener needs a TLS certificate and key (or plain TCP allowed)");
    }
    return std::make_unique<httplib::Server>();
  }
  std::string failure;
  auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    try {
      configureTls(ctx, *options.tls, guard);
      return true;
    } catch (const std::runtime_error& e) {
      failure = e.what();
      return false;
    }
  });
  if (!server->is_valid()) throw std::runtime_error(failure.empty() ? "cannot set up TLS" : failure);
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
    auto unixServer = std::make_unique<httplib::Server>();
    setUp(*unixServer, dispatch, nullptr, listenFd);
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
      guard_ = std::make_unique<AuthGuard>(options.token, options.authLimits);
      auto tcpServer = makeTcpServer(options, *guard_);
      setUp(*tcpServer, dispatch, guard_.get(), listenFd);
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
