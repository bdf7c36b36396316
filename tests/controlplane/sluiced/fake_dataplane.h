// A data plane for tests of the control loop, without DPDK or an EAL: it
// keeps every snapshot published and every frame sent, can refuse the
// next publishes (as a worker's full ring does), hands out the exception
// frames and resolve requests a test feeds it, and pages through the
// connections a test gives each worker (or stays silent, as a stuck
// worker does).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/dataplane_handle.h"

namespace sluice::sluiced::testing {

class FakeDataplane final : public dp::DataplaneHandle {
 public:
  struct FakePort {
    std::string name;
    dp::MacAddr mac;
    bool linkUp = true;
  };
  using Frame = std::vector<uint8_t>;

  FakeDataplane(std::vector<FakePort> ports, unsigned workers) : ports_(std::move(ports)) {
    for (unsigned w = 0; w < workers; ++w) counters_.push_back(std::make_unique<dp::WorkerCounters>());
    connections_.resize(workers);
    silent_.resize(workers, false);
  }

  // What the control loop did, in order.
  std::vector<std::unique_ptr<dp::ForwardingTable>> tables;
  std::vector<std::unique_ptr<dp::NeighbourSet>> neighbourSets;
  std::vector<std::pair<uint16_t, Frame>> sent;
  std::vector<std::pair<unsigned, dp::ConnRecord>> installed;  // (worker, record) a peer's connections
  unsigned refused = 0;  // publishes refused so far
  bool taken = true;     // the workers have taken every snapshot published
  bool running = false;
  uint64_t steeringFailuresCount = 0;  // what steeringFailures() reports

  // The next `n` publishes (tables or neighbours) fail as with a full ring.
  void refuseNext(unsigned n) { refuseNext_ = n; }
  // A frame a worker passed up on `port`, for the next pollExceptions.
  void feedException(uint16_t port, Frame frame) { exceptions_.emplace_back(port, std::move(frame)); }
  void feedResolve(const dp::ResolveRequest& r) { resolves_.push_back(r); }
  // A connection a worker found due to be synced, for the next pollSyncRecords.
  void feedSyncRecord(const dp::ConnRecord& r) { syncRecords_.push_back(r); }
  void setLink(unsigned port, bool up) { ports_.at(port).linkUp = up; }
  // Worker `worker`'s connections, each in the dump table a worker keeps
  // it in (connections v4, v6, templates v4, v6), in the order given.
  void setConnections(unsigned worker, const std::vector<dp::ConnRecord>& records) {
    for (auto& table : connections_.at(worker)) table.clear();
    for (const dp::ConnRecord& r : records) connections_.at(worker)[(r.isTemplate ? 2 : 0) + (r.v6 ? 1 : 0)].push_back(r);
  }
  // Worker `worker` no longer answers dump requests.
  void silence(unsigned worker) { silent_.at(worker) = true; }

  bool publish(std::unique_ptr<dp::ForwardingTable>&& table) override {
    if (refuse()) return false;
    table->prepareWorkers(workerCount());  // as the runtime does: a bad scheduler throws here too
    tables.push_back(std::move(table));
    return true;
  }
  bool publish(std::unique_ptr<dp::NeighbourSet>&& neighbours) override {
    if (refuse()) return false;
    neighbourSets.push_back(std::move(neighbours));
    return true;
  }
  const dp::ForwardingTable* table() const override { return tables.empty() ? nullptr : tables.back().get(); }
  const dp::NeighbourSet* neighbours() const override {
    return neighbourSets.empty() ? nullptr : neighbourSets.back().get();
  }
  void reclaim() override {}
  bool allTaken() const override { return taken; }

  unsigned pollExceptions(const FrameHandler& handler, unsigned max) override {
    unsigned done = 0;
    for (; done < max && !exceptions_.empty(); ++done) {
      const auto [port, frame] = std::move(exceptions_.front());
      exceptions_.pop_front();
      handler(port, frame);
    }
    return done;
  }
  unsigned pollResolves(const ResolveHandler& handler, unsigned max) override {
    unsigned done = 0;
    for (; done < max && !resolves_.empty(); ++done) {
      const dp::ResolveRequest r = resolves_.front();
      resolves_.pop_front();
      handler(r);
    }
    return done;
  }
  unsigned pollSyncRecords(const SyncHandler& handler, unsigned max) override {
    unsigned done = 0;
    for (; done < max && !syncRecords_.empty(); ++done) {
      const dp::ConnRecord r = syncRecords_.front();
      syncRecords_.pop_front();
      handler(r);
    }
    return done;
  }
  bool installSynced(unsigned worker, const dp::ConnRecord& record) override {
    if (worker >= workerCount()) return false;
    installed.emplace_back(worker, record);
    return true;
  }
  bool send(uint16_t port, std::span<const uint8_t> frame) override {
    if (port >= ports_.size()) return false;
    sent.emplace_back(port, Frame(frame.begin(), frame.end()));
    return true;
  }

  void startWorkers() override { running = true; }
  void stopWorkers() override { running = false; }
  unsigned workerCount() const override { return static_cast<unsigned>(counters_.size()); }
  const dp::WorkerCounters& counters(unsigned worker) const override { return *counters_.at(worker); }
  // A test counts traffic here, as a worker would.
  dp::WorkerCounters& workerCounters(unsigned worker) { return *counters_.at(worker); }
  uint64_t workerLoops(unsigned) const override { return 0; }
  // A page as a worker copies it: from the cursor's (table, slot) on, at
  // most `capacity` records; `next` is the slot of the first record left
  // out, kDumpEnd when none is. A slot here is a record's index in its table.
  bool dumpConnections(unsigned worker, dp::ConnDumpRequest& request, unsigned) override {
    if (!running || silent_.at(worker)) return false;
    const auto& tables = connections_.at(worker);
    request.count = 0;
    auto slot = static_cast<uint32_t>(request.cursor);
    for (auto table = static_cast<uint32_t>(request.cursor >> 32); table < dp::kDumpTables; ++table, slot = 0) {
      for (; slot < tables[table].size(); ++slot) {
        if (request.count == request.capacity) {
          request.next = uint64_t{table} << 32 | slot;
          return true;
        }
        request.out[request.count++] = tables[table][slot];
      }
    }
    request.next = dp::kDumpEnd;
    return true;
  }

  unsigned portCount() const override { return static_cast<unsigned>(ports_.size()); }
  std::string portName(unsigned index) const override { return ports_.at(index).name; }
  dp::MacAddr portMac(unsigned index) const override { return ports_.at(index).mac; }
  bool linkUp(unsigned index) const override { return ports_.at(index).linkUp; }
  uint64_t steeringFailures() const override { return steeringFailuresCount; }

 private:
  bool refuse() {
    if (refuseNext_ == 0) return false;
    --refuseNext_;
    ++refused;
    return true;
  }

  std::vector<FakePort> ports_;
  std::vector<std::unique_ptr<dp::WorkerCounters>> counters_;
  std::deque<std::pair<uint16_t, Frame>> exceptions_;
  std::deque<dp::ConnRecord> syncRecords_;
  std::deque<dp::ResolveRequest> resolves_;
  std::vector<std::array<std::vector<dp::ConnRecord>, dp::kDumpTables>> connections_;  // [worker][table]
  std::vector<bool> silent_;                                                          // [worker]
  unsigned refuseNext_ = 0;
};

}  // namespace sluice::sluiced::testing
