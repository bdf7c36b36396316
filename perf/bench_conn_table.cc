// The connection table at the sizes the speed targets name: lookups that
// hit and that miss at 1M and 10M live IPv4 connections, and new-flow
// setup (insert one, the sweep of another) at a steady 10M. Keys are drawn
// at random, so every lookup pays for its cache misses as a real flood of
// clients would. Run by hand: build/perf/bench_conn_table.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "dataplane/conn_table.h"

namespace {

using sluice::dp::Addr4;
using sluice::dp::ConnTable;
using sluice::dp::kProtoTcp;

constexpr std::size_t kProbeKeys = 1 << 20;  // random keys looked up in turn

struct Key {
  Addr4 client;
  uint16_t port;
};

Key keyOf(uint64_t n) { return Key{Addr4{static_cast<uint32_t>(0x0A000000u + (n >> 16))}, static_cast<uint16_t>(n)}; }

const Addr4 kVip{0x0100000Au};
const Addr4 kServer{0x1401A8C0u};

// A table of `size` live NAT connections (both tuples indexed), built once
// per size and shared by the benchmarks of that size.
ConnTable<Addr4>& tableOf(uint32_t size) {
  static std::unique_ptr<ConnTable<Addr4>> table;
  static uint32_t built = 0;
  if (built != size) {
    table.reset();
    table = std::make_unique<ConnTable<Addr4>>(size);
    for (uint32_t i = 0; i < size; ++i) {
      const Key k = keyOf(i);
      table->insert(k.client, k.port, kVip, 80, kServer, 80, kProtoTcp, true, [](auto&) {});
    }
    built = size;
  }
  return *table;
}

std::vector<Key> randomKeys(uint64_t from, uint64_t to) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<uint64_t> pick(from, to - 1);
  std::vector<Key> keys(kProbeKeys);
  for (Key& k : keys) k = keyOf(pick(rng));
  return keys;
}

void BM_LookupHit(benchmark::State& state) {
  const auto size = static_cast<uint32_t>(state.range(0));
  ConnTable<Addr4>& t = tableOf(size);
  const std::vector<Key> keys = randomKeys(0, size);
  std::size_t i = 0;
  for (auto _ : state) {
    const Key& k = keys[i++ & (kProbeKeys - 1)];
    benchmark::DoNotOptimize(t.lookup(k.client, k.port, kVip, 80, kProtoTcp).conn);
  }
}

// Lookups in bursts of 32 as a worker sees them, with the burst prefetch:
// every index line of the burst first, then every entry, then the lookups.
void BM_LookupHitBurstPrefetch(benchmark::State& state) {
  const auto size = static_cast<uint32_t>(state.range(0));
  ConnTable<Addr4>& t = tableOf(size);
  const std::vector<Key> keys = randomKeys(0, size);
  constexpr std::size_t kBurst = 32;
  uint32_t hashes[kBurst];
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t base = i;
    i += kBurst;
    for (std::size_t k = 0; k < kBurst; ++k) {
      const Key& key = keys[(base + k) & (kProbeKeys - 1)];
      hashes[k] = t.hash(key.client, key.port, kVip, 80, kProtoTcp);
      t.prefetchIndex(hashes[k]);
    }
    for (std::size_t k = 0; k < kBurst; ++k) t.prefetchEntry(hashes[k]);
    for (std::size_t k = 0; k < kBurst; ++k) {
      const Key& key = keys[(base + k) & (kProbeKeys - 1)];
      benchmark::DoNotOptimize(t.lookup(key.client, key.port, kVip, 80, kProtoTcp).conn);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
}

// The same bursts without the prefetch, as the reference.
void BM_LookupHitBurst(benchmark::State& state) {
  const auto size = static_cast<uint32_t>(state.range(0));
  ConnTable<Addr4>& t = tableOf(size);
  const std::vector<Key> keys = randomKeys(0, size);
  constexpr std::size_t kBurst = 32;
  std::size_t i = 0;
  for (auto _ : state) {
    for (std::size_t k = 0; k < kBurst; ++k) {
      const Key& key = keys[(i + k) & (kProbeKeys - 1)];
      benchmark::DoNotOptimize(t.lookup(key.client, key.port, kVip, 80, kProtoTcp).conn);
    }
    i += kBurst;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
}

void BM_LookupMiss(benchmark::State& state) {
  const auto size = static_cast<uint32_t>(state.range(0));
  ConnTable<Addr4>& t = tableOf(size);
  const std::vector<Key> keys = randomKeys(uint64_t{size}, uint64_t{size} * 2);
  std::size_t i = 0;
  for (auto _ : state) {
    const Key& k = keys[i++ & (kProbeKeys - 1)];
    benchmark::DoNotOptimize(t.lookup(k.client, k.port, kVip, 80, kProtoTcp).conn);
  }
}

// New flows into a full table: each iteration inserts a new connection,
// evicting the oldest embryonic one (the table's SYN-flood path), so the
// table stays at `size`.
void BM_NewFlowIntoAFullTable(benchmark::State& state) {
  const auto size = static_cast<uint32_t>(state.range(0));
  ConnTable<Addr4> t(size);
  uint64_t n = 0;
  for (; n < size; ++n) {
    const Key k = keyOf(n);
    auto* c = t.insert(k.client, k.port, kVip, 80, kServer, 80, kProtoTcp, true, [](auto&) {});
    t.markEmbryonic(*c);
  }
  for (auto _ : state) {
    const Key k = keyOf(n++);
    auto* c = t.insert(k.client, k.port, kVip, 80, kServer, 80, kProtoTcp, true, [](auto&) {});
    t.markEmbryonic(*c);
    benchmark::DoNotOptimize(c);
  }
}

constexpr int64_t k1M = 1 << 20;
constexpr int64_t k10M = 10 * (1 << 20);

BENCHMARK(BM_LookupHit)->Arg(k1M)->Arg(k10M)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_LookupHitBurst)->Arg(k1M)->Arg(k10M)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_LookupHitBurstPrefetch)->Arg(k1M)->Arg(k10M)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_LookupMiss)->Arg(k1M)->Arg(k10M)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_NewFlowIntoAFullTable)->Arg(k1M)->Arg(k10M)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
