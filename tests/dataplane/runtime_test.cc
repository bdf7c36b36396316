// The DPDK runtime end to end in one process: two ring ports stand in for
// the external and internal segments, four workers poll them, and the test
// injects frames and reads what the workers transmit. Checks steering
// (both directions of a NAT flow meet in one worker, a persistent client
// and its /24 meet one real server, flows spread over every worker),
// snapshot publishing
// under traffic (a weight change reaches the workers, old snapshots are
// reclaimed), the exception path both ways and named drops.
#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "controlplane/config/parser.h"
#include "controlplane/tables/table_builder.h"
#include "dataplane/eal.h"
#include "dataplane/parse.h"
#include "dataplane/runtime.h"
#include "tests/dataplane/packet_builder.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::checkChecksums;
using testing::ip;
using Clock = std::chrono::steady_clock;

constexpr unsigned kWorkers = 4;

// A ring-backed port: what the test enqueues on rx the port receives, what
// the workers send lands on one tx ring per worker.
struct RingPort {
  rte_ring* rx = nullptr;
  rte_ring* tx[kWorkers] = {};
  uint16_t id = 0;
  std::string name;

  explicit RingPort(const std::string& n) : name(n) {
    rx = rte_ring_create((n + "_rx").c_str(), 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    for (unsigned i = 0; i < kWorkers; ++i) {
      tx[i] = rte_ring_create((n + "_tx" + std::to_string(i)).c_str(), 4096, SOCKET_ID_ANY,
                              RING_F_SP_ENQ | RING_F_SC_DEQ);
    }
    const int port = rte_eth_from_rings(n.c_str(), &rx, 1, tx, kWorkers, SOCKET_ID_ANY);
    if (port < 0) throw std::runtime_error("cannot make ring port " + n);
    id = static_cast<uint16_t>(port);
    char dev[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(id, dev);
    name = dev;
  }

  // After the runtime closed the port.
  ~RingPort() {
    void* obj = nullptr;
    for (unsigned i = 0; i <= kWorkers; ++i) {
      rte_ring* r = i == kWorkers ? rx : tx[i];
      while (rte_ring_dequeue(r, &obj) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
      rte_ring_free(r);
    }
  }
};

std::string configText(int weight20, int weight21) {
  return R"(
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 80 {
        weight )" + std::to_string(weight20) + R"(
    }
    real_server 192.168.1.21 80 {
        weight )" + std::to_string(weight21) + R"(
    }
}
virtual_server 10.0.0.1 443 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    persistence_timeout 60
    persistence_granularity 255.255.255.0
    real_server 192.168.1.20 443
    real_server 192.168.1.21 443
}
dataplane {
    lcores 0-4
    conn_table_size 4096
    port eth0 {
        device ext
        address 10.0.0.2/24
        gateway 10.0.0.254
    }
    port eth1 {
        device int
        address 192.168.1.2/24
    }
    neighbor 10.0.0.254 lladdr 02:00:00:00:0c:01 dev eth0
    neighbor 192.168.1.20 lladdr 02:00:00:00:05:01 dev eth1
    neighbor 192.168.1.21 lladdr 02:00:00:00:05:02 dev eth1
}
)";
}

class RuntimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pool_ = rte_pktmbuf_pool_create("test_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    ASSERT_NE(pool_, nullptr);
  }

  // Ports live for one test: the runtime closes (and so releases) them.
  void SetUp() override {
    static int serial = 0;
    ++serial;
    ext_ = std::make_unique<RingPort>("ext" + std::to_string(serial));
    int_ = std::make_unique<RingPort>("int" + std::to_string(serial));
    config_ = parse(configText(1, 1));
    RuntimeSpec spec;
    spec.ports = {{"eth0", ext_->name, 1}, {"eth1", int_->name, 1}};
    spec.workerLcores = {1, 2, 3, 4};
    spec.connCapacity = 4096;
    rt_ = std::make_unique<Runtime>(spec);
    publish(config_);
    ASSERT_TRUE(rt_->publish(tables::buildNeighbours(config_, {})));
    rt_->startWorkers();
  }

  void TearDown() override {
    rt_.reset();
    ext_.reset();
    int_.reset();
  }

  static config::Config parse(const std::string& text) {
    auto r = config::parseString(text);
    EXPECT_TRUE(r.ok());
    return *r.config;
  }

  void publish(const config::Config& c) {
    std::vector<MacAddr> macs = {rt_->port(0).mac(), rt_->port(1).mac()};
    ASSERT_TRUE(rt_->publish(tables::buildTable(c, macs, ids_)));
  }

  // Puts a frame on a port's wire, addressed to the port's MAC.
  void inject(RingPort& p, unsigned portIndex, std::vector<uint8_t> frame, bool toPortMac = true) {
    if (toPortMac) std::copy(rt_->port(portIndex).mac().b.begin(), rt_->port(portIndex).mac().b.end(), frame.begin());
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    ASSERT_NE(m, nullptr);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(), frame.size());
    m->port = p.id;  // the ring PMD leaves it to the producer
    ASSERT_EQ(rte_ring_enqueue(p.rx, m), 0);
  }

  // Frames the workers sent on a port, waiting (bounded) for `want`.
  std::vector<std::vector<uint8_t>> collect(RingPort& p, std::size_t want) {
    std::vector<std::vector<uint8_t>> out;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (out.size() < want && Clock::now() < deadline) {
      for (rte_ring* r : p.tx) {
        void* obj = nullptr;
        while (rte_ring_dequeue(r, &obj) == 0) {
          auto* m = static_cast<rte_mbuf*>(obj);
          const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
          out.emplace_back(d, d + rte_pktmbuf_data_len(m));
          rte_pktmbuf_free(m);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return out;
  }

  uint64_t drops() const {
    uint64_t n = 0;
    for (unsigned w = 0; w < rt_->workerCount(); ++w) {
      for (const Counter& c : rt_->counters(w).drops) n += c.get();
    }
    return n;
  }

  // Client i: 172.16.i.1 behind the gateway, one /24 each (the table
  // steers by /24: a service has persistence_granularity 255.255.255.0).
  static std::string client(unsigned i) { return "172.16." + std::to_string(i % 256) + ".1"; }

  // SYNs from clients 0..count-1 (port first + i) to VIP port `port`;
  // returns the frames sent to real servers.
  std::vector<std::vector<uint8_t>> syns(uint16_t first, unsigned count, uint16_t port = 80) {
    for (unsigned i = 0; i < count; ++i) {
      inject(*ext_, 0,
             buildFrame({.src = {client(i), static_cast<uint16_t>(first + i)}, .dst = {"10.0.0.1", port},
                         .tcpFlags = kTcpSyn}));
    }
    return collect(*int_, count);
  }

  // SYNs from `from`, ports first.., to VIP port `port`: the real servers
  // they reached.
  std::set<std::string> serversReached(const std::string& from, uint16_t first, unsigned count, uint16_t port) {
    for (unsigned i = 0; i < count; ++i) {
      inject(*ext_, 0,
             buildFrame({.src = {from, static_cast<uint16_t>(first + i)}, .dst = {"10.0.0.1", port},
                         .tcpFlags = kTcpSyn}));
    }
    std::set<std::string> servers;
    for (const auto& f : collect(*int_, count)) {
      servers.insert(std::to_string(parsePacket(f.data(), static_cast<uint32_t>(f.size())).tuple.dst.b[3]));
    }
    return servers;
  }

  std::unique_ptr<RingPort> ext_;
  std::unique_ptr<RingPort> int_;
  static inline rte_mempool* pool_ = nullptr;
  config::Config config_;
  tables::IdRegistry ids_{kMaxServices, kMaxDests};
  std::unique_ptr<Runtime> rt_;
};

TEST_F(RuntimeTest, BothDirectionsOfNatFlowsMeetInTheirWorker) {
  constexpr unsigned kFlows = 64;
  const auto toServers = syns(10000, kFlows);
  ASSERT_EQ(toServers.size(), kFlows);
  std::map<std::string, unsigned> perServer;
  for (const auto& f : toServers) {
    EXPECT_EQ(checkChecksums(f), "");
    const ParsedPacket p = parsePacket(f.data(), static_cast<uint32_t>(f.size()));
    perServer[std::to_string(p.tuple.dst.b[3])]++;
    // The real server answers from itself to the client.
    char clientText[16];
    std::snprintf(clientText, sizeof clientText, "%u.%u.%u.%u", p.tuple.src.b[0], p.tuple.src.b[1], p.tuple.src.b[2],
                  p.tuple.src.b[3]);
    inject(*int_, 1,
           buildFrame({.src = {p.tuple.dst.b[3] == 20 ? "192.168.1.20" : "192.168.1.21", 80},
                       .dst = {clientText, p.tuple.srcPort},
                       .tcpFlags = kTcpSyn | kTcpAck}));
  }
  // Each worker runs its own rr: the split is even within one per worker.
  EXPECT_NEAR(perServer["20"], kFlows / 2, kWorkers);
  EXPECT_NEAR(perServer["21"], kFlows / 2, kWorkers);

  const auto toClient = collect(*ext_, kFlows);
  ASSERT_EQ(toClient.size(), kFlows);
  for (const auto& f : toClient) {
    EXPECT_EQ(checkChecksums(f), "");
    const ParsedPacket p = parsePacket(f.data(), static_cast<uint32_t>(f.size()));
    EXPECT_EQ(p.tuple.src, ip("10.0.0.1"));
    EXPECT_EQ(p.tuple.srcPort, 80);
  }
  // The flows spread over every worker, and each kept both directions.
  for (unsigned w = 0; w < kWorkers; ++w) EXPECT_GT(rt_->counters(w).connections.get(), 0u) << "worker " << w;
  EXPECT_EQ(drops(), 0u);
}

// catches: a persistent client's connections steered by port to several
// workers, each with its own template and so its own real server (the
// guide's section 2.5), or two clients of one persistence_granularity
// network split the same way.
TEST_F(RuntimeTest, APersistentClientAndItsNetworkMeetOneRealServer) {
  const std::set<std::string> first = serversReached("172.16.7.1", 40000, 30, 443);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(serversReached("172.16.7.200", 41000, 10, 443), first);
  // Other clients still spread: the service is rr between templates.
  std::set<std::string> all;
  for (unsigned i = 0; i < 8; ++i) {
    const auto s = serversReached("172.16." + std::to_string(100 + i) + ".1", 42000, 1, 443);
    all.insert(s.begin(), s.end());
  }
  EXPECT_EQ(all.size(), 2u);
  EXPECT_EQ(drops(), 0u);
}

TEST_F(RuntimeTest, WeightChangeReachesEveryWorkerWithoutPause) {
  ASSERT_EQ(syns(20000, 16).size(), 16u);
  auto allLoops = [&] {
    uint64_t n = 0;
    for (unsigned w = 0; w < kWorkers; ++w) n += rt_->workerLoops(w);
    return n;
  };
  const uint64_t loops0 = allLoops();

  publish(parse(configText(0, 1)));  // drain .20
  // Publishing is asynchronous: a worker takes the snapshot at the top of
  // its next loop.
  const auto taken = Clock::now() + std::chrono::seconds(5);
  while (!rt_->allTaken() && Clock::now() < taken) std::this_thread::yield();
  const auto after = syns(21000, 32);
  ASSERT_EQ(after.size(), 32u);
  for (const auto& f : after) {
    EXPECT_EQ(parsePacket(f.data(), static_cast<uint32_t>(f.size())).tuple.dst, ip("192.168.1.21"));
  }
  EXPECT_GT(allLoops(), loops0);

  // The superseded snapshot is freed once both workers moved past it.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  do {
    rt_->reclaim();
  } while (rt_->retiredSnapshots() != 0 && Clock::now() < deadline);
  EXPECT_EQ(rt_->retiredSnapshots(), 0u);
  EXPECT_EQ(drops(), 0u);
  // The pool the control plane reports: every buffer in use or free.
  const DataplaneHandle::PoolUse pool = rt_->packetPool();
  EXPECT_GT(pool.size, 0u);
  EXPECT_GT(pool.available, 0u);
  EXPECT_EQ(pool.inUse + pool.available, pool.size);
}

TEST_F(RuntimeTest, ExceptionsGoUpAndControlFramesGoOut) {
  // An ARP request for the router's address reaches the control plane.
  std::vector<uint8_t> arp(60, 0);
  const uint8_t head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0xc, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 1};
  std::copy(std::begin(head), std::end(head), arp.begin());
  inject(*ext_, 0, arp);
  std::vector<uint16_t> ports;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (ports.empty() && Clock::now() < deadline) {
    rt_->pollExceptions([&](uint16_t port, std::span<const uint8_t>) { ports.push_back(port); }, 16);
  }
  ASSERT_EQ(ports, std::vector<uint16_t>{0});

  // A frame the control plane sends leaves on the port it names.
  const std::vector<uint8_t> frame(64, 0xAB);
  ASSERT_TRUE(rt_->send(1, frame));
  const auto out = collect(*int_, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame);
}

// A VRRP advert as the wire carries it: 224.0.0.18, TTL 255, protocol 112.
std::vector<uint8_t> vrrpFrame() {
  std::vector<uint8_t> f = {0x01, 0x00, 0x5e, 0, 0, 0x12, 2, 0, 0, 0, 0x0c, 0x02, 0x08, 0x00,
                            0x45, 0xc0, 0, 40, 0, 1, 0, 0, 255, 112, 0, 0, 10, 0, 0, 3, 224, 0, 0, 18};
  f.resize(14 + 40, 0);
  f[14 + 20] = 0x21;  // VRRPv2 advertisement; the rest is the control plane's to judge
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(f[14 + i] << 8 | f[14 + i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  f[14 + 10] = static_cast<uint8_t>(~sum >> 8);
  f[14 + 11] = static_cast<uint8_t>(~sum);
  return f;
}

// A flood of ARP fills the exception ring; a VRRP advert behind it still
// reaches the control plane, and first.
TEST_F(RuntimeTest, VrrpAdvertsPassAFloodOnTheExceptionPath) {
  std::vector<uint8_t> arp(60, 0);
  const uint8_t head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0xc, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 1};
  std::copy(std::begin(head), std::end(head), arp.begin());
  auto ringFull = [&] {
    uint64_t n = 0;
    for (unsigned w = 0; w < rt_->workerCount(); ++w) {
      n += rt_->counters(w).drops[static_cast<std::size_t>(DropReason::kExceptionRingFull)].get();
    }
    return n;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (ringFull() == 0 && Clock::now() < deadline) {
    for (int i = 0; i < 256 && rte_ring_free_count(ext_->rx) > 0; ++i) inject(*ext_, 0, arp, false);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_GT(ringFull(), 0u) << "the flood did not fill the exception ring";
  inject(*ext_, 0, vrrpFrame(), false);
  while (rte_ring_count(ext_->rx) > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the worker's last burst
  std::vector<uint16_t> etherTypes;
  rt_->pollExceptions([&](uint16_t, std::span<const uint8_t> f) { etherTypes.push_back(f[12] << 8 | f[13]); }, 1);
  ASSERT_EQ(etherTypes.size(), 2u);
  EXPECT_EQ(etherTypes[0], 0x0800);  // the advert, ahead of the ARP flood
  EXPECT_EQ(etherTypes[1], 0x0806);
}

TEST_F(RuntimeTest, StrayAckAndUnknownMacAreNamedDrops) {
  inject(*ext_, 0, buildFrame({.src = {"10.0.0.101", 30000}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck}));
  auto other = buildFrame({.src = {"10.0.0.101", 30001}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpSyn});
  inject(*ext_, 0, other);
  // A SYN for another host's MAC address.
  std::vector<uint8_t> foreign = buildFrame({.src = {"10.0.0.101", 30002}, .dst = {"10.0.0.1", 80}});
  const uint8_t elsewhere[6] = {2, 0, 0, 0, 0x99, 0x99};
  std::copy(std::begin(elsewhere), std::end(elsewhere), foreign.begin());
  inject(*ext_, 0, foreign, false);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  auto count = [&](DropReason r) {
    uint64_t n = 0;
    for (unsigned w = 0; w < kWorkers; ++w) n += rt_->counters(w).drops[static_cast<std::size_t>(r)].get();
    return n;
  };
  while ((count(DropReason::kNoConnection) == 0 || count(DropReason::kOtherHost) == 0) &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(count(DropReason::kNoConnection), 1u);
  EXPECT_EQ(count(DropReason::kOtherHost), 1u);
  EXPECT_EQ(collect(*int_, 1).size(), 1u);  // the SYN to our MAC went through
}

}  // namespace
}  // namespace sluice::dp

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Five lcores floating over the first two CPUs: the main one and four
  // workers, whatever the machine has.
  sluice::dp::Eal eal({"runtime_test", "--lcores", "(0-4)@(0,1)", "--main-lcore", "0", "--no-huge", "-m", "512",
                       "--no-pci", "--file-prefix", "sluice-runtime-test", "--no-telemetry", "--log-level",
                       "*:warning"});
  return RUN_ALL_TESTS();
}
