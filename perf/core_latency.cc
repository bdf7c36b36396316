// The round trip of one cache line between two CPUs, in nanoseconds: what
// every frame over a memif link between the generator's core and the
// device's core pays (the ring and the buffer move between the two caches).
// On this kind of VM it is not a constant: the host places the two vCPUs
// near each other or apart, and the round trip moves between about 60 and
// about 350 ns, at random moments. scripts/bench measures it before and
// after every run, so that runs are compared within one placement.
//
//   build/perf/core-latency [CPU_A CPU_B [ROUND_TRIPS]]    (default 0 1 200000)
//
// Prints the mean round trip in ns; exit status 1 when a CPU cannot be
// used or the other side stops answering (each wait is bounded).
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

struct alignas(64) Line {
  std::atomic<uint64_t> value{0};
};

bool pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Spins until the line holds `want`; false after about a second without it.
bool await(const Line& line, uint64_t want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (unsigned spins = 0; line.value.load(std::memory_order_acquire) != want; ++spins) {
    if ((spins & 0xFFFF) == 0 && std::chrono::steady_clock::now() > deadline) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int a = argc > 2 ? std::atoi(argv[1]) : 0;
  const int b = argc > 2 ? std::atoi(argv[2]) : 1;
  const long trips = argc > 3 ? std::atol(argv[3]) : 200000;
  if (trips <= 0) {
    std::fprintf(stderr, "core-latency: round trips must be positive\n");
    return 1;
  }
  Line line;
  std::atomic<bool> failed{false};
  std::thread other([&] {
    if (!pin(b)) {
      failed = true;
      return;
    }
    for (long i = 0; i < trips; ++i) {
      if (!await(line, 2 * static_cast<uint64_t>(i) + 1)) {
        failed = true;
        return;
      }
      line.value.store(2 * static_cast<uint64_t>(i) + 2, std::memory_order_release);
    }
  });
  if (!pin(a)) {
    std::fprintf(stderr, "core-latency: cannot run on CPU %d\n", a);
    failed = true;
  }
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < trips && !failed; ++i) {
    line.value.store(2 * static_cast<uint64_t>(i) + 1, std::memory_order_release);
    if (!await(line, 2 * static_cast<uint64_t>(i) + 2)) failed = true;
  }
  const auto end = std::chrono::steady_clock::now();
  if (failed) line.value.store(~uint64_t{0});  // whatever the other side waits for, it ends by its deadline
  other.join();
  if (failed) {
    std::fprintf(stderr, "core-latency: CPUs %d and %d did not complete the round trips\n", a, b);
    return 1;
  }
  std::printf("%.1f\n", std::chrono::duration<double, std::nano>(end - start).count() / static_cast<double>(trips));
  return 0;
}
