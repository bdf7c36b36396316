// Between the workers' connection records and the sync protocol's entries,
// on a forwarding table built from the same services the kernel vectors
// (tests/sync/vectors/kernel_v1.json) were captured with: every entry the
// real kernel sent maps to a record of this table's ids and back to the
// very same entry, and the mapped entries re-encode to the kernel's bytes.
// Then what a peer with another configuration sends (no such service or
// real server), firewall-mark templates, and records of an older table.
#include "controlplane/connsync/entry_mapping.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controlplane/tables/table_builder.h"
#include "sync/message.h"
#include "tests/accepted_config.h"
#include "tests/sync/kernel_vectors.h"
#include "tests/sync/test_support.h"

namespace sluice::connsync {
namespace {

using json = nlohmann::json;
using sync::test::fromHex;
using sync::test::ip;
using sync::test::toHex;
using sync::test::vectorsDir;

// The capture's services (capture_vectors.sh): ipvsadm -A -t 10.0.0.1:80 -s
// rr, -t 10.0.0.1:7 -s rr -p 60, -u 10.0.0.1:7 -s rr, -t [fd00:10::1]:80 -s
// rr, each with real servers .20-.23 (-m: NAT) on the same port. Then a
// firewall-mark service and a DR service the capture does not have.
const char* kConfig = R"(
dataplane {
    lcores 0-1
    port eth0 {
        device net_null0
        address 10.0.0.2/24
        address fd00:10::2/64
    }
    port eth1 {
        device net_null1
        address 192.168.1.254/24
        address fd00:192:168:1::254/64
    }
    fwmark 5 {
        match 10.0.0.5/32 tcp 80,443
    }
}
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 80
    real_server 192.168.1.21 80
    real_server 192.168.1.22 80
    real_server 192.168.1.23 80
}
virtual_server 10.0.0.1 7 {
    lb_algo rr
    lb_kind NAT
    persistence_timeout 60
    protocol TCP
    real_server 192.168.1.20 7
    real_server 192.168.1.21 7
    real_server 192.168.1.22 7
    real_server 192.168.1.23 7
}
virtual_server 10.0.0.1 7 {
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server 192.168.1.20 7
    real_server 192.168.1.21 7
    real_server 192.168.1.22 7
    real_server 192.168.1.23 7
}
virtual_server fd00:10::1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server fd00:192:168:1::20 80
    real_server fd00:192:168:1::21 80
    real_server fd00:192:168:1::22 80
    real_server fd00:192:168:1::23 80
}
)";

const char* kMarkService = R"(
virtual_server fwmark 5 {
    lb_algo rr
    lb_kind NAT
    persistence_timeout 300
    real_server 192.168.1.30 80
    real_server 192.168.1.31 80
}
virtual_server 10.0.0.3 443 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.168.1.40 443
}
)";

const std::vector<dp::MacAddr> kMacs = {dp::MacAddr{{2, 0, 0, 0, 0, 1}}, dp::MacAddr{{2, 0, 0, 0, 0, 2}}};

json loadVectors() {
  std::ifstream in(vectorsDir() / "kernel_v1.json");
  EXPECT_TRUE(in) << "no " << (vectorsDir() / "kernel_v1.json") << " (set SLUICE_SYNC_VECTORS_DIR)";
  return in ? json::parse(in) : json::object();
}

class EntryMapping : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = build(std::string(kConfig) + kMarkService);
    mapper_.use(*table_);
  }

  std::unique_ptr<dp::ForwardingTable> build(const std::string& text) {
    return tables::buildTable(sluice::testing::acceptedConfig(text), kMacs, ids_);
  }

  // Looked up here independently of the mapper's indexes.
  const dp::Service* service(const std::string& vip, uint16_t port, uint8_t proto) const {
    for (const dp::Service& s : table_->services) {
      if (!s.byMark && s.vip == ip(vip) && s.port == port && s.proto == proto) return &s;
    }
    return nullptr;
  }
  const dp::Service* markService(uint32_t mark) const {
    for (const dp::Service& s : table_->services) {
      if (s.byMark && s.mark == mark) return &s;
    }
    return nullptr;
  }
  const dp::RealServer* server(const dp::Service& s, const std::string& addr, uint16_t port) const {
    for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount; ++i) {
      const dp::RealServer& rs = table_->servers[i];
      if (rs.addr == ip(addr) && rs.port == port) return &rs;
    }
    return nullptr;
  }

  tables::IdRegistry ids_{dp::kMaxServices, dp::kMaxDests};
  std::unique_ptr<dp::ForwardingTable> table_;
  EntryMapper mapper_;
};

// The key test. catches: any field of a kernel peer's entry lost or changed
// on its way through a record (a template's state or flags, UDP's state,
// the timeout, an IPv6 address), an entry matched to the wrong service or
// real server, and an encoding that differs from the kernel's.
TEST_F(EntryMapping, EveryKernelEntryMapsToThisTableAndBackToTheSameBytes) {
  const json v = loadVectors();
  ASSERT_TRUE(v.contains("datagrams"));
  const auto syncId = v.at("syncid").get<uint8_t>();
  const auto maxLength = v.at("maxlen").get<std::size_t>();
  ASSERT_EQ(syncId, 7);
  ASSERT_EQ(maxLength, 500u);
  std::size_t entries = 0, templates = 0, udp = 0, v6 = 0, datagrams = 0;
  for (const json& d : v.at("datagrams")) {
    ASSERT_EQ(d.at("version").get<int>(), 1);
    ++datagrams;
    sync::MessageBuilder message(syncId, maxLength);
    for (const json& je : d.at("entries")) {
      SCOPED_TRACE(je.dump());
      const sync::Entry kernel = sync::test::recordedEntry(je, true);
      const Matched m = mapper_.toRecord(kernel);
      ASSERT_TRUE(m.record) << "refused: " << static_cast<int>(m.why);
      EXPECT_EQ(m.why, Unmatched::kNone);
      const dp::ConnRecord& r = *m.record;

      // This table's ids, found independently.
      const std::string vip = je.at("vaddr").get<std::string>();
      const dp::Service* s = service(vip, kernel.virtualPort, kernel.protocol);
      ASSERT_NE(s, nullptr);
      const dp::RealServer* rs = server(*s, je.at("daddr").get<std::string>(), kernel.destinationPort);
      ASSERT_NE(rs, nullptr);
      EXPECT_EQ(r.serviceId, s->serviceId);
      EXPECT_EQ(r.destId, rs->destId);
      EXPECT_EQ(r.method, static_cast<uint8_t>(dp::FwdMethod::kNat));
      // The connection itself.
      EXPECT_EQ(r.v6, je.at("family").get<int>() == 6);
      EXPECT_EQ(r.isTemplate, kernel.isTemplate());
      EXPECT_EQ(r.client, dp::IpAddr::of(kernel.client));
      EXPECT_EQ(r.vip, dp::IpAddr::of(kernel.virtualAddress));
      EXPECT_EQ(r.rs, dp::IpAddr::of(kernel.destination));
      EXPECT_EQ(r.clientPort, kernel.clientPort);
      EXPECT_EQ(r.vipPort, kernel.virtualPort);
      EXPECT_EQ(r.rsPort, kernel.destinationPort);
      EXPECT_EQ(r.proto, kernel.protocol);
      EXPECT_EQ(r.expiresInMs, int64_t{kernel.timeoutSeconds} * 1000);
      if (kernel.isTemplate()) {
        // A template NONE, then ASSURED once a connection under it is
        // established: the worker keeps ASSURED as kEstablished.
        EXPECT_EQ(r.state, kernel.state == sync::kTemplateStateAssured ? dp::ConnState::kEstablished
                                                                       : dp::ConnState::kNone);
        ++templates;
      } else if (kernel.protocol == sync::ip_protocol::kUdp) {
        EXPECT_EQ(r.state, dp::ConnState::kUdp);
        ++udp;
      } else {
        EXPECT_EQ(static_cast<uint16_t>(r.state), kernel.state);  // IPVS's TCP numbers
      }
      if (r.v6) ++v6;

      const std::optional<sync::Entry> back = mapper_.toEntry(r);
      ASSERT_TRUE(back);
      EXPECT_EQ(*back, kernel);
      EXPECT_TRUE(message.add(*back)) << "the kernel fitted more into " << maxLength;
      ++entries;
    }
    EXPECT_EQ(toHex(message.bytes()), d.at("hex").get<std::string>()) << "datagram " << datagrams - 1;
  }
  // What the capture holds (so that the loop above checked something).
  EXPECT_EQ(datagrams, 3u);
  EXPECT_EQ(entries, 31u);
  EXPECT_EQ(templates, 8u);
  EXPECT_EQ(udp, 2u);
  EXPECT_EQ(v6, 6u);
}

// The worker keeps a template under its own protocol number (0xFF) and a
// connection's remaining time in ms: the entry names the service's
// protocol and rounds the time up to whole seconds, as the kernel's timer
// (jiffies) would still count it.
TEST_F(EntryMapping, AWorkersTemplateAndTimesAreWrittenAsTheKernelDoes) {
  const dp::Service* echo = service("10.0.0.1", 7, 6);
  ASSERT_NE(echo, nullptr);
  const dp::RealServer* rs = server(*echo, "192.168.1.22", 7);
  ASSERT_NE(rs, nullptr);
  dp::ConnRecord t;
  t.client = dp::IpAddr::of(ip("10.0.0.101"));
  t.vip = dp::IpAddr::of(ip("10.0.0.1"));
  t.rs = dp::IpAddr::of(ip("192.168.1.22"));
  t.isTemplate = true;
  t.proto = 0xFF;
  t.state = dp::ConnState::kNone;
  t.vipPort = 7;
  t.rsPort = 7;
  t.serviceId = echo->serviceId;
  t.destId = rs->destId;
  t.expiresInMs = 59'001;
  const std::optional<sync::Entry> e = mapper_.toEntry(t);
  ASSERT_TRUE(e);
  sync::Entry want;
  want.protocol = 6;
  want.flags = sync::conn_flags::kTemplate | sync::conn_flags::kInactive;  // 0x1100
  want.state = sync::kTemplateStateNone;
  want.client = ip("10.0.0.101");
  want.virtualAddress = ip("10.0.0.1");
  want.destination = ip("192.168.1.22");
  want.virtualPort = 7;
  want.destinationPort = 7;
  want.timeoutSeconds = 60;
  EXPECT_EQ(*e, want);

  t.state = dp::ConnState::kEstablished;  // assured
  t.expiresInMs = 60'000;
  want.state = sync::kTemplateStateAssured;
  EXPECT_EQ(mapper_.toEntry(t), want);

  // A connection: an established TCP one is active, others inactive;
  // expired (negative) is 0 s.
  dp::ConnRecord c = t;
  c.isTemplate = false;
  c.proto = 6;
  c.clientPort = 40000;
  c.state = dp::ConnState::kEstablished;
  c.expiresInMs = 1;
  const std::optional<sync::Entry> ce = mapper_.toEntry(c);
  ASSERT_TRUE(ce);
  EXPECT_EQ(ce->flags, 0u);
  EXPECT_EQ(ce->state, 1);
  EXPECT_EQ(ce->timeoutSeconds, 1u);
  EXPECT_EQ(ce->clientPort, 40000);
  c.state = dp::ConnState::kSynRecv;
  c.expiresInMs = -5;
  EXPECT_EQ(mapper_.toEntry(c)->flags, sync::conn_flags::kInactive);
  EXPECT_EQ(mapper_.toEntry(c)->state, 3);
  EXPECT_EQ(mapper_.toEntry(c)->timeoutSeconds, 0u);
}

// catches: an FTP control connection's sequence shifts lost on the way
// out (no IPVS_OPT_SEQ_DATA, or without the OUT_SEQ flag a kernel sets)
// or on the way in.
TEST_F(EntryMapping, SequenceShiftsTravelAsSeqDataBothWays) {
  const dp::Service* web = service("10.0.0.1", 80, 6);
  ASSERT_NE(web, nullptr);
  const dp::RealServer* rs = server(*web, "192.168.1.20", 80);
  ASSERT_NE(rs, nullptr);
  dp::ConnRecord c;
  c.client = dp::IpAddr::of(ip("10.0.0.101"));
  c.vip = dp::IpAddr::of(ip("10.0.0.1"));
  c.rs = dp::IpAddr::of(ip("192.168.1.20"));
  c.proto = 6;
  c.state = dp::ConnState::kEstablished;
  c.clientPort = 40000;
  c.vipPort = 80;
  c.rsPort = 80;
  c.serviceId = web->serviceId;
  c.destId = rs->destId;
  c.expiresInMs = 60'000;
  EXPECT_FALSE(mapper_.toEntry(c)->seq);  // none without shifts
  c.hasSeq = true;
  c.seq.out = dp::SeqShift{.initSeq = 5001, .delta = static_cast<uint32_t>(-4), .previousDelta = 0};
  c.seq.outUsed = true;
  const std::optional<sync::Entry> e = mapper_.toEntry(c);
  ASSERT_TRUE(e && e->seq);
  EXPECT_EQ(e->flags & sync::conn_flags::kSeqMask, sync::conn_flags::kOutSeq);
  EXPECT_EQ(e->seq->out, (sync::SeqAdjust{.initSeq = 5001, .delta = 0xFFFFFFFCu, .previousDelta = 0}));
  EXPECT_EQ(e->seq->in, sync::SeqAdjust{});
  // Through the wire format and back to a record.
  sync::MessageBuilder builder(1, 1500);
  ASSERT_TRUE(builder.add(*e));
  const sync::DecodeResult decoded = sync::decodeMessage(builder.bytes(), 1);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded.message.entries.size(), 1u);
  const Matched m = mapper_.toRecord(decoded.message.entries[0]);
  ASSERT_TRUE(m.record);
  EXPECT_TRUE(m.record->hasSeq);
  EXPECT_EQ(m.record->seq, c.seq);
}

// catches: a peer's entry for a service this router does not have taken
// (with whatever ids happened to match), or counted as the wrong reason.
TEST_F(EntryMapping, AnEntryForAnUnknownServiceIsRefused) {
  const sync::Entry known = sync::test::connection("10.0.0.101", 40000, "10.0.0.1", 80, "192.168.1.20", 80);
  ASSERT_TRUE(mapper_.toRecord(known).record);

  sync::Entry otherVip = known;
  otherVip.virtualAddress = ip("10.0.0.9");
  EXPECT_FALSE(mapper_.toRecord(otherVip).record);
  EXPECT_EQ(mapper_.toRecord(otherVip).why, Unmatched::kNoService);

  sync::Entry otherPort = known;
  otherPort.virtualPort = 8080;
  EXPECT_EQ(mapper_.toRecord(otherPort).why, Unmatched::kNoService);

  sync::Entry otherProtocol = known;  // UDP 10.0.0.1:80: only TCP here
  otherProtocol.protocol = sync::ip_protocol::kUdp;
  otherProtocol.state = 0;
  EXPECT_EQ(mapper_.toRecord(otherProtocol).why, Unmatched::kNoService);

  sync::Entry otherMark = known;  // a mark this router has no service for
  otherMark.fwmark = 6;
  EXPECT_EQ(mapper_.toRecord(otherMark).why, Unmatched::kNoService);

  // An IPv4 VIP's bytes in an IPv6 entry are another address.
  const sync::Entry v6 = sync::test::connection("fd00:10::101", 40000, "fd00:10::1", 80, "fd00:192:168:1::20", 80);
  ASSERT_TRUE(mapper_.toRecord(v6).record);
  EXPECT_TRUE(mapper_.toRecord(v6).record->v6);
  sync::Entry mixed = v6;
  mixed.virtualAddress = dp::IpAddr::of(ip("10.0.0.1")).toWire(true);
  EXPECT_EQ(mapper_.toRecord(mixed).why, Unmatched::kNoService);

  // No table yet: nothing matches.
  EntryMapper fresh;
  EXPECT_EQ(fresh.toRecord(known).why, Unmatched::kNoService);
}

// catches: a connection to a real server this router does not have
// installed (its packets would go to a server outside the service).
TEST_F(EntryMapping, AnEntryForAnUnknownRealServerIsRefused) {
  sync::Entry e = sync::test::connection("10.0.0.101", 40000, "10.0.0.1", 80, "192.168.1.99", 80);
  EXPECT_FALSE(mapper_.toRecord(e).record);
  EXPECT_EQ(mapper_.toRecord(e).why, Unmatched::kNoServer);
  e.destination = ip("192.168.1.20");
  e.destinationPort = 81;  // the right address, another port
  EXPECT_EQ(mapper_.toRecord(e).why, Unmatched::kNoServer);
  e.destinationPort = 80;
  EXPECT_EQ(mapper_.toRecord(e).why, Unmatched::kNone);
  // A server of another service is not this service's.
  e.destination = ip("192.168.1.30");
  EXPECT_EQ(mapper_.toRecord(e).why, Unmatched::kNoServer);
}

// catches: the peer's forwarding method installed instead of this
// router's (the configuration decides how a server is reached).
TEST_F(EntryMapping, TheForwardingMethodIsThisRoutersOwn) {
  sync::Entry e = sync::test::connection("10.0.0.101", 40000, "10.0.0.3", 443, "192.168.1.40", 443);
  e.flags = static_cast<uint32_t>(sync::ForwardMethod::kMasquerade);
  const Matched m = mapper_.toRecord(e);
  ASSERT_TRUE(m.record);
  EXPECT_EQ(m.record->method, static_cast<uint8_t>(dp::FwdMethod::kDr));
  const std::optional<sync::Entry> back = mapper_.toEntry(*m.record);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->forward(), sync::ForwardMethod::kDirectRoute);
}

// A firewall-mark service's template as the kernel writes it
// (ip_vs_sched_persist: <IPPROTO_IP, caddr, 0, fwmark, 0, daddr, 0>, the
// packet's mark in fwmark): protocol 0, the mark as the virtual address,
// virtual and real server port 0. catches: such a template refused (the
// real server's port 80 is not the template's 0), matched by address
// instead of mark, or given another key than the worker's own templates of
// that service (the mark as an IPv4 address, port 0).
TEST_F(EntryMapping, AFwmarkServicesTemplateMapsToTheMark) {
  const dp::Service* marked = markService(5);
  ASSERT_NE(marked, nullptr);
  const dp::RealServer* rs = server(*marked, "192.168.1.31", 80);
  ASSERT_NE(rs, nullptr);

  sync::Entry t;
  t.protocol = sync::ip_protocol::kIp;
  t.flags = sync::conn_flags::kTemplate | sync::conn_flags::kInactive;
  t.state = sync::kTemplateStateAssured;
  t.client = ip("10.0.0.101");
  t.virtualAddress = ip("0.0.0.5");
  t.destination = ip("192.168.1.31");
  t.clientPort = 0;
  t.virtualPort = 0;
  t.destinationPort = 0;
  t.fwmark = 5;
  t.timeoutSeconds = 300;
  const Matched m = mapper_.toRecord(t);
  ASSERT_TRUE(m.record) << "refused: " << static_cast<int>(m.why);
  const dp::ConnRecord& r = *m.record;
  EXPECT_TRUE(r.isTemplate);
  EXPECT_FALSE(r.v6);
  EXPECT_EQ(r.serviceId, marked->serviceId);
  EXPECT_EQ(r.destId, rs->destId);
  EXPECT_EQ(r.vip, dp::IpAddr::fromV4(5));  // the worker's template key
  EXPECT_EQ(r.vipPort, 0);
  EXPECT_EQ(r.state, dp::ConnState::kEstablished);
  EXPECT_EQ(r.expiresInMs, 300'000);
  const std::optional<sync::Entry> back = mapper_.toEntry(r);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);

  // The same template written with its real server's port (as sluice's
  // worker keeps it) maps to the same server.
  sync::Entry withPort = t;
  withPort.destinationPort = 80;
  ASSERT_TRUE(mapper_.toRecord(withPort).record);
  EXPECT_EQ(mapper_.toRecord(withPort).record->destId, rs->destId);
  // ... but no other port, and no server outside the service.
  withPort.destinationPort = 81;
  EXPECT_EQ(mapper_.toRecord(withPort).why, Unmatched::kNoServer);
  sync::Entry otherServer = t;
  otherServer.destination = ip("192.168.1.20");
  EXPECT_EQ(mapper_.toRecord(otherServer).why, Unmatched::kNoServer);
  // A template of another mark has no service here.
  sync::Entry otherMark = t;
  otherMark.fwmark = 6;
  otherMark.virtualAddress = ip("0.0.0.6");
  EXPECT_EQ(mapper_.toRecord(otherMark).why, Unmatched::kNoService);

  // A connection under that mark: its own VIP and port, the service by mark.
  sync::Entry c = sync::test::connection("10.0.0.101", 40001, "10.0.0.5", 443, "192.168.1.31", 80);
  c.fwmark = 5;
  const Matched cm = mapper_.toRecord(c);
  ASSERT_TRUE(cm.record);
  EXPECT_EQ(cm.record->serviceId, marked->serviceId);
  EXPECT_EQ(cm.record->vip, dp::IpAddr::of(ip("10.0.0.5")));
  EXPECT_EQ(cm.record->vipPort, 443);
  EXPECT_EQ(mapper_.toEntry(*cm.record), c);
}

// catches: a record of a service removed by a reload mapped with the ids
// of another service, or the mapper kept on the old table's indexes.
TEST_F(EntryMapping, ARecordOfAServiceGoneFromTheTableIsDropped) {
  const sync::Entry udpEntry = [] {
    sync::Entry e = sync::test::connection("10.0.0.101", 5353, "10.0.0.1", 7, "192.168.1.21", 7, 0, 300);
    e.protocol = sync::ip_protocol::kUdp;
    e.flags = sync::conn_flags::kInactive;
    return e;
  }();
  const Matched m = mapper_.toRecord(udpEntry);
  ASSERT_TRUE(m.record);
  ASSERT_EQ(mapper_.toEntry(*m.record), udpEntry);
  const sync::Entry tcpEntry = sync::test::connection("10.0.0.101", 40000, "10.0.0.1", 80, "192.168.1.20", 80);
  const Matched tcp = mapper_.toRecord(tcpEntry);
  ASSERT_TRUE(tcp.record);

  // A reload without the UDP service (the same id registry: ids are stable).
  std::string text = kConfig;
  const std::size_t at = text.find("virtual_server 10.0.0.1 7 {\n    lb_algo rr\n    lb_kind NAT\n    protocol UDP");
  ASSERT_NE(at, std::string::npos);
  text.erase(at, text.find("virtual_server fd00:10::1") - at);
  auto next = build(text);
  next->version = table_->version + 1;
  mapper_.use(*next);
  EXPECT_EQ(mapper_.toEntry(*m.record), std::nullopt);
  EXPECT_EQ(mapper_.toRecord(udpEntry).why, Unmatched::kNoService);
  // What is still there maps as before, with the same ids.
  EXPECT_EQ(mapper_.toEntry(*tcp.record), tcpEntry);
  ASSERT_TRUE(mapper_.toRecord(tcpEntry).record);
  EXPECT_EQ(mapper_.toRecord(tcpEntry).record->serviceId, tcp.record->serviceId);

  // No table at all.
  EntryMapper fresh;
  EXPECT_EQ(fresh.toEntry(*tcp.record), std::nullopt);
}

}  // namespace
}  // namespace sluice::connsync
