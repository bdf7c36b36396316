// The forwarder's cost per packet as the configuration grows: 1, 100 and
// 10,000 services (a VIP and a real server each) and 100 or 100,000
// routes, for a new connection (SYN: service lookup, schedule, insert), a
// client's packet of an established connection and a real server's reply
// (NAT). 64K flows, spread over the first `active` services.
//
// With active = 1 the traffic is the same whatever the size of the
// configuration, so any difference is what the size costs the lookups:
// they are indexed (flat_index.h, route_index.h), and the cost should not
// move. With active = services, every packet meets another service's
// state (scheduler, counters, real server), a working set that outgrows
// the caches at 10,000 services whatever the lookups.
//
//   build/perf/bench_table_scale [--benchmark_repetitions=5 ...]
//
// Arguments: services/routes/active. perf/callgrind_forwarder.sh counts
// the instructions of the same benchmarks (they are deterministic).
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "wire/bytes.h"

#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"

namespace {

using namespace sluice::dp;
using sluice::dp::testing::address;
using sluice::dp::testing::buildFrame;

constexpr uint32_t kFlows = 1 << 16;
const MacAddr kGatewayMac{{2, 0, 0, 0, 0xc, 1}};

sluice::wire::IpAddress v4(uint32_t hostOrder) { return sluice::wire::IpAddress::fromV4(hostOrder); }
sluice::wire::IpAddress vipOf(uint32_t i) { return v4(0x0A020000u + i); }     // 10.2.0.0 + i
sluice::wire::IpAddress serverOf(uint32_t i) { return v4(0xC0A80100u + i); }  // 192.168.1.0 + i

std::string text(uint32_t hostOrder) {
  return std::to_string(hostOrder >> 24) + "." + std::to_string((hostOrder >> 16) & 0xFF) + "." +
         std::to_string((hostOrder >> 8) & 0xFF) + "." + std::to_string(hostOrder & 0xFF);
}

// Services 10.2.0.0.. port 80, each with real server 192.168.1.0 + i on
// port 1; clients reached through the gateway 10.0.0.254 on port 0; the
// routes beyond the three the traffic uses are random prefixes (/8 to /24)
// outside them.
struct ScaledSetup {
  ForwardingTable table;
  NeighbourSet neighbours;

  ScaledSetup(uint32_t services, uint32_t routes) {
    PortConfig ext, in;
    ext.mac.b = {2, 0, 0, 0, 1, 1};
    in.mac.b = {2, 0, 0, 0, 1, 2};
    ext.addresses.push_back(Prefix{address("10.0.0.2"), 24});
    in.addresses.push_back(Prefix{address("192.168.0.2"), 16});
    table.ports = {ext, in};
    table.routes = {Route{Prefix{address("192.168.0.0"), 16}, {}, false, 1},
                    Route{Prefix{address("10.0.0.0"), 24}, {}, false, 0},
                    Route{Prefix{address("0.0.0.0"), 0}, address("10.0.0.254"), true, 0}};
    std::mt19937 rng(11);
    while (table.routes.size() < routes) {
      const auto len = static_cast<uint8_t>(8 + rng() % 17);
      const uint32_t first = 20 + rng() % 150;  // 20.x.x.x to 169.x.x.x: none of the traffic's
      const IpAddr net = maskAddress(IpAddr::fromV4(first << 24 | (rng() & 0xFFFFFF)), len);
      table.routes.push_back(Route{Prefix{net.toWire(false), len}, address("10.0.0.254"), true, 0});
    }
    for (uint32_t i = 0; i < services; ++i) {
      Service s;
      s.serviceId = static_cast<uint16_t>(i);
      s.vip = vipOf(i);
      s.port = 80;
      s.proto = kProtoTcp;
      s.scheduler = "rr";
      s.firstServer = i;
      s.serverCount = 1;
      table.services.push_back(s);
      table.ownedVips.push_back(Prefix{s.vip, 32});
      RealServer rs;
      rs.destId = static_cast<uint16_t>(i);
      rs.addr = serverOf(i);
      rs.port = 80;
      table.servers.push_back(rs);
      neighbours.add(Neighbour{rs.addr, 1, MacAddr{{2, 0, 0, 5, uint8_t(i >> 8), uint8_t(i)}}});
    }
    neighbours.add(Neighbour{address("10.0.0.254"), 0, kGatewayMac});
    table.prepareWorkers(1);
  }
};

// Flow n: client 10.1.0.0 + n, port 1024 + n % 4096, to service n % active.
std::vector<uint8_t> clientFrame(uint32_t n, uint32_t active, uint8_t flags) {
  return buildFrame({.src = {text(0x0A010000u + n), static_cast<uint16_t>(1024 + n % 4096)},
                     .dst = {text(0x0A020000u + n % active), 80},
                     .tcpFlags = flags,
                     .payload = std::vector<uint8_t>(6, 0)});
}

struct Scaled {
  std::unique_ptr<ScaledSetup> setup;
  std::unique_ptr<Forwarder> fwd;
  std::vector<std::vector<uint8_t>> frames;  // what the benchmark sends
  std::vector<std::vector<uint8_t>> pristine;

  // established: open every flow first; replies: send the real servers'
  // answers instead of the clients' packets.
  Scaled(const benchmark::State& state, bool established, bool replies) {
    const auto active = static_cast<uint32_t>(state.range(2));
    setup = std::make_unique<ScaledSetup>(static_cast<uint32_t>(state.range(0)), static_cast<uint32_t>(state.range(1)));
    reset();
    for (uint32_t n = 0; n < kFlows; ++n) {
      std::vector<uint8_t> syn = clientFrame(n, active, kTcpSyn);
      if (!established) {
        frames.push_back(std::move(syn));
        continue;
      }
      fwd->process(syn.data(), static_cast<uint32_t>(syn.size()), 1);  // rewritten toward its real server
      if (!replies) {
        frames.push_back(clientFrame(n, active, kTcpAck));
        continue;
      }
      const uint32_t server = sluice::wire::loadBe32(syn.data() + 30);
      frames.push_back(buildFrame({.src = {text(server), 80},
                                   .dst = {text(0x0A010000u + n), static_cast<uint16_t>(1024 + n % 4096)},
                                   .tcpFlags = kTcpSyn | kTcpAck,
                                   .payload = std::vector<uint8_t>(6, 0)}));
    }
    pristine = frames;
  }

  void reset() {
    fwd = std::make_unique<Forwarder>(0, kFlows * 2, ConnTimeouts{});
    fwd->setTable(&setup->table);
    fwd->setNeighbours(&setup->neighbours);
  }
};

void run(benchmark::State& state, bool established, bool replies) {
  Scaled s(state, established, replies);
  uint32_t now = 2;
  std::size_t i = 0;
  for (auto _ : state) {
    auto& fr = s.frames[i++ & (kFlows - 1)];
    const Verdict v = s.fwd->process(fr.data(), static_cast<uint32_t>(fr.size()), now);
    benchmark::DoNotOptimize(v);
    if ((i & (kFlows - 1)) == 0) {
      state.PauseTiming();
      s.frames = s.pristine;  // rewritten in place: start again from the sent bytes
      if (!established) s.reset();  // the same SYNs are new flows again in an empty table
      state.ResumeTiming();
    }
  }
  const WorkerCounters& c = s.fwd->counters();
  uint64_t drops = 0;
  for (const Counter& d : c.drops) drops += d.get();
  state.counters["drops"] = static_cast<double>(drops);
}

void BM_ScaleNewFlow(benchmark::State& state) { run(state, false, false); }
void BM_ScaleEstablished(benchmark::State& state) { run(state, true, false); }
void BM_ScaleReply(benchmark::State& state) { run(state, true, true); }

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"services", "routes", "active"});
  for (const int64_t routes : {100, 100000})
    for (const int64_t services : {1, 100, 10000}) b->Args({services, routes, 1});
  b->Args({100, 100, 100});
  b->Args({10000, 100000, 10000});
}
BENCHMARK(BM_ScaleNewFlow)->Apply(sizes);
BENCHMARK(BM_ScaleEstablished)->Apply(sizes);
BENCHMARK(BM_ScaleReply)->Apply(sizes);

}  // namespace

BENCHMARK_MAIN();
