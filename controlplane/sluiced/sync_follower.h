// Follows connection sync (keepalived's lvs_sync_daemon; docs/sync.md):
// IPVS's sync protocol on one data-plane port, its role set by one
// vrrp_instance: the master sends the connections its workers pass up,
// in version-1 messages of at most maxlen bytes, to the sync group; a
// backup takes the group's messages from the exception path, matches
// every entry to its own services and real servers and has the owning
// worker install it. Without an instance both run, as keepalived starts
// both of IPVS's daemons then.
//
// A backup that starts also asks the master for all its connections over
// a TCP stream (bulk_sync.h), and until that stream is complete (or
// sync_takeover_wait has passed) it holds VRRP preemption: a returning
// higher-priority router takes over only once it carries every
// connection.
//
// The workers' side is dp::DataplaneHandle's pollSyncRecords and
// installSynced; whether they hand connections over at all is the
// snapshot's sync.send, which the control loop publishes when sending()
// changes. Nothing here blocks: a full ring drops and counts. Control
// thread only.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/config/model.h"
#include "controlplane/connsync/entry_mapping.h"
#include "controlplane/sluiced/bulk_sync.h"
#include "controlplane/sluiced/failover_follower.h"
#include "dataplane/dataplane_handle.h"
#include "sync/decode_error.h"
#include "sync/message.h"

namespace sluice::sluiced {

// lvs_sync_daemon resolved on this router's ports.
struct SyncSetup {
  config::SyncDaemon daemon;
  uint64_t takeoverWaitMs = 10'000;  // dataplane sync_takeover_wait
  uint16_t bulkPort = 8849;          // dataplane sync_bulk_port
  uint16_t port = 0;            // the data-plane port index of daemon.interface
  wire::IpAddress source;       // that port's own address of the group's family
  dp::MacAddr mac;
};

// The setup of `config`'s lvs_sync_daemon, nullopt without one. Throws
// std::invalid_argument when its port is not a data-plane port or has no
// address of the group's family.
std::optional<SyncSetup> resolveSync(const config::Config& config, const dp::DataplaneHandle& dataplane);

struct SyncCounters {
  uint64_t messagesSent = 0;
  uint64_t entriesSent = 0;
  uint64_t sendFailures = 0;        // frames the TX ring did not take (the message is lost)
  uint64_t stale = 0;               // records of services gone from the table
  uint64_t messagesReceived = 0;
  uint64_t entriesReceived = 0;
  uint64_t installsQueued = 0;      // entries handed to their worker
  uint64_t noService = 0;           // entries no service here matches
  uint64_t noServer = 0;            // ... whose real server is not in it
  uint64_t installDropped = 0;      // entries dropped: the workers' rings and the backlog full
  uint64_t ownMessages = 0;         // our own datagrams, seen again on the port
  uint64_t optionsIgnored = 0;      // persistence-engine options (sluice has no engines) and optional unknown ones
  uint64_t sequenceData = 0;        // entries with FTP sequence data (carried, not applied yet)
  std::array<uint64_t, sync::kDecodeErrorCount> refused{};  // by decode error
};

class SyncFollower {
 public:
  // How long a master keeps a partly filled message before it sends it:
  // IPVS waits up to 2 s; a shorter wait narrows what a failover loses.
  static constexpr uint64_t kFlushMs = 50;
  // Entries waiting for room in a worker's ring at most.
  static constexpr std::size_t kBacklog = 65536;

  SyncFollower(dp::DataplaneHandle& dataplane, FailoverFollower& failover);

  // Takes the configuration's lvs_sync_daemon (unset: sync off). Throws
  // std::invalid_argument (see resolveSync) with nothing changed.
  void configure(const config::Config& config);
  // The configuration could be taken (throws as configure does).
  void check(const config::Config& config) const { resolveSync(config, dataplane_); }

  // Starts serving bulk syncs and, on a router whose sync instance has a
  // master to ask, asks for one, holding preemption meanwhile.
  void start(uint64_t nowMs);
  // Stops serving; releases preemption.
  void stop();

  // Takes the sync datagrams among the frames the workers pass up.
  bool handleFrame(uint16_t port, std::span<const uint8_t> frame, uint64_t nowMs);
  // One pass: follows the role, sends what the workers passed up,
  // installs what waits. Returns the new sending() when it changed.
  std::optional<bool> poll(uint64_t nowMs);

  // Whether the workers should hand connections over now (the snapshot's
  // sync.send).
  bool sending() const { return sending_; }
  const SyncCounters& counters() const { return counters_; }
  // /v1/sync.
  nlohmann::json json(uint64_t nowMs) const;

 private:
  bool wantsSending() const;
  bool receiving() const;
  void collect(uint64_t nowMs);
  void flush(uint64_t nowMs);
  void take(const std::vector<sync::Entry>& entries);
  void install();
  void listenForBulk();
  void followBulk(uint64_t nowMs);
  void release(const char* why);

  dp::DataplaneHandle& dataplane_;
  FailoverFollower& failover_;
  std::optional<SyncSetup> setup_;
  connsync::EntryMapper mapper_;
  std::optional<sync::MessageBuilder> message_;
  std::optional<uint64_t> firstQueuedAt_;  // the oldest entry of message_
  std::deque<std::pair<unsigned, dp::ConnRecord>> backlog_;  // (worker, record) waiting for ring room
  SyncCounters counters_;
  bool sending_ = false;
  uint16_t ipId_ = 0;
  std::optional<uint64_t> lastSentAt_;
  std::optional<uint64_t> lastReceivedAt_;
  std::optional<wire::IpAddress> lastPeer_;  // the source of the last datagram taken
  // Bulk sync and the preemption hold.
  BulkServer bulkServer_;
  BulkClient bulkClient_;
  bool started_ = false;
  bool bulkWanted_ = false;
  bool holding_ = false;
  uint64_t holdSince_ = 0;
  uint64_t nextBulkTry_ = 0;
  std::string releasedBy_;            // why the hold ended
  std::optional<std::string> tookOver_;  // how the first takeover after start came: after_bulk, after_wait, without_peer
  vrrp::State lastState_ = vrrp::State::kInit;
};

}  // namespace sluice::sluiced
