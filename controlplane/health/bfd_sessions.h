// The bfd_instance sessions that BFD_CHECKs follow, on the health checks'
// EventLoop: bfd/'s state machines with their sockets (RFC 5881 single
// hop). One receiving socket per address family on UDP port 3784, that
// keeps packets sent with TTL / hop limit ttl - max_hops or more (255: a
// peer on the link); one sending socket per session, from a port in
// 49152-65535 with the instance's TTL. Changes of state are logged in
// keepalived's bfd process words, and told to the listeners of the session.
// Everything runs on the loop's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bfd/session.h"
#include "controlplane/common/event_loop.h"
#include "controlplane/common/log_line.h"
#include "controlplane/common/socket_address.h"
#include "controlplane/config/model.h"

namespace sluice::health {

// The UDP ports of the sessions: RFC 5881's, but for tests, whose peer
// shares the host.
struct BfdPorts {
  uint16_t listen = bfd::kControlPort;
  uint16_t peer = bfd::kControlPort;
};

class BfdSessions {
 public:
  using Listener = std::function<void(bool up)>;

  // A session for each of `instances`; nothing is sent before start().
  // The ports are RFC 5881's but for tests, whose peer shares the host.
  BfdSessions(common::EventLoop& loop, const std::vector<config::BfdInstance>& instances, common::LogSink log,
              uint16_t listenPort = bfd::kControlPort, uint16_t peerPort = bfd::kControlPort);
  ~BfdSessions();
  BfdSessions(const BfdSessions&) = delete;
  BfdSessions& operator=(const BfdSessions&) = delete;

  // Opens the sockets and starts the sessions. A socket that cannot be
  // opened is logged; its sessions stay Down.
  void start();

  bool has(const std::string& name) const { return sessions_.contains(name); }
  // Whether the session is Up. False for an unknown name.
  bool up(const std::string& name) const;
  // How long a new session may take to come Up before it counts as down:
  // a detection time at the idle rate.
  std::chrono::milliseconds startupGrace(const std::string& name) const;
  // Calls `listener` after each change of the session between Up and not
  // Up, until unsubscribe(id).
  uint64_t subscribe(const std::string& name, Listener listener);
  void unsubscribe(uint64_t id);

 private:
  struct Entry {
    config::BfdInstance config;
    std::unique_ptr<bfd::Session> session;
    common::UniqueFd out;
    common::EventLoop::TimerId timer = 0;
    bool reportedUp = false;
  };

  void openReceiver(bool v4);
  void openSender(Entry& e);
  void onReadable(int fd, bool v4);
  void service(Entry& e);
  void log(int severity, std::string text) const;

  common::EventLoop& loop_;
  common::LogSink log_;
  uint16_t listenPort_, peerPort_;
  std::mt19937_64 random_;
  std::map<std::string, Entry> sessions_;
  common::UniqueFd in4_, in6_;
  std::map<uint64_t, std::pair<std::string, Listener>> listeners_;
  uint64_t nextListener_ = 1;
};

}  // namespace sluice::health
