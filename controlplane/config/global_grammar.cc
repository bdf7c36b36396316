// global_defs { } and the keywords it shares with dataplane { }.
#include "controlplane/config/grammars.h"

namespace sluice::config {
namespace {

// IPVS keeps timeouts in whole seconds; 31 days is the kernel's ceiling.
constexpr auto kMaxLvsTimeout = std::chrono::seconds{31 * 86400};

Block<GlobalDefs> globalDefsGrammar() {
  Block<GlobalDefs> g;
  g.value("router_id", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.routerId = a.text(0);
  });
  g.list("notification_email", [](GlobalDefs& d, const Args& a) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      d.notificationEmail.push_back(a.text(i));
    }
  });
  g.value("notification_email_from", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.notificationEmailFrom = a.text(0);
  });
  g.value("smtp_server", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 2);
    SmtpServer server{a.text(0), 25};
    if (a.size() == 2) {
      server.port = a.port(1);
    }
    d.smtpServer = server;
  });
  g.value("smtp_helo_name", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.smtpHeloName = a.text(0);
  });
  g.value("smtp_connect_timeout", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.smtpConnectTimeout = a.timer(0, Duration{1}, std::chrono::seconds{3600});
  });
  g.value("smtp_alert", [](GlobalDefs& d, const Args& a) { d.smtpAlert = a.flag(); });
  g.value("vrrp_version", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.vrrpVersion = a.number<std::uint8_t>(0, 2, 3);
  });
  g.value("script_user", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 2);
    d.scriptUser = a.text(0);
    if (a.size() == 2) {
      d.scriptGroup = a.text(1);
    }
  });
  g.value("enable_script_security", [](GlobalDefs& d, const Args& a) { d.enableScriptSecurity = a.flag(); });
  g.value("lvs_timeouts", [](GlobalDefs& d, const Args& a) { d.lvsTimeouts = readLvsTimeouts(a); });
  g.value("vrrp_garp_master_delay", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.vrrpGarpMasterDelay = a.timer(0, Duration{0}, std::chrono::seconds{1000});
  });
  g.value("vrrp_garp_master_repeat", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.vrrpGarpMasterRepeat = a.number<std::uint32_t>(0, 1, 255);
  });
  g.value("vrrp_garp_master_refresh", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.vrrpGarpMasterRefresh = a.timer(0, Duration{0}, std::chrono::seconds{86400});
  });
  g.value("vrrp_garp_master_refresh_repeat", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    d.vrrpGarpMasterRefreshRepeat = a.number<std::uint32_t>(0, 1, 255);
  });
  g.value("vrrp_mcast_group4", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    const wire::IpAddress ip = a.ip(0);
    if (!ip.isV4() || (ip.v4() >> 28) != 0xe) {
      a.fail(0, "vrrp_mcast_group4 '" + a.text(0) + "' is not an IPv4 multicast address");
    }
    d.vrrpMcastGroup4 = ip;
  });
  g.value("vrrp_mcast_group6", [](GlobalDefs& d, const Args& a) {
    a.expect(1, 1);
    const wire::IpAddress ip = a.ip(0);
    if (ip.isV4() || ip.bytes[0] != 0xff) {
      a.fail(0, "vrrp_mcast_group6 '" + a.text(0) + "' is not an IPv6 multicast address");
    }
    d.vrrpMcastGroup6 = ip;
  });
  g.value("vrrp_strict", [](GlobalDefs& d, const Args& a) { d.vrrpStrict = a.flag(); });
  return g;
}

}  // namespace

LvsTimeouts readLvsTimeouts(const Args& a) {
  if (a.size() == 0 || a.size() % 2 != 0) {
    a.fail(a.size(), "'" + a.keyword() + "' takes pairs: [tcp SECS] [tcpfin SECS] [udp SECS]");
  }
  LvsTimeouts t;
  for (std::size_t i = 0; i < a.size(); i += 2) {
    const auto which = a.oneOf(i, {"tcp", "tcpfin", "udp"});
    const Duration value = a.timer(i + 1, std::chrono::seconds{1}, kMaxLvsTimeout);
    if (value.count() % 1000 != 0) {
      a.fail(i + 1, "lvs_timeouts " + std::string(which) + " " + a.text(i + 1) + " must be whole seconds");
    }
    auto& slot = which == "tcp" ? t.tcp : which == "tcpfin" ? t.tcpFin : t.udp;
    if (slot) {
      a.fail(i, "lvs_timeouts gives '" + std::string(which) + "' twice");
    }
    slot = value;
  }
  return t;
}

void addGlobalKeywords(Block<Config>& top) {
  top.child<GlobalDefs>(
      "global_defs",
      [](Config& c, const Args& a) {
        a.none();
        // A second global_defs block adds to the first, as in keepalived.
        return c.globalDefs;
      },
      globalDefsGrammar(), [](Config& c, GlobalDefs&& d, const Args&) { c.globalDefs = std::move(d); });
}

}  // namespace sluice::config
