// The two ends of the bulk sync stream (connsync/bulk_stream.h) on kernel
// TCP sockets at the sync port's own address, which the kernel holds for
// the router's own traffic (kernel_addresses.h): the server sends every
// connection the workers have, page by page as they copy them out
// (dataplane/conn_dump.h), to whoever connects; the client, a backup that
// started, receives them. Sockets are non-blocking and every call does a
// bounded amount of work, so the control loop never waits on a peer. A
// page costs the server one dumpConnections() per worker per pass, as
// `sluicectl conns` does. Control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/common/socket_address.h"
#include "controlplane/connsync/bulk_stream.h"
#include "controlplane/connsync/entry_mapping.h"
#include "dataplane/dataplane_handle.h"
#include "sync/message.h"
#include "wire/ip_address.h"

namespace sluice::sluiced {

class BulkServer {
 public:
  explicit BulkServer(dp::DataplaneHandle& dataplane) : dataplane_(dataplane) {}

  // Listens on address:port; false (and why in error()) when it cannot.
  bool listen(const wire::IpAddress& address, uint16_t port);
  void close();
  // Accepts, copies a page of every worker's table per session, sends.
  void poll(connsync::EntryMapper& mapper, uint8_t syncId, std::size_t maxLength);

  const std::string& error() const { return error_; }
  uint64_t served() const { return served_; }    // streams sent to their end
  uint64_t entries() const { return entries_; }  // entries in them
  bool listening() const { return static_cast<bool>(listener_); }

 private:
  struct Session {
    common::UniqueFd fd;
    std::vector<uint8_t> out;
    std::size_t sent = 0;
    unsigned worker = 0;
    bool templates = true;  // templates first, then connections
    uint64_t cursor = 0;
    uint32_t entries = 0;
    bool ended = false;
  };
  void fill(Session& s, connsync::EntryMapper& mapper, uint8_t syncId, std::size_t maxLength);
  static bool send(Session& s);

  dp::DataplaneHandle& dataplane_;
  common::UniqueFd listener_;
  std::list<Session> sessions_;
  std::string error_;
  uint64_t served_ = 0;
  uint64_t entries_ = 0;
};

class BulkClient {
 public:
  enum class State { kIdle, kConnecting, kReceiving, kComplete, kFailed };
  using OnMessage = std::function<void(const sync::Message& message)>;

  // Connects to peer:port (non-blocking); an earlier stream is dropped.
  void start(const wire::IpAddress& peer, uint16_t port, uint64_t nowMs);
  // Reads what arrived; every sync message goes to onMessage. Bounded.
  void poll(uint64_t nowMs, uint8_t syncId, const OnMessage& onMessage);

  State state() const { return state_; }
  std::optional<uint64_t> finishedAt() const { return finishedAt_; }
  nlohmann::json json(uint64_t nowMs) const;

 private:
  void fail(const std::string& why, uint64_t nowMs);

  common::UniqueFd fd_;
  State state_ = State::kIdle;
  connsync::BulkReader reader_;
  std::optional<wire::IpAddress> peer_;
  uint64_t startedAt_ = 0;
  uint64_t lastByteAt_ = 0;
  std::optional<uint64_t> finishedAt_;
  uint32_t entries_ = 0;
  std::optional<uint32_t> expected_;
  uint64_t messages_ = 0;
  std::string error_;
};

}  // namespace sluice::sluiced
