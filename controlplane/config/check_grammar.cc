// TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, DNS_CHECK, SMTP_CHECK, UDP_CHECK and PING_CHECK blocks
// of a real server.
#include <algorithm>
#include <cctype>

#include "controlplane/config/hex_octets.h"
#include "controlplane/config/lvs_common.h"

namespace sluice::config {
namespace {

// `retry` and HAProxy's `fall` say the same thing (fall = retry + 1); both
// may be written, but they must agree.
void setRetry(HealthCheck& c, std::uint32_t retry, const Args& a) {
  if (c.configured.retry && *c.configured.retry != retry) {
    a.fail(0, a.keyword() + " " + a.text(0) +
                  " contradicts an earlier retry/fall of this check (fall = retry + 1)");
  }
  c.configured.retry = retry;
}

// Keywords every check type accepts: timing and HAProxy-style inter/rise/fall.
void addTimingKeywords(Block<HealthCheck>& b) {
  b.value("delay_loop", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.configured.delayLoop = a.timer(0, Duration{1}, kDay);
  });
  b.value("inter", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.configured.delayLoop = a.haproxyTime(0, Duration{1}, kDay);
  });
  b.value("retry", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    setRetry(c, a.number<std::uint32_t>(0, 0, 1'000'000), a);
  });
  b.value("fall", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    setRetry(c, a.number<std::uint32_t>(0, 1, 1'000'000) - 1, a);
  });
  b.value("rise", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.rise = a.number<std::uint32_t>(0, 1, 1'000'000);
  });
  b.value("delay_before_retry", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.configured.delayBeforeRetry = a.timer(0, Duration{0}, kDay);
  });
  b.value("warmup", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.configured.warmup = a.timer(0, Duration{0}, kDay);
  });
}

// Keywords of checks that open a connection.
void addConnectionKeywords(Block<HealthCheck>& b) {
  b.value("connect_ip", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.connectIp = a.ip(0);
  });
  b.value("connect_port", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.connectPort = a.port(0);
  });
  b.value("bindto", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.bindTo = a.ip(0);
  });
  b.value("bind_port", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.bindPort = a.port(0);
  });
  b.value("connect_timeout", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.configured.connectTimeout = a.timer(0, Duration{1}, std::chrono::seconds{3600});
  });
}

// `status_code 200 301-302 ...`
std::vector<StatusRange> readStatusCodes(const Args& a) {
  std::vector<StatusRange> codes;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string& s = a.text(i);
    const auto dash = s.find('-');
    auto code = [&](const std::string& part) -> std::uint16_t {
      const bool ok =
          !part.empty() && part.size() <= 3 &&
          std::all_of(part.begin(), part.end(), [](unsigned char ch) { return std::isdigit(ch); });
      const int value = ok ? std::stoi(part) : 0;
      if (value < 100 || value > 599) {
        a.fail(i, "status_code '" + s + "' is not an HTTP status (100-599) or range of them");
      }
      return static_cast<std::uint16_t>(value);
    };
    StatusRange r;
    r.first = code(s.substr(0, dash));
    r.last = dash == std::string::npos ? r.first : code(s.substr(dash + 1));
    if (r.last < r.first) {
      a.fail(i, "status_code range '" + s + "' is reversed");
    }
    codes.push_back(r);
  }
  if (codes.empty()) {
    a.fail("'status_code' needs a value");
  }
  return codes;
}

Block<UrlCheck> urlGrammar() {
  Block<UrlCheck> u;
  u.value("path", [](UrlCheck& url, const Args& a) {
    a.expect(1, 1);
    url.path = a.text(0);
  });
  u.value("digest", [](UrlCheck& url, const Args& a) {
    a.expect(1, 1);
    const std::string d = toLower(a.text(0));
    if (d.size() != 32 || d.find_first_not_of("0123456789abcdef") != std::string::npos) {
      a.fail(0, "digest '" + a.text(0) + "' is not an MD5 sum (32 hex digits)");
    }
    url.digest = d;
  });
  u.value("status_code", [](UrlCheck& url, const Args& a) { url.statusCodes = readStatusCodes(a); });
  u.value("virtualhost", [](UrlCheck& url, const Args& a) {
    a.expect(1, 1);
    url.virtualhost = a.text(0);
  });
  return u;
}

Block<HealthCheck> httpGrammar(bool ssl) {
  Block<HealthCheck> b;
  addTimingKeywords(b);
  addConnectionKeywords(b);
  b.value("nb_get_retry",  // keepalived's older name for retry
          [](HealthCheck& c, const Args& a) {
            a.expect(1, 1);
            setRetry(c, a.number<std::uint32_t>(0, 0, 1'000'000), a);
          });
  b.value("virtualhost", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.virtualhost = a.text(0);
  });
  b.child<UrlCheck>(
      "url",
      [](HealthCheck&, const Args& a) {
        a.none();
        return UrlCheck{};
      },
      urlGrammar(),
      [](HealthCheck& c, UrlCheck&& url, const Args& a) {
        if (url.path.empty()) {
          a.fail("url { } needs a path");
        }
        if (url.statusCodes.empty()) {
          url.statusCodes.push_back(StatusRange{200, 299});
        }
        c.urls.push_back(std::move(url));
      });
  if (ssl) {
    b.value("enable_sni", [](HealthCheck& c, const Args& a) { c.enableSni = a.flag(); });
  }
  return b;
}

Block<HealthCheck> miscGrammar() {
  Block<HealthCheck> b;
  addTimingKeywords(b);
  b.value("misc_path", [](HealthCheck& c, const Args& a) { c.miscPath = a.rest(0); });
  b.value("misc_timeout", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.miscTimeout = a.timer(0, Duration{1}, kDay);
  });
  b.value("misc_dynamic", [](HealthCheck& c, const Args& a) { c.miscDynamic = a.flag(); });
  b.value("user", [](HealthCheck& c, const Args& a) {
    a.expect(1, 2);
    c.user = a.text(0);
    if (a.size() == 2) {
      c.group = a.text(1);
    }
  });
  return b;
}

// keepalived's DNS_CHECK query types (check_dns.c), by name.
constexpr std::string_view kDnsTypes[] = {"A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA", "RRSIG", "DNSKEY"};

// keepalived refuses a name with an empty label ("a..b", ".a"); "." alone
// is the root. DNS itself bounds labels to 63 bytes and names to 255.
std::string dnsNameProblem(const std::string& name) {
  if (name.empty()) return "is empty";
  if (name == ".") return "";
  if (name.front() == '.' || name.find("..") != std::string::npos) return "has an empty label";
  std::size_t wire = 1;  // the root's zero byte
  for (std::size_t begin = 0; begin < name.size();) {
    const std::size_t end = std::min(name.find('.', begin), name.size());
    if (end - begin > 63) return "has a label longer than 63 bytes";
    wire += end - begin + 1;
    begin = end + 1;
  }
  return wire > 255 ? "is longer than 255 bytes" : "";
}

Block<HealthCheck> dnsGrammar() {
  Block<HealthCheck> b;
  addTimingKeywords(b);
  addConnectionKeywords(b);
  b.value("type", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    std::string type = a.text(0);
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char ch) { return std::toupper(ch); });
    if (std::find(std::begin(kDnsTypes), std::end(kDnsTypes), type) == std::end(kDnsTypes)) {
      a.fail(0, "unknown DNS_CHECK type '" + a.text(0) + "' (A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG or DNSKEY)");
    }
    c.dnsType = type;
  });
  b.value("name", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    // keepalived keeps the first name and counts another as an error.
    if (c.dnsName != HealthCheck{}.dnsName) {
      a.fail(0, "DNS_CHECK name already given ('" + c.dnsName + "')");
    }
    if (const std::string problem = dnsNameProblem(a.text(0)); !problem.empty()) {
      a.fail(0, "DNS_CHECK name '" + a.text(0) + "' " + problem);
    }
    c.dnsName = a.text(0);
  });
  return b;
}

// UDP_CHECK: the keywords of a connecting check and those of its datagram.
Block<HealthCheck> udpGrammar() {
  Block<HealthCheck> b;
  addTimingKeywords(b);
  addConnectionKeywords(b);
  b.value("payload", [](HealthCheck& c, const Args& a) {
    if (a.size() == 0) a.fail("UDP_CHECK payload requires a payload");
    const auto octets = parseHexOctets(a.rest(0), false);
    if (!octets) a.fail(0, "Invalid hex string for UDP_CHECK payload '" + a.rest(0) + "'");
    if (octets->data.size() > 65507) a.fail(0, "UDP_CHECK payload is longer than one UDP datagram (65507 octets)");
    c.udp.payload = toHexText(*octets);
  });
  // require_reply alone: any reply will do; with hex: the reply's first
  // octets must match it (x a nibble that matches anything).
  b.value("require_reply", [](HealthCheck& c, const Args& a) {
    c.udp.requireReply = true;
    if (a.size() == 0) return;
    const auto octets = parseHexOctets(a.rest(0), true);
    if (!octets) a.fail(0, "Invalid hex string for UDP_CHECK reply '" + a.rest(0) + "'");
    c.udp.reply = toHexText(*octets);
  });
  b.value("min_reply_length", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.udp.minReplyLength = a.number<std::uint16_t>(0, 0, 65535);
  });
  b.value("max_reply_length", [](HealthCheck& c, const Args& a) {
    a.expect(1, 1);
    c.udp.maxReplyLength = a.number<std::uint16_t>(0, 0, 65535);
  });
  return b;
}

// The connection of one `host { }`; its timing keywords set the whole
// check's, as in keepalived.
Block<HealthCheck> smtpHostGrammar() {
  Block<HealthCheck> b;
  addTimingKeywords(b);
  addConnectionKeywords(b);
  return b;
}

Block<HealthCheck> smtpGrammar() {
  Block<HealthCheck> b;
  addTimingKeywords(b);
  addConnectionKeywords(b);
  b.value("helo_name", [](HealthCheck& c, const Args& a) {
    a.expect(1, a.size());
    if (a.size() > 1) {
      a.warn("helo_name takes one name; '" + a.rest(1) + "' is ignored, as keepalived does");
    }
    c.heloName = a.text(0);
  });
  b.child<HealthCheck>(
      "host",
      [](HealthCheck&, const Args& a) {
        a.none();
        return HealthCheck{};
      },
      smtpHostGrammar(),
      [](HealthCheck& c, HealthCheck&& host, const Args&) {
        auto take = [](auto& into, const auto& from) {
          if (from) into = from;
        };
        take(c.configured.delayLoop, host.configured.delayLoop);
        take(c.configured.retry, host.configured.retry);
        take(c.configured.delayBeforeRetry, host.configured.delayBeforeRetry);
        take(c.configured.warmup, host.configured.warmup);
        if (host.rise != HealthCheck{}.rise) c.rise = host.rise;
        c.smtpHosts.push_back(SmtpHost{host.connectIp, host.connectPort, host.bindTo, host.bindPort,
                                       host.configured.connectTimeout});
      });
  return b;
}

}  // namespace

Block<HealthCheck> healthCheckGrammar(CheckType type) {
  switch (type) {
    case CheckType::kHttp:
      return httpGrammar(false);
    case CheckType::kSsl:
      return httpGrammar(true);
    case CheckType::kMisc:
      return miscGrammar();
    case CheckType::kDns:
      return dnsGrammar();
    case CheckType::kSmtp:
      return smtpGrammar();
    case CheckType::kUdp:
      return udpGrammar();
    case CheckType::kTcp:
    case CheckType::kBfd:   // its own block (real_server_grammar.cc)
    case CheckType::kPing:  // keepalived's common keywords: the port ones are read and unused
      break;
  }
  Block<HealthCheck> tcp;
  addTimingKeywords(tcp);
  addConnectionKeywords(tcp);
  return tcp;
}

void checkHealthCheck(const HealthCheck& c, const Args& a) {
  if ((c.type == CheckType::kHttp || c.type == CheckType::kSsl) && c.urls.empty()) {
    a.fail(std::string(toString(c.type)) + " needs at least one url { path ... }");
  }
  if (c.type == CheckType::kMisc && c.miscPath.empty()) {
    a.fail("MISC_CHECK needs a misc_path");
  }
  if (c.type == CheckType::kUdp && c.udp.minReplyLength > c.udp.maxReplyLength) {
    a.warn("UDP_CHECK min_reply_length " + std::to_string(c.udp.minReplyLength) + " > max_reply_length " +
           std::to_string(c.udp.maxReplyLength) + ": a reply checked against a require_reply pattern always fails");
  }
}

std::vector<HealthCheck> splitCheck(HealthCheck c, const Args& a) {
  if (c.smtpHosts.empty()) return {std::move(c)};
  a.warn("the SMTP_CHECK host block is deprecated (keepalived: define additional checkers); each host is "
         "checked as an SMTP_CHECK of its own and the real server is down while any of them is");
  std::vector<SmtpHost> hosts = std::move(c.smtpHosts);
  c.smtpHosts.clear();
  // keepalived: the block's own connection counts as a checker when any
  // part of it is written (connect_timeout included); otherwise the first
  // host takes its place.
  const bool ownConnection =
      c.connectIp || c.connectPort || c.bindTo || c.bindPort || c.configured.connectTimeout;
  std::vector<HealthCheck> checks;
  if (ownConnection) checks.push_back(c);
  for (const SmtpHost& host : hosts) {
    HealthCheck one = c;
    one.connectIp = host.connectIp;
    one.connectPort = host.connectPort;
    one.bindTo = host.bindTo;
    one.bindPort = host.bindPort;
    one.configured.connectTimeout = host.connectTimeout;
    checks.push_back(std::move(one));
  }
  return checks;
}

void resolveCheckTiming(HealthCheck& c, const CheckTiming& realServer, const CheckTiming& virtualServer) {
  auto pick = [&](auto CheckTiming::*field, auto fallback) {
    if (c.configured.*field) {
      return *(c.configured.*field);
    }
    if (realServer.*field) {
      return *(realServer.*field);
    }
    if (virtualServer.*field) {
      return *(virtualServer.*field);
    }
    return fallback;
  };
  const bool http = c.type == CheckType::kHttp || c.type == CheckType::kSsl;
  const bool dns = c.type == CheckType::kDns;
  c.delayLoop = pick(&CheckTiming::delayLoop, Duration{std::chrono::seconds{60}});
  c.connectTimeout = pick(&CheckTiming::connectTimeout, Duration{std::chrono::seconds{5}});
  c.retry = pick(&CheckTiming::retry, c.type == CheckType::kMisc ? 0u : dns ? 3u : 1u);
  c.delayBeforeRetry =
      pick(&CheckTiming::delayBeforeRetry, dns ? c.delayLoop : Duration{std::chrono::seconds{http ? 3 : 1}});
  c.warmup = pick(&CheckTiming::warmup, c.delayLoop);
  c.fall = c.retry + 1;
}

}  // namespace sluice::config
