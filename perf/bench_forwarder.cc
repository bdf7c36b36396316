// Cost per packet of the forwarder's decision on plain buffers (no DPDK):
// parsing alone as the in-run reference, a NAT packet of an established
// flow (lookup hit + rewrite), a DR packet, and a new flow (SYN: lookup
// miss, schedule, insert). A first quick measurement; the packet-rate
// benchmark against testpmd is `perf/` work of its own.
#include <benchmark/benchmark.h>

#include <vector>

#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"

namespace {

using namespace sluice::dp;
using sluice::dp::testing::buildFrame;
using sluice::dp::testing::ip;

constexpr uint32_t kFlows = 1 << 16;

struct Setup {
  ForwardingTable table;
  NeighbourSet neighbours;

  explicit Setup(FwdMethod method) {
    PortConfig ext, in;
    ext.mac.b = {2, 0, 0, 0, 1, 1};
    in.mac.b = {2, 0, 0, 0, 1, 2};
    ext.addresses.push_back(Prefix{ip("10.0.0.2"), 24, false});
    in.addresses.push_back(Prefix{ip("192.168.1.2"), 24, false});
    table.ports = {ext, in};
    table.routes = {Route{Prefix{ip("10.0.0.0"), 24, false}, {}, false, 0},
                    Route{Prefix{ip("192.168.1.0"), 24, false}, {}, false, 1}};
    Service s;
    s.vip = ip("10.0.0.1");
    s.port = 80;
    s.proto = kProtoTcp;
    s.scheduler = "rr";
    s.serverCount = 4;
    table.services.push_back(s);
    table.ownedVips.push_back(Prefix{ip("10.0.0.1"), 32, false});
    for (uint16_t i = 0; i < 4; ++i) {
      RealServer rs;
      rs.destId = i;
      rs.addr = ip("192.168.1." + std::to_string(20 + i));
      rs.port = 80;
      rs.method = method;
      table.servers.push_back(rs);
      neighbours.entries.push_back(Neighbour{rs.addr, false, 1, MacAddr{{2, 0, 0, 0, 5, uint8_t(i)}}});
    }
    neighbours.entries.push_back(Neighbour{ip("10.0.0.101"), false, 0, MacAddr{{2, 0, 0, 0, 0xc, 1}}});
    table.prepareWorkers(1);
  }
};

std::vector<std::vector<uint8_t>> frames(uint8_t flags, uint32_t count, uint16_t firstPort = 1024) {
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string client = "10.1." + std::to_string((i >> 8) & 0xFF) + "." + std::to_string(i & 0xFF);
    out.push_back(buildFrame({.src = {client, static_cast<uint16_t>(firstPort + (i >> 16))},
                              .dst = {"10.0.0.1", 80},
                              .tcpFlags = flags,
                              .payload = std::vector<uint8_t>(6, 0)}));
  }
  return out;
}

void BM_ParseOnly(benchmark::State& state) {
  auto f = frames(kTcpAck, 1024);
  std::size_t i = 0;
  for (auto _ : state) {
    auto& fr = f[i++ & 1023];
    benchmark::DoNotOptimize(parsePacket(fr.data(), static_cast<uint32_t>(fr.size())));
  }
}
BENCHMARK(BM_ParseOnly);

void established(benchmark::State& state, FwdMethod method) {
  Setup s(method);
  Forwarder fwd(0, kFlows * 2, ConnTimeouts{});
  fwd.setTable(&s.table);
  fwd.setNeighbours(&s.neighbours);
  auto syn = frames(kTcpSyn, kFlows);
  for (auto& fr : syn) fwd.process(fr.data(), static_cast<uint32_t>(fr.size()), 1);
  auto ack = frames(kTcpAck, kFlows);
  const auto pristine = ack;
  std::size_t i = 0;
  for (auto _ : state) {
    auto& fr = ack[i++ & (kFlows - 1)];
    benchmark::DoNotOptimize(fwd.process(fr.data(), static_cast<uint32_t>(fr.size()), 2));
    if ((i & (kFlows - 1)) == 0) {
      state.PauseTiming();
      ack = pristine;  // the rewrite is in place: start again from the client's frames
      state.ResumeTiming();
    }
  }
}
void BM_NatEstablished64k(benchmark::State& state) { established(state, FwdMethod::kNat); }
void BM_DrEstablished64k(benchmark::State& state) { established(state, FwdMethod::kDr); }
BENCHMARK(BM_NatEstablished64k);
BENCHMARK(BM_DrEstablished64k);

void BM_NatNewFlow(benchmark::State& state) {
  Setup s(FwdMethod::kNat);
  Forwarder fwd(0, kFlows, ConnTimeouts{});
  fwd.setTable(&s.table);
  fwd.setNeighbours(&s.neighbours);
  auto syn = frames(kTcpSyn, kFlows);
  std::size_t i = 0;
  uint16_t round = 0;
  for (auto _ : state) {
    auto& fr = syn[i++ & (kFlows - 1)];
    benchmark::DoNotOptimize(fwd.process(fr.data(), static_cast<uint32_t>(fr.size()), 1));
    if ((i & (kFlows - 1)) == 0) {
      state.PauseTiming();
      syn = frames(kTcpSyn, kFlows, static_cast<uint16_t>(2048 + ++round));  // new client ports: new flows
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_NatNewFlow);

}  // namespace

BENCHMARK_MAIN();
