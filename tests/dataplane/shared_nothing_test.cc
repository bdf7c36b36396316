// Shared nothing, checked without timing: two workers run the per-packet
// path (steering, then the Forwarder) in two threads over one snapshot
// whose shared part lives in pages mapped read-only. A write to shared
// state by either worker faults at once, whatever the interleaving; a race
// detector or a timed run would only catch one when the threads collide.
//
// The snapshot's memory comes from an arena: while a thread has it
// switched on, this executable's operator new allocates there. The
// per-worker rows (schedulers, destination views) are built with it off,
// because each worker writes its own row.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/forwarder.h"
#include "dataplane/steering.h"
#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace {

constexpr std::size_t kArenaBytes = 8u << 20;
uint8_t* gArena = nullptr;
std::atomic<std::size_t> gArenaUsed{0};
thread_local bool tInArena = false;

bool inArena(const void* p) {
  const auto* b = static_cast<const uint8_t*>(p);
  return gArena != nullptr && b >= gArena && b < gArena + kArenaBytes;
}

void* allocate(std::size_t n, std::size_t align) {
  if (tInArena) {
    std::size_t at = gArenaUsed.load();
    at = (at + align - 1) / align * align;
    if (at + n > kArenaBytes) throw std::bad_alloc();
    gArenaUsed = at + n;
    return gArena + at;
  }
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                              : std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void release(void* p) {
  if (!inArena(p)) std::free(p);  // arena memory is never reused
}

// The arena, switched on for this thread while it lives.
struct ArenaScope {
  ArenaScope() { tInArena = true; }
  ~ArenaScope() { tInArena = false; }
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;
};

void protectArena(int prot) {
  ASSERT_EQ(mprotect(gArena, kArenaBytes, prot), 0) << std::strerror(errno);
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n, alignof(std::max_align_t)); }
void* operator new[](std::size_t n) { return allocate(n, alignof(std::max_align_t)); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a)); }
// The nothrow forms too (std::get_temporary_buffer uses them): every new
// of this executable pairs with the deletes below.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n, alignof(std::max_align_t));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }

namespace sluice::dp {
namespace {

using testing::address;
using testing::buildFrame;
using testing::FrameSpec;
using testing::kExt;
using testing::kInt;
using testing::Lab;

constexpr int kClients = 40;

std::string client(int i) { return "10.0.0." + std::to_string(101 + i); }

// The lab's table with an rr NAT service, a persistent one and a UDP one,
// every client a neighbour; shared parts in the arena, per-worker rows not.
std::unique_ptr<Lab> buildSnapshot() {
  std::unique_ptr<Lab> lab;
  {
    ArenaScope arena;
    lab = std::make_unique<Lab>();
    lab->addService("10.0.0.10", 80, 6, {1, 1, 1, 1});
    lab->addService("10.0.0.11", 443, 6, {1, 1, 1}).persistenceMs = 300000;
    lab->addService("10.0.0.12", 53, 17, {1, 1});
    lab->table->ownedVips = {testing::prefix("10.0.0.10", 32), testing::prefix("10.0.0.11", 32),
                             testing::prefix("10.0.0.12", 32)};
    for (int i = 2; i < kClients; ++i)
      lab->neighbours.add(Neighbour{address(client(i)), kExt, testing::mac(0x40)});
  }
  lab->table->prepareWorkers(2);
  ArenaScope arena;  // the fingerprints are shared: moved into the arena
  lab->table->schedulerKeys = std::vector<uint64_t>(lab->table->schedulerKeys);
  return lab;
}

FrameSpec spec(const std::string& src, uint16_t srcPort, const std::string& dst, uint16_t dstPort, uint8_t proto = 6,
               uint8_t tcpFlags = 0x02) {
  FrameSpec s;
  s.src = {src, srcPort};
  s.dst = {dst, dstPort};
  s.proto = proto;
  s.tcpFlags = tcpFlags;
  return s;
}

// The IPv4 destination of a rewritten frame.
std::string destinationOf(const std::vector<uint8_t>& frame) {
  const uint8_t* d = frame.data() + 14 + 16;
  return std::to_string(d[0]) + "." + std::to_string(d[1]) + "." + std::to_string(d[2]) + "." + std::to_string(d[3]);
}

struct WorkerRun {
  unsigned packets = 0;
  std::vector<std::string> failures;
};

// One worker: for every client steered to it, a connection's three
// packets each way through the first snapshot, then the second snapshot
// for the persistent and UDP services. Replies must steer to it too.
void runWorker(unsigned self, Forwarder& f, Lab& first, Lab& second, WorkerRun& out) {
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) out.failures.push_back("worker " + std::to_string(self) + ": " + what);
  };
  // Sends one frame through steering and the forwarder; returns it rewritten.
  auto pass = [&](FrameSpec spec, const std::string& what, uint16_t egress) {
    std::vector<uint8_t> frame = buildFrame(spec);
    const ParsedPacket p = parsePacket(frame.data(), static_cast<uint32_t>(frame.size()));
    expect(steerWorker(*f.table(), p, self, 2) == self, what + " steered away");
    const Verdict v = f.process(frame.data(), static_cast<uint32_t>(frame.size()), 1000);
    expect(v.kind == Verdict::Kind::kTransmit && v.port == egress, what + " not forwarded");
    ++out.packets;
    return frame;
  };
  f.setTable(first.table.get());
  f.setNeighbours(&first.neighbours);
  for (int i = 0; i < kClients; ++i) {
    FrameSpec syn = spec(client(i), static_cast<uint16_t>(40000 + i), "10.0.0.10", 80);
    {
      std::vector<uint8_t> frame = buildFrame(syn);
      if (steerWorker(*f.table(), parsePacket(frame.data(), static_cast<uint32_t>(frame.size())), self, 2) != self)
        continue;
    }
    const std::string name = client(i);
    const std::string server = destinationOf(pass(syn, name + " SYN", kInt));
    const FrameSpec synAck = spec(server, 80, name, static_cast<uint16_t>(40000 + i), 6, 0x12);
    pass(synAck, name + " SYN-ACK", kExt);
    syn.tcpFlags = 0x10;
    pass(syn, name + " ACK", kInt);
  }
  // A snapshot switch keeps the schedulers (moved between per-worker rows).
  f.setTable(second.table.get());
  f.setNeighbours(&second.neighbours);
  for (int i = 0; i < kClients; ++i) {
    FrameSpec https = spec(client(i), 50000, "10.0.0.11", 443);
    std::vector<uint8_t> frame = buildFrame(https);
    if (steerWorker(*f.table(), parsePacket(frame.data(), static_cast<uint32_t>(frame.size())), self, 2) != self)
      continue;
    const std::string server = destinationOf(pass(https, client(i) + " persistent", kInt));
    https.src.port = 50001;
    expect(destinationOf(pass(https, client(i) + " second", kInt)) == server, client(i) + " left its server");
    pass(spec(client(i), 5353, "10.0.0.12", 53, 17), client(i) + " UDP", kInt);
  }
}

TEST(SharedNothing, ArenaPagesFaultOnWrite) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::unique_ptr<Lab> lab = buildSnapshot();
  protectArena(PROT_READ);
  EXPECT_DEATH(lab->table->version = 7, "");
  protectArena(PROT_READ | PROT_WRITE);
}

TEST(SharedNothing, TwoWorkersNeverWriteTheSnapshot) {
  std::unique_ptr<Lab> first = buildSnapshot();
  std::unique_ptr<Lab> second = buildSnapshot();
  ConnTimeouts timeouts;
  std::vector<std::unique_ptr<Forwarder>> forwarders;
  for (unsigned w = 0; w < 2; ++w) forwarders.push_back(std::make_unique<Forwarder>(w, 1024, timeouts));
  std::vector<WorkerRun> runs(2);
  protectArena(PROT_READ);
  {
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < 2; ++w)
      threads.emplace_back(runWorker, w, std::ref(*forwarders[w]), std::ref(*first), std::ref(*second),
                           std::ref(runs[w]));
    for (std::thread& t : threads) t.join();
  }
  protectArena(PROT_READ | PROT_WRITE);
  for (unsigned w = 0; w < 2; ++w) {
    for (const std::string& failure : runs[w].failures) ADD_FAILURE() << failure;
    // Both workers carried traffic: the hash splits the 40 clients.
    EXPECT_GT(runs[w].packets, 20u) << "worker " << w;
    EXPECT_GT(forwarders[w]->counters().connections.get(), 5u) << "worker " << w;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(forwarders[w].get()) % kCacheLine, 0u);
  }
  EXPECT_EQ(runs[0].packets + runs[1].packets, kClients * 3u + kClients * 3u);
}

}  // namespace
}  // namespace sluice::dp

int main(int argc, char** argv) {
  gArena = static_cast<uint8_t*>(
      mmap(nullptr, kArenaBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (gArena == MAP_FAILED) return 1;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
