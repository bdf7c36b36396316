// The control-plane thread of a running sluiced: serves ARP/ND and pings
// from the exception ring, resolves next hops, rebuilds and publishes
// snapshots when neighbours change, reclaims old ones, and answers
// signals (SIGTERM/SIGINT stop, SIGHUP reloads the config file, SIGUSR2
// writes the counters). Neighbour
// changes publish a new NeighbourSet only, so schedulers keep their state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "controlplane/config/model.h"
#include "controlplane/neighbours/responder.h"
#include "controlplane/tables/id_registry.h"
#include "dataplane/runtime.h"

namespace sluice::sluiced {

class ControlLoop {
 public:
  // configFile: what SIGHUP re-reads; statsFile: where SIGUSR2 writes the
  // counters as JSON.
  ControlLoop(dp::Runtime& runtime, config::Config config, std::string configFile, std::string statsFile);

  // Publishes the first snapshot, starts the workers and serves until a
  // stop signal (which must be blocked in every thread, see main).
  // Returns the exit status.
  int run(int signalFd);

  // Writes the counters to the stats file (atomically, by rename).
  void writeStats() const;

 private:
  void publishNeighbours();
  void reload();
  void resolveNextHops(uint64_t nowMs, bool all);

  dp::Runtime& rt_;
  config::Config config_;
  std::string configFile_;
  std::string statsFile_;
  std::vector<dp::MacAddr> portMacs_;
  tables::IdRegistry ids_;
  neighbours::Responder responder_;
  bool neighboursDirty_ = false;  // a new neighbour snapshot is due
  uint64_t neighbourVersion_ = 0;
};

}  // namespace sluice::sluiced
