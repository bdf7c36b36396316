// Cost per packet of the forwarder's decision on plain buffers (no DPDK):
// parsing alone as the in-run reference, the NAT rewrites alone (v4, v6,
// both directions), a NAT packet of an established flow (lookup hit +
// rewrite), a DR packet, a new flow (SYN: lookup miss, schedule, insert)
// into tables of 64K, 1M and 10M connections, and a snapshot swap.
// The packet rate through DPDK is scripts/bench's.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "wire/bytes.h"
#include "wire/checksum.h"

#include "dataplane/forwarder.h"
#include "dataplane/nat.h"
#include "tests/dataplane/packet_builder.h"

namespace {

using namespace sluice::dp;
using sluice::dp::testing::buildFrame;
using sluice::dp::testing::address;
using sluice::dp::testing::ip;

constexpr uint32_t kFlows = 1 << 16;

struct Setup {
  ForwardingTable table;
  NeighbourSet neighbours;

  explicit Setup(FwdMethod method) {
    PortConfig ext, in;
    ext.mac.b = {2, 0, 0, 0, 1, 1};
    in.mac.b = {2, 0, 0, 0, 1, 2};
    ext.addresses.push_back(Prefix{address("10.0.0.2"), 24});
    in.addresses.push_back(Prefix{address("192.168.1.2"), 24});
    table.ports = {ext, in};
    table.routes = {Route{Prefix{address("10.0.0.0"), 24}, {}, false, 0},
                    Route{Prefix{address("192.168.1.0"), 24}, {}, false, 1}};
    Service s;
    s.vip = address("10.0.0.1");
    s.port = 80;
    s.proto = kProtoTcp;
    s.scheduler = "rr";
    s.serverCount = 4;
    table.services.push_back(s);
    table.ownedVips.push_back(Prefix{address("10.0.0.1"), 32});
    for (uint16_t i = 0; i < 4; ++i) {
      RealServer rs;
      rs.destId = i;
      rs.addr = address("192.168.1." + std::to_string(20 + i));
      rs.port = 80;
      rs.method = method;
      table.servers.push_back(rs);
      neighbours.add(Neighbour{rs.addr, 1, MacAddr{{2, 0, 0, 0, 5, uint8_t(i)}}});
    }
    neighbours.add(Neighbour{address("10.0.0.101"), 0, MacAddr{{2, 0, 0, 0, 0xc, 1}}});
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

// The rewrite alone: addresses, ports, incremental checksums, TTL. The
// frame is restored from a copy every 1024 rewrites (outside the timing)
// so each rewrite starts from the client's bytes.
void rewrite(benchmark::State& state, const std::string& client, const std::string& vip, const std::string& rs,
             bool toClient) {
  std::vector<std::vector<uint8_t>> f;
  for (int i = 0; i < 1024; ++i) {
    f.push_back(buildFrame({.src = {toClient ? rs : client, static_cast<uint16_t>(toClient ? 80 : 1024 + i)},
                            .dst = {toClient ? client : vip, static_cast<uint16_t>(toClient ? 1024 + i : 80)},
                            .tcpFlags = kTcpAck,
                            .payload = std::vector<uint8_t>(6, 0)}));
  }
  const auto pristine = f;
  std::vector<ParsedPacket> parsed;
  for (auto& fr : f) parsed.push_back(parsePacket(fr.data(), static_cast<uint32_t>(fr.size())));
  const IpAddr to = ip(toClient ? vip : rs);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 1023;
    if (toClient) {
      natToClient(f[k].data(), parsed[k], to, 80);
    } else {
      natToRealServer(f[k].data(), parsed[k], to, 8080);
    }
    benchmark::DoNotOptimize(f[k].data());
    if (k == 1023) {
      state.PauseTiming();
      f = pristine;
      state.ResumeTiming();
    }
  }
}
void BM_NatRewriteV4(benchmark::State& state) { rewrite(state, "10.1.0.1", "10.0.0.1", "192.168.1.20", false); }
void BM_NatRewriteV4Reply(benchmark::State& state) { rewrite(state, "10.1.0.1", "10.0.0.1", "192.168.1.20", true); }
void BM_NatRewriteV6(benchmark::State& state) { rewrite(state, "fd00:1::1", "fd00:10::1", "fd00:192:168:1::20", false); }
void BM_NatRewriteV6Reply(benchmark::State& state) {
  rewrite(state, "fd00:1::1", "fd00:10::1", "fd00:192:168:1::20", true);
}
BENCHMARK(BM_NatRewriteV4);
BENCHMARK(BM_NatRewriteV4Reply);
BENCHMARK(BM_NatRewriteV6);
BENCHMARK(BM_NatRewriteV6Reply);

// DR's rewrite: the real server's MAC and the egress port's, nothing else.
void BM_DrRewrite(benchmark::State& state) {
  auto f = frames(kTcpAck, 1024);
  const MacAddr rs{{2, 0, 0, 0, 5, 1}}, port{{2, 0, 0, 0, 1, 2}};
  std::size_t i = 0;
  for (auto _ : state) {
    uint8_t* d = f[i++ & 1023].data();
    std::memcpy(d, rs.b.data(), 6);
    std::memcpy(d + 6, port.b.data(), 6);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DrRewrite);

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

// New-flow setup in a table of `range(0)` connections, already full of
// embryonic ones: lookup miss, rr pick, eviction of the oldest embryonic
// entry, insert of both tuples, rewrite. Client ports advance each round,
// so every SYN is a new flow.
void BM_NatNewFlowFullTable(benchmark::State& state) {
  const auto capacity = static_cast<uint32_t>(state.range(0));
  Setup s(FwdMethod::kNat);
  Forwarder fwd(0, capacity, ConnTimeouts{});
  fwd.setTable(&s.table);
  fwd.setNeighbours(&s.neighbours);
  const std::vector<uint8_t> pristine = buildFrame(
      {.src = {"10.1.0.0", 1024}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpSyn, .payload = std::vector<uint8_t>(6, 0)});
  // SYNs from client n: address 10.1.0.0 + n / 65536, port n % 65536
  // (source address at bytes 26..29, port at 34..35; the IPv4 header
  // checksum is recomputed, TCP's is not checked).
  constexpr std::size_t kBatch = 1 << 16;
  std::vector<std::vector<uint8_t>> batch(kBatch, pristine);
  uint64_t n = 0;
  auto refill = [&]() {
    for (auto& f : batch) {
      f = pristine;
      sluice::wire::storeBe32(f.data() + 26, 0x0A010000u + static_cast<uint32_t>(n >> 16));
      sluice::wire::storeBe16(f.data() + 34, static_cast<uint16_t>(n));
      ++n;
      f[24] = f[25] = 0;
      sluice::wire::storeBe16(f.data() + 24, sluice::wire::csumFinish(sluice::wire::csumAdd(0, f.data() + 14, 20)));
    }
  };
  for (uint32_t done = 0; done < capacity; done += kBatch) {
    refill();
    for (auto& f : batch) fwd.process(f.data(), static_cast<uint32_t>(f.size()), 1);
  }
  refill();
  std::size_t i = 0;
  for (auto _ : state) {
    auto& f = batch[i++];
    benchmark::DoNotOptimize(fwd.process(f.data(), static_cast<uint32_t>(f.size()), 2));
    if (i == kBatch) {
      state.PauseTiming();
      refill();
      i = 0;
      state.ResumeTiming();
    }
  }
  state.counters["evictions"] = static_cast<double>(fwd.counters().evictions.get());
}
BENCHMARK(BM_NatNewFlowFullTable)->Arg(1 << 20)->Arg(10 << 20)->Unit(benchmark::kNanosecond);

// A snapshot swap as a worker does it between bursts: the new table's
// per-worker view, the schedulers of unchanged services carried over, the
// connection gauges copied in. 64 services of 4 servers.
void BM_SnapshotSwap(benchmark::State& state) {
  auto make = [] {
    auto t = std::make_unique<Setup>(FwdMethod::kNat);
    Service base = t->table.services[0];
    const auto servers = t->table.servers;
    t->table.services.clear();
    t->table.servers.clear();
    for (uint16_t i = 0; i < 64; ++i) {
      Service s = base;
      s.serviceId = i;
      s.port = static_cast<uint16_t>(1000 + i);
      s.firstServer = static_cast<uint32_t>(t->table.servers.size());
      t->table.services.push_back(s);
      for (RealServer rs : servers) {
        rs.destId = static_cast<uint16_t>(i * 4 + rs.destId);
        t->table.servers.push_back(rs);
      }
    }
    t->table.prepareWorkers(1);
    return t;
  };
  auto a = make(), b = make();
  Forwarder fwd(0, 1024, ConnTimeouts{});
  bool flip = false;
  for (auto _ : state) {
    fwd.setTable(flip ? &a->table : &b->table);
    flip = !flip;
  }
}
BENCHMARK(BM_SnapshotSwap);

}  // namespace

BENCHMARK_MAIN();
