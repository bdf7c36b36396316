// Fuzz target: the packet path a worker runs on every frame, on real DPDK
// mbufs: parsePacket, the steering hash and Forwarder::process (classify,
// connection table, scheduling, NAT/DR rewrite, next hop) against a table
// built from a keepalived.conf by the table builder, as sluiced does.
//
// Each mbuf carries an external buffer allocated at exactly the frame's
// length, so AddressSanitizer sees any read or write past the frame (an
// mbuf from a pool would hide it in its spare room).
//
// Input: up to kMaxFrames records [control][length: 2 bytes BE][frame].
// control bit 0: the frame arrives on the internal port (else external);
// bits 1..7: milliseconds x 256 the clock advances first, so connections
// and persistence templates expire within one input.
//
// Besides what the sanitizers catch, it checks the data plane's promises:
// a frame it transmits still parses (headers and IPv4 checksum intact after
// a rewrite) and leaves on a port that exists; a drop names a reason.
#include <rte_eal.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/config/parser.h"
#include "controlplane/tables/table_builder.h"
#include "dataplane/forwarder.h"
#include "dataplane/parse.h"
#include "dataplane/steering.h"

namespace {

using namespace sluice;

constexpr unsigned kMaxFrames = 16;
constexpr uint32_t kConnCapacity = 256;

// Every kind of service the forwarder handles: NAT over TCP, UDP and SCTP,
// FTP (its control connection read by the helper), IPv6, DR, persistence
// with a granularity, a fwmark over a port range with persistence, a sorry
// server, and routes on both ports.
constexpr const char* kConfig = R"(
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 80 { weight 1 }
    real_server 192.168.1.21 8080 { weight 2 }
}
virtual_server 10.0.0.1 53 {
    lb_algo wrr
    lb_kind NAT
    protocol UDP
    client_max_connections 3
    client_max_rate 10
    client_prefix_v4 24
    real_server 192.168.1.20 53 { weight 3 }
    real_server 192.168.1.21 53 { weight 1 }
}
virtual_server 10.0.0.1 21 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 21 { }
}
virtual_server 10.0.0.1 36412 {
    lb_algo sh
    lb_kind NAT
    protocol SCTP
    real_server 192.168.1.22 36412 { }
}
virtual_server 10.0.0.3 443 {
    lb_algo wlc
    lb_kind DR
    protocol TCP
    real_server 192.168.1.22 443 { }
    real_server 192.168.1.23 443 { }
}
virtual_server 10.0.0.10 22 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    persistence_timeout 5
    persistence_granularity 255.255.255.0
    real_server 192.168.1.20 22 { }
    real_server 192.168.1.23 22 { }
}
virtual_server 10.0.0.12 80 {
    lb_algo sed
    lb_kind NAT
    protocol TCP
    sorry_server 192.168.1.30 80
    real_server 192.168.1.24 80 { weight 0 }
}
virtual_server fwmark 5 {
    lb_algo rr
    lb_kind NAT
    persistence_timeout 3
    real_server 192.168.1.22 { }
    real_server 192.168.1.23 { }
}
virtual_server fd00:10::1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    persistence_timeout 2
    real_server fd00:192:168:1::20 80 { }
    real_server fd00:192:168:1::21 80 { }
}
virtual_server fd00:10::1 53 {
    lb_algo rr
    lb_kind DR
    protocol UDP
    real_server fd00:192:168:1::22 53 { }
}
dataplane {
    lcores 0-1
    conn_table_size 1024
    port eth0 {
        device net_null0
        address 10.0.0.2/24
        address fd00:10::2/64
    }
    port eth1 {
        device net_null1
        address 192.168.1.2/24
        address fd00:192:168:1::2/64
    }
    route 0.0.0.0/0 via 10.0.0.254 dev eth0
    fwmark 5 {
        match 10.0.0.11/32 tcp 80,7000-7010
        match 10.0.0.11/32 udp 5000-5001
    }
    neighbor 10.0.0.254 lladdr 02:00:00:00:0a:fe dev eth0
    neighbor 10.0.0.101 lladdr 02:00:00:00:0a:65 dev eth0
    neighbor fd00:10::101 lladdr 02:00:00:00:0a:65 dev eth0
    neighbor 192.168.1.20 lladdr 02:00:00:00:01:20 dev eth1
    neighbor 192.168.1.21 lladdr 02:00:00:00:01:21 dev eth1
    neighbor 192.168.1.22 lladdr 02:00:00:00:01:22 dev eth1
    neighbor 192.168.1.23 lladdr 02:00:00:00:01:23 dev eth1
    neighbor 192.168.1.30 lladdr 02:00:00:00:01:30 dev eth1
    neighbor fd00:192:168:1::20 lladdr 02:00:00:00:01:20 dev eth1
    neighbor fd00:192:168:1::21 lladdr 02:00:00:00:01:21 dev eth1
}
)";

// The ports' MACs; frames in the corpus are addressed to them.
const dp::MacAddr kPortMacs[] = {dp::MacAddr{{0x02, 0, 0, 0, 0, 0xE0}}, dp::MacAddr{{0x02, 0, 0, 0, 0, 0xE1}}};

struct World {
  config::Config config;
  rte_mempool* pool = nullptr;
  std::unique_ptr<dp::ForwardingTable> table;  // its schedulers are made afresh for each input
  std::unique_ptr<dp::NeighbourSet> neighbours;
};
World* world = nullptr;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "packet_fuzz: %s\n", what);
  std::abort();
}

void noFree(void*, void*) {}

// An mbuf whose data is exactly `frame`, copied into a buffer of that size.
struct ExactMbuf {
  std::unique_ptr<uint8_t[]> buffer;
  rte_mbuf_ext_shared_info shinfo{};
  rte_mbuf* m = nullptr;

  ExactMbuf(const uint8_t* frame, uint16_t len) : buffer(new uint8_t[len == 0 ? 1 : len]) {
    std::copy(frame, frame + len, buffer.get());
    m = rte_pktmbuf_alloc(world->pool);
    if (m == nullptr) broken("mbuf pool empty");
    shinfo.free_cb = noFree;
    shinfo.fcb_opaque = nullptr;
    rte_mbuf_ext_refcnt_set(&shinfo, 1);
    rte_pktmbuf_attach_extbuf(m, buffer.get(), RTE_BAD_IOVA, len, &shinfo);
    m->data_off = 0;
    m->data_len = len;
    m->pkt_len = len;
  }
  ~ExactMbuf() { rte_pktmbuf_free(m); }
  ExactMbuf(const ExactMbuf&) = delete;
  ExactMbuf& operator=(const ExactMbuf&) = delete;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // One lcore, no hugepages, no files shared with other processes: fuzzers
  // may run side by side.
  const std::string prefix = "sluice-fuzz-" + std::to_string(::getpid());
  std::vector<std::string> args = {"packet_fuzz", "-l", "0", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
                                   "--file-prefix", prefix, "--no-telemetry", "--log-level", "*:error"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) broken("cannot start the EAL");
  // Nothing is shared with other processes (--no-shconf): the runtime
  // directory DPDK made for this prefix is not needed; leave none behind.
  std::error_code ignored;
  std::filesystem::remove_all(rte_eal_get_runtime_dir(), ignored);
  world = new World;
  world->pool = rte_pktmbuf_pool_create("fuzz_mbufs", 63, 0, 0, 0, SOCKET_ID_ANY);
  if (world->pool == nullptr) broken("cannot create the mbuf pool");
  auto parsed = config::parseString(kConfig, "packet_fuzz.conf");
  if (!parsed.ok()) broken(parsed.diagnostics.at(0).toString().c_str());
  world->config = *parsed.config;
  tables::IdRegistry ids{dp::kMaxServices, dp::kMaxDests};
  world->table = tables::buildTable(world->config, kPortMacs, ids);
  world->neighbours = tables::buildNeighbours(world->config, {});
  return 0;
}

namespace {

// The worker's part for held fragments: replay (each must be sent, go to
// the control plane or be dropped, never held again) or let go.
void settleHeld(dp::Forwarder& fwd, std::vector<std::vector<uint8_t>>& held, std::size_t ports) {
  for (const dp::HeldOutcome& o : fwd.heldOutcomes()) {
    if (o.slot >= held.size() || held[o.slot].empty()) broken("an outcome for a slot holding nothing");
    std::vector<uint8_t> frame = std::move(held[o.slot]);
    held[o.slot].clear();
    if (!o.replay) {
      fwd.dropHeld(o);
      continue;
    }
    const dp::Verdict v = fwd.replayHeld(o.slot, frame.data(), static_cast<uint32_t>(frame.size()), 0);
    if (v.kind == dp::Verdict::Kind::kHold) broken("a replayed fragment held again");
    if (v.kind == dp::Verdict::Kind::kTransmit && v.port >= ports) broken("a replay on a port that does not exist");
  }
  fwd.clearHeldOutcomes();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Fresh schedulers and a fresh forwarder: an input replays alone as it ran.
  dp::ForwardingTable* table = world->table.get();
  table->prepareWorkers(1);
  dp::Forwarder fwd(0, kConnCapacity, tables::timeoutsOf(world->config));
  fwd.setTable(table);
  fwd.setNeighbours(world->neighbours.get());

  uint32_t now = 1'000;
  std::vector<std::vector<uint8_t>> held(dp::Forwarder::kHoldSlots);  // the frames of held fragments
  std::size_t off = 0;
  for (unsigned n = 0; n < kMaxFrames && off + 3 <= size; ++n) {
    const uint8_t control = data[off];
    const std::size_t want = (std::size_t{data[off + 1]} << 8) | data[off + 2];
    off += 3;
    const auto len = static_cast<uint16_t>(std::min(want, size - off));
    ExactMbuf mbuf(data + off, len);
    off += len;
    now += static_cast<uint32_t>(control >> 1) * 256;
    const uint16_t rxPort = control & 1;

    uint8_t* frame = rte_pktmbuf_mtod(mbuf.m, uint8_t*);
    const uint32_t frameLen = rte_pktmbuf_data_len(mbuf.m);
    const dp::ParsedPacket before = dp::parsePacket(frame, frameLen);
    if (dp::steerWorker(*table, before, 0, 2) >= 2) broken("steering picked a worker that does not exist");
    const dp::Verdict v = fwd.process(frame, frameLen, now, rxPort);
    switch (v.kind) {
      case dp::Verdict::Kind::kTransmit: {
        if (v.port >= table->ports.size()) broken("transmit on a port that does not exist");
        const dp::ParsedPacket after = dp::parsePacket(frame, frameLen);
        if (after.kind != before.kind) broken("a transmitted frame no longer parses as it did");
        break;
      }
      case dp::Verdict::Kind::kDrop:
        if (v.reason >= dp::DropReason::kCount) broken("a drop without a reason");
        break;
      case dp::Verdict::Kind::kException:
        if (before.kind == dp::PacketKind::kDrop) broken("a malformed frame went to the control plane");
        break;
      case dp::Verdict::Kind::kHold:
        if ((before.flags & dp::kFlagFragment) == 0 || v.holdSlot >= dp::Forwarder::kHoldSlots) {
          broken("a hold of something not a fragment, or in no slot");
        }
        if (!held[v.holdSlot].empty()) broken("a hold in a slot already holding a frame");
        held[v.holdSlot].assign(frame, frame + frameLen);
        break;
    }
    if ((n & 3) == 3) fwd.sweep(now, 64);
    settleHeld(fwd, held, table->ports.size());
  }
  return 0;
}
