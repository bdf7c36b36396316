// HTTP/1.1 to sluiced over its Unix socket, or over TCP to its API
// listener (HTTPS with the server's certificate verified, the bearer token,
// optionally a client certificate): one request, one reply. The API's
// meaning (paths, JSON, status codes) is the caller's business.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace httplib {
class ClientImpl;
}

namespace sluice::sluicectl {

struct Reply {
  int status = 0;
  std::string body;
};

// A reply, or why there was none.
struct Exchange {
  std::optional<Reply> reply;
  std::string failure;         // when there is no reply: errno's words or what timed out
  bool notListening = false;   // nothing accepted the connection (no socket, refused)
};

// Where and how to reach the API.
struct ApiEndpoint {
  std::string socketPath;  // used when url is empty
  std::string url;         // --connect: https://HOST:PORT or http://HOST:PORT
  std::string caCert;      // --cacert: the CA that signed the server's certificate (else the system's)
  std::string clientCert;  // --cert/--key: mutual TLS
  std::string clientKey;
  std::string token;       // the bearer token (TCP)

  // The socket path or the URL, for messages. Thread-safe.
  const std::string& name() const { return url.empty() ? socketPath : url; }
};

// Checks an --connect URL: empty when it is usable, else why not. Thread-safe.
std::string urlProblem(const std::string& url);

class ApiClient {
 public:
  // Connects lazily, on the first request; connect and read time out after 5 s.
  explicit ApiClient(std::string socketPath);
  // `endpoint.url`, when set, must have passed urlProblem().
  explicit ApiClient(ApiEndpoint endpoint);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Sends METHOD PATH with an optional JSON body and waits for the reply.
  // The connection is kept for the next request (paging). Not thread-safe.
  Exchange request(std::string_view method, const std::string& path,
                   const std::optional<std::string>& jsonBody = std::nullopt);

  // The socket or URL this client talks to. Thread-safe.
  const std::string& name() const { return endpoint_.name(); }

 private:
  ApiEndpoint endpoint_;
  std::unique_ptr<httplib::ClientImpl> http_;
};

}  // namespace sluice::sluicectl
