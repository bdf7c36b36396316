// keepalived's SMTP_CHECK: connect over TCP, read the greeting (220 is up),
// send `HELO name`, expect 250, send QUIT and read its reply (any). A
// reply may span lines (`250-...` then `250 ...`): its code is its last
// line's; keepalived 2.2.7 reads only a first line, so it fails a
// multi-line greeting that sluice accepts. The whole dialogue is bounded
// by connect_timeout; failures are worded as keepalived logs them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "controlplane/common/socket_address.h"
#include "controlplane/health/probe.h"
#include "controlplane/health/probe_run.h"
#include "wire/ip_address.h"

namespace sluice::health {

struct SmtpSpec {
  wire::IpAddress address;  // connect_ip, else the real server's
  uint16_t port = 25;
  std::optional<wire::IpAddress> bindTo;
  std::optional<uint16_t> bindPort;
  std::chrono::milliseconds timeout{5000};
  std::string heloName = "smtpchecker.keepalived.org";
  wire::IpAddress realServer;  // named when the server is unreachable
  uint16_t realServerPort = 0;
};

// The code of the first complete reply in `in` and in `*length` the bytes
// it takes; nullopt while it is incomplete; -1 when a line of it is not
// `DDD`, `DDD text` or (not last) `DDD-text`. Thread-safe.
std::optional<int> smtpReply(std::string_view in, std::size_t* length);

// Loop thread only; the loop must outlive the probe.
class SmtpProbe : public Probe {
 public:
  explicit SmtpProbe(SmtpSpec spec) : spec_(std::move(spec)) {}

  void start(common::EventLoop& loop, Done done) override;

 private:
  enum class Phase { kConnect, kBanner, kHelo, kHeloReply, kQuit, kQuitReply };

  void onReady();
  void connected();
  void write();
  void read();
  void onReply(int code);
  void sendLine(std::string line, Phase next);
  void finish(bool ok, std::string error);
  std::string server() const;

  SmtpSpec spec_;
  ProbeRun run_;
  Phase phase_ = Phase::kConnect;
  Phase afterWrite_ = Phase::kBanner;
  std::string out_;
  std::size_t sent_ = 0;
  std::string in_;
};

}  // namespace sluice::health
