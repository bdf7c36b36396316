// TCP_CHECK, HTTP_GET and SSL_GET as one probe over a non-blocking socket:
// connect (from bindto/bind_port when given), then for HTTP(S) a GET of
// each url in turn (TLS via OpenSSL, with SNI when enabled), checking the
// status code and, when configured, the MD5 digest of the body as
// keepalived does. The whole attempt is bounded by connect_timeout.
#pragma once

#include <netinet/in.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/config/address.h"
#include "controlplane/health/probe.h"

namespace sluice::health {

struct UrlSpec {
  std::string path = "/";
  std::optional<std::string> digest;  // MD5 of the body, lower-case hex
  std::vector<std::pair<uint16_t, uint16_t>> status{{200, 299}};
  std::string host;                   // Host header (virtualhost, else the address)
};

struct StreamSpec {
  wire::IpAddress address;
  uint16_t port = 0;
  std::optional<wire::IpAddress> bindTo;
  std::optional<uint16_t> bindPort;
  std::chrono::milliseconds timeout{5000};
  std::vector<UrlSpec> urls;  // empty: TCP_CHECK (the connect is the check)
  bool tls = false;           // SSL_GET
  bool sni = false;           // send the Host as SNI
};

class StreamProbe : public Probe {
 public:
  explicit StreamProbe(StreamSpec spec);
  ~StreamProbe() override;

  void start(common::EventLoop& loop, Done done) override;

  // The lower-case hex MD5 of `data` (OpenSSL EVP), as genhash prints it.
  static std::string md5Hex(const std::string& data);

 private:
  enum class Phase { kConnect, kHandshake, kSend, kReceive };

  void onReady(uint32_t events);
  void beginUrl();
  void handshake();
  void sendRequest();
  void receive();
  void verifyResponse();
  void finish(bool ok, std::string error);
  void want(uint32_t events);
  void close();

  StreamSpec spec_;
  common::EventLoop* loop_ = nullptr;
  Done done_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  Phase phase_ = Phase::kConnect;
  std::size_t url_ = 0;
  std::string out_;
  std::size_t sent_ = 0;
  std::string in_;
  common::EventLoop::TimerId timer_ = 0;
  bool finished_ = false;
};

}  // namespace sluice::health
