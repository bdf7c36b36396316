// sluicectl top's data: one sample of the daemon's state (the replies of
// /v1/stats, /v1/health, /v1/vrrp, /v1/sync and /v1/status, read tolerantly)
// and the per-second rates two samples give. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sluice::sluicectl::top {

// The five counters of ipvsadm --stats; as rates, per second.
struct Traffic {
  double conns = 0;
  double inpkts = 0;
  double outpkts = 0;
  double inbytes = 0;
  double outbytes = 0;
};

struct ServerRow {
  std::string id;       // "192.168.1.20-80"
  std::string name;     // "192.168.1.20:80", "[fd00::20]:80"
  std::string method;   // "NAT", "DR", "TUN"
  std::uint64_t weight = 0;
  std::uint64_t active = 0;
  std::uint64_t inactive = 0;
  std::string health;   // "UP", "DOWN", or "-" without a check
  Traffic totals;
  std::optional<Traffic> rates;  // none: no earlier sample and no API rates
};

struct ServiceRow {
  std::string id;          // "tcp-10.0.0.1-80"
  std::string name;        // "TCP 10.0.0.1:80", "FWM 5"
  std::string scheduler;
  std::uint64_t active = 0;    // its real servers' sum
  std::uint64_t inactive = 0;
  bool quorumLost = false;
  Traffic totals;
  std::optional<Traffic> rates;
  std::vector<ServerRow> servers;
};

struct DropRow {
  std::string reason;
  std::uint64_t total = 0;
  std::optional<double> rate;  // none on the first frame: the API has no drop rates
};

struct WorkerRow {
  std::uint64_t rxPackets = 0;
  std::uint64_t txPackets = 0;
  std::uint64_t connections = 0;
  std::optional<double> rxRate;
  std::optional<double> txRate;
};

struct VrrpRow {
  std::string name;
  std::string interface;
  std::string vrid;
  std::string state;  // MASTER, BACKUP, FAULT, INIT
  std::string priority;
  std::string effectivePriority;
  std::string master;
  std::uint64_t transitions = 0;
};

struct SyncInfo {
  bool enabled = false;
  std::string role;      // "master", "backup", "master+backup"
  std::string peer;      // "-" before any message
  std::uint64_t sentMessages = 0;
  std::uint64_t receivedMessages = 0;
  std::uint64_t dropped = 0;  // every reason summed
  std::uint64_t backlog = 0;
  std::uint64_t lagMs = 0;
  std::optional<double> sentRate;      // messages per second
  std::optional<double> receivedRate;
};

// What one refresh read, and when (a monotonic clock, milliseconds).
struct Sample {
  std::uint64_t atMs = 0;
  std::string version;
  std::string uptime;  // "1d 02:03:04"
  std::vector<ServiceRow> services;
  std::vector<DropRow> drops;
  std::vector<WorkerRow> workers;
  bool vrrpRunning = false;
  std::vector<VrrpRow> vrrp;
  SyncInfo sync;
  std::size_t checks = 0;      // health checks configured
  std::size_t checksDown = 0;
};

// The replies as they came (null for one that could not be read). A service
// or real server takes its first-frame rates from the API's estimator.
// Thread-safe.
Sample readSample(const nlohmann::json& stats, const nlohmann::json& health, const nlohmann::json& vrrp,
                  const nlohmann::json& sync, const nlohmann::json& status, std::uint64_t atMs);

// current with its rates from the counters' increase since previous (the
// same service, server, reason or worker by id); a counter that went back
// (zeroed, a restart) or appeared keeps the rate it had (the API's or
// none). Without previous, or at the same instant, current as it is. Thread-safe.
Sample withRates(const Sample* previous, Sample current);

}  // namespace sluice::sluicectl::top
