// DNS_CHECK's probe against a DNS responder on a loopback UDP port, run on
// the test's own loop: the query it sends, and keepalived's reading of
// the answer (NOERROR up; NXDOMAIN and other RCODEs down; replies with
// another id or without QR ignored; silence a timeout).
#include "controlplane/health/dns_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "controlplane/config/address.h"
#include "loop_support.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;
using testing::runProbe;

enum class DnsReply {
  kRecord,             // NOERROR with one record of the asked type
  kNxdomain,           // RCODE 3
  kNoData,             // NOERROR, no record: the name has none of this type
  kDecoysThenNxdomain, // a short datagram, another id, a query (no QR), each NOERROR; then NXDOMAIN
  kSilent,             // nothing
};

// A DNS server of one behaviour on 127.0.0.1, served by `loop`.
class DnsResponder {
 public:
  DnsResponder(common::EventLoop& loop, DnsReply reply) : loop_(loop), reply_(reply) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    loop_.watch(fd_, EPOLLIN, [this](uint32_t) { answer(); });
  }
  ~DnsResponder() {
    loop_.unwatch(fd_);
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  const std::vector<std::string>& queries() const { return queries_; }

 private:
  void answer() {
    char buf[512];
    sockaddr_storage peer{};
    socklen_t peerLen = sizeof peer;
    const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &peerLen);
    if (n < 12) return;
    const std::string query(buf, static_cast<std::size_t>(n));
    queries_.push_back(query);
    auto send = [&](const std::string& d) {
      ::sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&peer), peerLen);
    };
    switch (reply_) {
      case DnsReply::kRecord: return send(reply(query, 0, true));
      case DnsReply::kNxdomain: return send(reply(query, 3, false));
      case DnsReply::kNoData: return send(reply(query, 0, false));
      case DnsReply::kDecoysThenNxdomain: {
        send(reply(query, 0, true).substr(0, 11));
        std::string otherId = reply(query, 0, true);
        otherId[1] = static_cast<char>(otherId[1] ^ 1);
        send(otherId);
        std::string notResponse = reply(query, 0, true);
        notResponse[2] = static_cast<char>(notResponse[2] & 0x7f);
        send(notResponse);
        return send(reply(query, 3, false));
      }
      case DnsReply::kSilent: return;
    }
  }

  // The query's header and question turned into a response with `rcode`
  // and, when `record`, one answer of the asked type.
  static std::string reply(const std::string& query, int rcode, bool record) {
    std::string r = query;
    r[2] = static_cast<char>(0x81);  // QR, RD
    r[3] = static_cast<char>(0x80 | rcode);  // RA
    r[6] = 0;
    r[7] = record ? 1 : 0;
    if (record) {
      const std::string qtype = query.substr(query.size() - 4, 2);
      r += std::string("\xc0\x0c", 2) + qtype + std::string("\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x01", 12);
    }
    return r;
  }

  common::EventLoop& loop_;
  DnsReply reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<std::string> queries_;
};

DnsSpec dnsTo(uint16_t port, std::string type = "A", std::string name = "www.example.com") {
  DnsSpec s;
  s.address = *config::parseAddress("127.0.0.1");
  s.port = port;
  s.timeout = 2s;
  s.type = std::move(type);
  s.name = std::move(name);
  return s;
}

TEST(DnsProbe, QueryIsKeepalivedsDatagram) {
  const std::string q = dnsQuery(0x1234, "www.example.com", 28);
  EXPECT_EQ(q, std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"  // id, RD, one question
                           "\x03www\x07" "example\x03" "com\x00"
                           "\x00\x1c\x00\x01",  // AAAA, IN
                           12 + 17 + 4));
  // A trailing dot, and the root written either way.
  EXPECT_EQ(dnsQuery(1, "www.example.com.", 28), dnsQuery(1, "www.example.com", 28));
  EXPECT_EQ(dnsQuery(1, ".", 6).substr(12), std::string("\x00\x00\x06\x00\x01", 5));
  EXPECT_EQ(dnsQuery(1, "", 6), dnsQuery(1, ".", 6));
  EXPECT_EQ(dnsTypeCode("A"), 1);
  EXPECT_EQ(dnsTypeCode("SOA"), 6);
  EXPECT_EQ(dnsTypeCode("MX"), 15);
  EXPECT_EQ(dnsTypeCode("DNSKEY"), 48);
  EXPECT_EQ(dnsTypeCode("PTR"), std::nullopt);
}

TEST(DnsProbe, AnAnswerIsUpAndTheQueryIsWhatWasAsked) {
  common::EventLoop loop;
  DnsResponder server(loop, DnsReply::kRecord);
  std::set<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    DnsProbe probe(dnsTo(server.port(), "MX", "example.com"));
    const auto r = runProbe(loop, probe);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->ok) << r->error;
    ASSERT_EQ(server.queries().size(), static_cast<std::size_t>(i + 1));
    const std::string& q = server.queries().back();
    EXPECT_EQ(q.substr(2), dnsQuery(0, "example.com", 15).substr(2));
    ids.insert(q.substr(0, 2));
  }
  EXPECT_GT(ids.size(), 1u) << "the query id is random";
}

TEST(DnsProbe, NxdomainIsDown) {
  common::EventLoop loop;
  DnsResponder server(loop, DnsReply::kNxdomain);
  DnsProbe probe(dnsTo(server.port()));
  const auto r = runProbe(loop, probe);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "read error occurred. (rcode = 3)");
}

// keepalived 2.2.7 reads the RCODE only: an empty NOERROR answer is up.
TEST(DnsProbe, NoRecordOfTheTypeIsUpAsInKeepalived) {
  common::EventLoop loop;
  DnsResponder server(loop, DnsReply::kNoData);
  DnsProbe probe(dnsTo(server.port(), "AAAA"));
  const auto r = runProbe(loop, probe);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
}

TEST(DnsProbe, DatagramsThatAreNotTheReplyAreIgnored) {
  common::EventLoop loop;
  DnsResponder server(loop, DnsReply::kDecoysThenNxdomain);
  DnsProbe probe(dnsTo(server.port()));
  const auto r = runProbe(loop, probe);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "read error occurred. (rcode = 3)");
}

TEST(DnsProbe, SilenceTimesOutAfterConnectTimeout) {
  common::EventLoop loop;
  DnsResponder server(loop, DnsReply::kSilent);
  DnsSpec spec = dnsTo(server.port());
  spec.timeout = 300ms;
  DnsProbe probe(spec);
  const auto began = common::Clock::now();
  const auto r = runProbe(loop, probe, 5s);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "read timeout from socket");
  EXPECT_GE(common::Clock::now() - began, 300ms);
  EXPECT_LT(common::Clock::now() - began, 2s);
}

TEST(DnsProbe, AClosedPortIsRefused) {
  common::EventLoop loop;
  uint16_t port = 0;
  {
    DnsResponder gone(loop, DnsReply::kSilent);
    port = gone.port();
  }
  DnsProbe probe(dnsTo(port));
  const auto r = runProbe(loop, probe);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "failed to read socket; errno 111 (Connection refused)");
}

TEST(DnsProbe, AnUnknownTypeFails) {
  common::EventLoop loop;
  DnsProbe probe(dnsTo(53, "PTR"));
  const auto r = runProbe(loop, probe);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "unknown DNS_CHECK type PTR");
}

}  // namespace
}  // namespace sluice::health
