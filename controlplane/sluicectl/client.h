// HTTP/1.1 to sluiced over its Unix socket: one request, one reply. The
// API's meaning (paths, JSON, status codes) is the caller's business.
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

class ApiClient {
 public:
  // Connects lazily, on the first request; connect and read time out after 5 s.
  explicit ApiClient(std::string socketPath);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Sends METHOD PATH with an optional JSON body and waits for the reply.
  // The connection is kept for the next request (paging). Not thread-safe.
  Exchange request(std::string_view method, const std::string& path,
                   const std::optional<std::string>& jsonBody = std::nullopt);

  // The socket this client talks to. Thread-safe.
  const std::string& socketPath() const { return socketPath_; }

 private:
  std::string socketPath_;
  std::unique_ptr<httplib::ClientImpl> http_;
};

}  // namespace sluice::sluicectl
