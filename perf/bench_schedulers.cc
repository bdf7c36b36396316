// Cost of one pick() for every scheduler at 8, 64 and 1024 servers, over a
// rotating set of flows (so the hashing and locality schedulers see many
// keys) and static, uneven loads. Run: build/perf/bench_schedulers
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "schedulers/scheduler.h"

namespace {

using sluice::sched::Destination;
using sluice::sched::FlowKey;

constexpr size_t kFlows = 4096;  // a power of two; fits the lblc/lblcr tables

sluice::wire::IpAddress ipv4(uint32_t host) { return sluice::wire::IpAddress::fromV4(host); }

std::vector<Destination> servers(size_t n, std::mt19937& rng) {
  std::vector<Destination> dests(n);
  for (size_t i = 0; i < n; ++i) {
    dests[i].addr = ipv4(0x0a000000 + static_cast<uint32_t>(i) + 1);
    dests[i].port = 80;
    dests[i].weight = static_cast<int32_t>(1 + rng() % 10);
    // Busy servers: none idle, so nq scans them all, and most above their
    // weight, so lblc/lblcr also pay for their overload check.
    dests[i].activeConns = 1 + rng() % 100;
    dests[i].inactiveConns = rng() % 1000;
  }
  return dests;
}

std::vector<FlowKey> flows(std::mt19937& rng) {
  std::vector<FlowKey> out(kFlows);
  for (FlowKey& f : out) {
    f.src = ipv4(static_cast<uint32_t>(rng()));
    f.dst = ipv4(0xc6330000 + static_cast<uint32_t>(rng() % kFlows));
    f.srcPort = static_cast<uint16_t>(1024 + rng() % 60000);
    f.dstPort = 80;
    f.protocol = 6;
  }
  return out;
}

void pickCost(benchmark::State& state, std::string_view name) {
  std::mt19937 rng(42);
  const auto dests = servers(static_cast<size_t>(state.range(0)), rng);
  const auto keys = flows(rng);
  sluice::sched::SchedulerOptions options;
  options.fallback = true;
  auto scheduler = sluice::sched::makeScheduler(name, options);
  scheduler->update(dests);

  uint64_t nowMs = 0;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(scheduler->pick(dests, keys[i & (kFlows - 1)], nowMs));
    ++i;
    nowMs += i % 64 == 0;  // about a millisecond per 64 new flows
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  for (std::string_view name : sluice::sched::schedulerNames()) {
    benchmark::RegisterBenchmark(("pick/" + std::string(name)).c_str(), pickCost, name)
        ->Arg(8)
        ->Arg(64)
        ->Arg(1024);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
