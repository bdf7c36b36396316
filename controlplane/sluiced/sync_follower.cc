#include "controlplane/sluiced/sync_follower.h"

#include <chrono>
#include <iostream>
#include <stdexcept>

#include "controlplane/config/address.h"
#include "controlplane/connsync/sync_frame.h"
#include "dataplane/steering.h"
#include "vrrp/step.h"

namespace sluice::sluiced {
namespace {

constexpr unsigned kRecordsPerPass = 4096;

std::optional<uint64_t> ageOf(const std::optional<uint64_t>& at, uint64_t nowMs) {
  if (!at) return std::nullopt;
  return nowMs - *at;
}

}  // namespace

std::optional<SyncSetup> resolveSync(const config::Config& config, const dp::DataplaneHandle& dataplane) {
  const auto& daemon = config.globalDefs.lvsSyncDaemon;
  if (!daemon) return std::nullopt;
  SyncSetup s;
  s.daemon = *daemon;
  const config::DataplanePort* port = nullptr;
  if (config.dataplane) {
    for (std::size_t i = 0; i < config.dataplane->ports.size(); ++i) {
      if (config.dataplane->ports[i].name == daemon->interface) {
        port = &config.dataplane->ports[i];
        s.port = static_cast<uint16_t>(i);
      }
    }
  }
  if (port == nullptr || s.port >= dataplane.portCount()) {
    throw std::invalid_argument("lvs_sync_daemon: " + daemon->interface + " is not a port of the dataplane block");
  }
  bool found = false;
  for (const config::IpPrefix& p : port->addresses) {
    if (p.address.family == daemon->group.family) {
      s.source = p.address;
      found = true;
      break;
    }
  }
  if (!found) {
    throw std::invalid_argument("lvs_sync_daemon: port " + daemon->interface + " has no " +
                                (daemon->group.isV6() ? "IPv6" : "IPv4") + " address to send to group " +
                                config::toString(daemon->group) + " from");
  }
  s.mac = dataplane.portMac(s.port);
  s.takeoverWaitMs = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(config.dataplane->syncTakeoverWait).count());
  s.bulkPort = config.dataplane->syncBulkPort;
  return s;
}

SyncFollower::SyncFollower(dp::DataplaneHandle& dataplane, FailoverFollower& failover)
    : dataplane_(dataplane), failover_(failover), bulkServer_(dataplane) {}

void SyncFollower::configure(const config::Config& config) {
  std::optional<SyncSetup> next = resolveSync(config, dataplane_);
  if (next && setup_ && next->daemon == setup_->daemon && next->port == setup_->port &&
      next->source == setup_->source) {
    // The same daemon: keep the message being filled; sluice's own
    // settings (sync_takeover_wait, sync_bulk_port) may still change.
    const bool relisten = next->bulkPort != setup_->bulkPort;
    setup_->takeoverWaitMs = next->takeoverWaitMs;
    setup_->bulkPort = next->bulkPort;
    if (relisten && started_) listenForBulk();
    return;
  }
  setup_ = std::move(next);
  message_.reset();
  firstQueuedAt_.reset();
  if (setup_) message_.emplace(setup_->daemon.syncId, setup_->daemon.maxLen);
  if (started_) listenForBulk();
  if (!setup_ || !setup_->daemon.instance) release("sync is off");
}

void SyncFollower::listenForBulk() {
  bulkServer_.close();
  if (!setup_) return;
  if (!bulkServer_.listen(setup_->source, setup_->bulkPort)) {
    std::cerr << "sluiced: connection sync: no bulk sync for peers: " << bulkServer_.error() << "\n";
  }
}

void SyncFollower::start(uint64_t nowMs) {
  started_ = true;
  listenForBulk();
  if (!setup_ || !setup_->daemon.instance) return;
  bulkWanted_ = true;
  holding_ = true;
  holdSince_ = nowMs;
  failover_.holdPreemption(true);
}

void SyncFollower::stop() {
  bulkServer_.close();
  release("stopped");
}

void SyncFollower::release(const char* why) {
  if (!holding_) return;
  holding_ = false;
  releasedBy_ = why;
  failover_.holdPreemption(false);
}

// A backup asks the master for a bulk sync once; it holds preemption until
// the stream is complete or sync_takeover_wait has passed.
void SyncFollower::followBulk(uint64_t nowMs) {
  if (!setup_ || !setup_->daemon.instance) return;
  const vrrp::State state = failover_.instanceState(*setup_->daemon.instance);
  if (holding_ && bulkClient_.state() == BulkClient::State::kComplete) release("bulk_complete");
  if (holding_ && nowMs - holdSince_ >= setup_->takeoverWaitMs) {
    std::cerr << "sluiced: connection sync: no complete bulk sync within sync_takeover_wait ("
              << setup_->takeoverWaitMs / 1000 << " s): preemption goes ahead\n";
    release("wait_expired");
  }
  if (state == vrrp::State::kMaster && lastState_ != vrrp::State::kMaster && !tookOver_) {
    tookOver_ = bulkClient_.state() == BulkClient::State::kComplete ? "after_bulk"
                : releasedBy_ == "wait_expired"                     ? "after_wait"
                                                                    : "without_peer";
  }
  lastState_ = state;
  if (state == vrrp::State::kMaster) {
    release("became_master");  // no master to ask (Master_Down): nothing to wait for
    bulkWanted_ = false;
  }
  const BulkClient::State bulk = bulkClient_.state();
  if (bulkWanted_ && state == vrrp::State::kBackup && nowMs >= nextBulkTry_ &&
      (bulk == BulkClient::State::kIdle || bulk == BulkClient::State::kFailed)) {
    if (const std::optional<wire::IpAddress> master = failover_.masterOf(*setup_->daemon.instance)) {
      bulkClient_.start(*master, setup_->bulkPort, nowMs);
      nextBulkTry_ = nowMs + 1000;
    }
  }
  bulkClient_.poll(nowMs, setup_->daemon.syncId, [&](const sync::Message& m) { take(m.entries); });
  if (bulkClient_.state() == BulkClient::State::kComplete) bulkWanted_ = false;
}

bool SyncFollower::wantsSending() const {
  if (!setup_) return false;
  if (!setup_->daemon.instance) return setup_->daemon.master;
  return failover_.instanceState(*setup_->daemon.instance) == vrrp::State::kMaster;
}

bool SyncFollower::receiving() const {
  if (!setup_) return false;
  if (!setup_->daemon.instance) return setup_->daemon.backup;
  return failover_.instanceState(*setup_->daemon.instance) != vrrp::State::kMaster;
}

bool SyncFollower::handleFrame(uint16_t port, std::span<const uint8_t> frame, uint64_t nowMs) {
  if (!setup_ || port != setup_->port) return false;
  const connsync::ParsedUdp udp = connsync::parseUdpFrame(frame);
  if (!udp.datagram) return false;
  const connsync::UdpDatagram& d = *udp.datagram;
  if (d.destination != setup_->daemon.group || d.destinationPort != setup_->daemon.port) return false;
  if (d.srcMac == setup_->mac) {
    ++counters_.ownMessages;
    return true;
  }
  if (!receiving()) return true;  // a master ignores the group, as IPVS's master daemon does
  const sync::DecodeResult r = sync::decodeMessage(d.payload, setup_->daemon.syncId);
  if (!r.ok()) {
    ++counters_.refused[static_cast<std::size_t>(r.error)];
    return true;
  }
  ++counters_.messagesReceived;
  counters_.entriesReceived += r.message.entries.size();
  counters_.optionsIgnored += r.message.ignored.total();
  lastReceivedAt_ = nowMs;
  lastPeer_ = d.source;
  take(r.message.entries);
  return true;
}

void SyncFollower::take(const std::vector<sync::Entry>& entries) {
  const dp::ForwardingTable* table = dataplane_.table();
  if (table == nullptr) return;
  mapper_.use(*table);
  for (const sync::Entry& e : entries) {
    if (e.seq) ++counters_.sequenceData;
    const connsync::Matched m = mapper_.toRecord(e);
    if (!m.record) {
      ++(m.why == connsync::Unmatched::kNoService ? counters_.noService : counters_.noServer);
      continue;
    }
    if (backlog_.size() >= kBacklog) {
      ++counters_.installDropped;
      continue;
    }
    const unsigned worker = dp::clientOwner(*table, m.record->client, m.record->v6, dataplane_.workerCount());
    backlog_.emplace_back(worker, *m.record);
  }
  install();
}

void SyncFollower::install() {
  while (!backlog_.empty()) {
    const auto& [worker, record] = backlog_.front();
    if (!dataplane_.installSynced(worker, record)) return;  // the next pass tries again
    ++counters_.installsQueued;
    backlog_.pop_front();
  }
}

std::optional<bool> SyncFollower::poll(uint64_t nowMs) {
  collect(nowMs);
  if (setup_) {
    if (const dp::ForwardingTable* table = dataplane_.table()) mapper_.use(*table);
    bulkServer_.poll(mapper_, setup_->daemon.syncId, sync::MessageBuilder::kMaxMaxLength);
    followBulk(nowMs);
  }
  if (message_ && !message_->empty() && firstQueuedAt_ && nowMs - *firstQueuedAt_ >= kFlushMs) flush(nowMs);
  install();
  const bool want = wantsSending();
  if (want == sending_) return std::nullopt;
  sending_ = want;
  return sending_;
}

void SyncFollower::collect(uint64_t nowMs) {
  const dp::ForwardingTable* table = dataplane_.table();
  dataplane_.pollSyncRecords(
      [&](const dp::ConnRecord& r) {
        if (!message_ || table == nullptr) return;  // sync was turned off: what the workers still passed is moot
        mapper_.use(*table);
        const std::optional<sync::Entry> e = mapper_.toEntry(r);
        if (!e) {
          ++counters_.stale;
          return;
        }
        if (!message_->add(*e)) {
          flush(nowMs);
          message_->add(*e);
        }
        if (!firstQueuedAt_) firstQueuedAt_ = nowMs;
      },
      kRecordsPerPass);
}

void SyncFollower::flush(uint64_t nowMs) {
  if (!message_ || message_->empty() || !setup_) return;
  connsync::SyncFrameHeader h;
  h.srcMac = setup_->mac;
  h.source = setup_->source;
  h.group = setup_->daemon.group;
  h.port = setup_->daemon.port;
  h.ttl = setup_->daemon.ttl;
  h.id = ipId_++;
  const connsync::Frame frame = connsync::syncFrame(h, message_->bytes());
  if (dataplane_.send(setup_->port, frame)) {
    ++counters_.messagesSent;
    counters_.entriesSent += message_->entries();
    lastSentAt_ = nowMs;
  } else {
    ++counters_.sendFailures;
  }
  message_->reset();
  firstQueuedAt_.reset();
}

nlohmann::json SyncFollower::json(uint64_t nowMs) const {
  nlohmann::json j;
  j["enabled"] = setup_.has_value();
  if (!setup_) return j;
  const config::SyncDaemon& d = setup_->daemon;
  j["role"] = sending_ && receiving() ? "master+backup" : sending_ ? "master" : "backup";
  j["interface"] = d.interface;
  j["instance"] = d.instance ? nlohmann::json(*d.instance) : nlohmann::json(nullptr);
  if (d.instance) j["instance_state"] = std::string(vrrp::stateName(failover_.instanceState(*d.instance)));
  j["syncid"] = d.syncId;
  j["group"] = config::toString(d.group);
  j["port"] = d.port;
  j["maxlen"] = d.maxLen;
  j["ttl"] = d.ttl;
  j["peer"] = lastPeer_ ? nlohmann::json(config::toString(*lastPeer_)) : nlohmann::json(nullptr);
  uint64_t queued = 0, workerDropped = 0, installed = 0, rejected = 0;
  for (unsigned w = 0; w < dataplane_.workerCount(); ++w) {
    const dp::WorkerCounters& c = dataplane_.counters(w);
    queued += c.syncQueued.get();
    workerDropped += c.syncDropped.get();
    installed += c.syncInstalled.get();
    rejected += c.syncRejected.get();
  }
  const SyncCounters& c = counters_;
  j["sent"] = {{"messages", c.messagesSent}, {"entries", c.entriesSent}, {"connections_passed", queued}};
  j["received"] = {{"messages", c.messagesReceived}, {"entries", c.entriesReceived},
                   {"installed", installed}, {"own_messages", c.ownMessages},
                   {"options_ignored", c.optionsIgnored}, {"sequence_data", c.sequenceData}};
  nlohmann::json refused = nlohmann::json::object();
  for (std::size_t i = 1; i < c.refused.size(); ++i) {
    refused[std::string(sync::decodeErrorName(static_cast<sync::DecodeError>(i)))] = c.refused[i];
  }
  j["dropped"] = {{"send_failures", c.sendFailures},
                  {"worker_ring_full", workerDropped},
                  {"stale", c.stale},
                  {"no_service", c.noService},
                  {"no_server", c.noServer},
                  {"install_backlog_full", c.installDropped},
                  {"install_rejected", rejected},
                  {"refused", refused}};
  j["backlog"] = backlog_.size();
  const auto sentAge = ageOf(lastSentAt_, nowMs);
  const auto receivedAge = ageOf(lastReceivedAt_, nowMs);
  j["last_sent_ms_ago"] = sentAge ? nlohmann::json(*sentAge) : nlohmann::json(nullptr);
  j["last_received_ms_ago"] = receivedAge ? nlohmann::json(*receivedAge) : nlohmann::json(nullptr);
  // Lag: how long the oldest entry not yet sent has waited.
  j["lag_ms"] = firstQueuedAt_ ? nowMs - *firstQueuedAt_ : 0;
  nlohmann::json bulk = bulkClient_.json(nowMs);
  bulk["holding_preemption"] = holding_;
  bulk["released_by"] = releasedBy_.empty() ? nlohmann::json(nullptr) : nlohmann::json(releasedBy_);
  bulk["took_over"] = tookOver_ ? nlohmann::json(*tookOver_) : nlohmann::json(nullptr);
  bulk["served"] = bulkServer_.served();
  bulk["served_entries"] = bulkServer_.entries();
  bulk["listening"] = bulkServer_.listening();
  j["bulk"] = std::move(bulk);
  return j;
}

}  // namespace sluice::sluiced
