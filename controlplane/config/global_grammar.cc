// global_defs { } and the keywords it shares with dataplane { }.
#include <algorithm>

#include "controlplane/config/grammars.h"

namespace sluice::config {
namespace {

// IPVS keeps timeouts in whole seconds; 31 days is the kernel's ceiling.
constexpr auto kMaxLvsTimeout = std::chrono::seconds{31 * 86400};

// IPVS's sync daemon: the kernel's interface name buffer (IP_VS_IFNAME_MAXLEN
// with its NUL) and keepalived's ceiling for maxlen (a UDP datagram in an
// IPv4 packet).
constexpr std::size_t kMaxSyncInterfaceName = 15;
constexpr std::uint64_t kMaxSyncMaxLen = 65535 - 20 - 8;

// The kernel's maxlen when none is given: a 1500-byte packet less the IP
// and UDP headers.
std::uint16_t defaultSyncMaxLen(const wire::IpAddress& group) { return group.isV4() ? 1500 - 20 - 8 : 1500 - 40 - 8; }

// The group address; keepalived drops a /LEN or -RANGE after it, so
// sluice does too, with a warning.
wire::IpAddress readSyncGroup(const Args& a, std::size_t i) {
  const std::string& text = a.text(i);
  const auto cut = text.find_first_of("/-");
  if (cut == std::string::npos) {
    return a.ip(i);
  }
  const auto ip = parseAddress(std::string_view(text).substr(0, cut));
  if (!ip) {
    a.fail(i, a.keyword() + " '" + text + "' is not an IP address");
  }
  a.context().diag().warning(a.whereOf(i), a.keyword() + " " + text + ": '" + text.substr(cut) +
                                               "' is ignored, as keepalived does; the group is " + toString(*ip));
  return *ip;
}

// What one lvs_sync_daemon line says, before the vrrp_instance is known.
struct SyncDaemonLine {
  SyncDaemon daemon;
  std::optional<std::uint8_t> syncId;
  SourceLocation instanceAt;
};

// `lvs_sync_daemon INTERFACE [[inst] VRRP_INSTANCE] [id N] [maxlen N]
// [port N] [ttl N] [group ADDR]`, with keepalived's rules: the instance
// either after `inst` or as the second word, and then the sync id may
// follow it without `id` (an old form, warned about). An option given
// twice keeps the last value, as in keepalived, with a warning.
SyncDaemonLine readSyncDaemon(const Args& a) {
  if (a.size() == 0) {
    a.fail(
        "lvs_sync_daemon needs an interface: lvs_sync_daemon INTERFACE [[inst] VRRP_INSTANCE] [id SYNCID] "
        "[maxlen LEN] [port PORT] [ttl TTL] [group ADDR]");
  }
  checkSyncInterfaceName(a, 0);
  SyncDaemonLine line;
  SyncDaemon& s = line.daemon;
  s.interface = a.text(0);
  std::optional<std::uint16_t> maxLen;
  std::vector<std::string> seen;
  bool positionalInstance = false;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const std::string& word = a.text(i);
    const bool option = word == "id" || word == "maxlen" || word == "port" || word == "ttl" || word == "group";
    if ((option || word == "inst") && i + 1 == a.size()) {
      a.fail(i, "lvs_sync_daemon " + word + " needs a value");
    }
    if (word == "inst") {
      if (s.instance) {
        a.fail(i, "lvs_sync_daemon names a vrrp_instance twice ('" + *s.instance + "' and '" + a.text(i + 1) + "')");
      }
      s.instance = a.text(i + 1);
      line.instanceAt = a.whereOf(++i);
    } else if (option) {
      const Args value(a.statement(), a.context(), false, "lvs_sync_daemon " + word);
      ++i;
      if (std::find(seen.begin(), seen.end(), word) != seen.end()) {
        a.context().diag().warning(a.whereOf(i), "lvs_sync_daemon gives '" + word + "' twice; the last one (" +
                                                     a.text(i) + ") is used, as in keepalived");
      }
      seen.push_back(word);
      if (word == "id") {
        line.syncId = value.number<std::uint8_t>(i, 0, 255);
      } else if (word == "maxlen") {
        maxLen = value.number<std::uint16_t>(i, 1, kMaxSyncMaxLen);
      } else if (word == "port") {
        s.port = value.port(i);
      } else if (word == "ttl") {
        s.ttl = value.number<std::uint8_t>(i, 1, 255);
      } else {
        s.group = readSyncGroup(value, i);
        if (!s.group.isMulticast()) {
          a.fail(i, "lvs_sync_daemon group " + a.text(i) + " is not a multicast address");
        }
      }
    } else if (i == 1) {
      s.instance = word;
      line.instanceAt = a.whereOf(i);
      positionalInstance = true;
    } else if (i == 2 && positionalInstance) {
      const Args value(a.statement(), a.context(), false, "lvs_sync_daemon sync id");
      line.syncId = value.number<std::uint8_t>(i, 0, 255);
      seen.emplace_back("id");
      a.context().diag().warning(
          a.whereOf(i), "write the sync id as 'id " + word + "' (keepalived asks for the keyword 'id' before it)");
    } else {
      a.fail(i, "unknown lvs_sync_daemon option '" + word + "' (expected inst, id, maxlen, port, ttl or group)");
    }
  }
  s.maxLen = maxLen.value_or(defaultSyncMaxLen(s.group));
  return line;
}

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
  g.value("smtp_alert_vrrp", [](GlobalDefs& d, const Args& a) { d.smtpAlertVrrp = a.flag(); });
  g.value("smtp_alert_checker", [](GlobalDefs& d, const Args& a) { d.smtpAlertChecker = a.flag(); });
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
  // Spacing of the GARPs (NAs) sent on one port. keepalived reads
  // microseconds; sluice keeps milliseconds, at least 1.
  auto interval = [](Duration GlobalDefs::*field) {
    return [field](GlobalDefs& d, const Args& a) {
      a.expect(1, 1);
      d.*field = a.timer(0, Duration{1}, std::chrono::seconds{86400});
      if (d.*field >= std::chrono::seconds{1}) {
        a.warn("The " + a.keyword() + " is very large - " + a.text(0) + " seconds");
      }
    };
  };
  g.value("vrrp_garp_interval", interval(&GlobalDefs::vrrpGarpInterval));
  g.value("vrrp_gna_interval", interval(&GlobalDefs::vrrpGnaInterval));
  // keepalived's shorthand for one GARP / NA at the take-over and none
  // after, setting only what the lines above left at its default.
  g.value("vrrp_min_garp", [](GlobalDefs& d, const Args& a) {
    if (!a.flag()) return;
    const GlobalDefs defaults;
    if (d.vrrpGarpMasterRepeat == defaults.vrrpGarpMasterRepeat) d.vrrpGarpMasterRepeat = 1;
    if (d.vrrpGarpMasterDelay == defaults.vrrpGarpMasterDelay) d.vrrpGarpMasterDelay = Duration{0};
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
  g.value("lvs_sync_daemon", [](GlobalDefs& d, const Args& a) {
    SyncDaemonLine line = readSyncDaemon(a);
    // keepalived keeps the first lvs_sync_daemon and ignores the others.
    if (!a.context().define("lvs_sync_daemon", "", a.where(), "lvs_sync_daemon is given twice")) {
      return;
    }
    a.context().defer([line, interfaceAt = a.whereOf(0)](Config& c, Diagnostics& diag) {
      if (!c.globalDefs.lvsSyncDaemon) return;
      SyncDaemon& s = *c.globalDefs.lvsSyncDaemon;
      if (c.dataplane && c.dataplane->findPort(s.interface) == nullptr) {
        diag.error(interfaceAt, "lvs_sync_daemon interface '" + s.interface + "' is not a port of the dataplane block");
      }
      s.syncId = line.syncId.value_or(0);
      if (!s.instance) return;
      const VrrpInstance* instance = c.findVrrpInstance(*s.instance);
      if (instance == nullptr) {
        diag.error(line.instanceAt, "lvs_sync_daemon names vrrp_instance '" + *s.instance + "', which is not defined");
        return;
      }
      s.syncId = line.syncId.value_or(instance->virtualRouterId);
    });
    d.lvsSyncDaemon = line.daemon;
  });
  return g;
}

}  // namespace

void checkSyncInterfaceName(const Args& a, std::size_t i) {
  if (a.text(i).size() > kMaxSyncInterfaceName) {
    a.fail(i, a.keyword() + " interface name '" + a.text(i) + "' is too long (at most " +
                  std::to_string(kMaxSyncInterfaceName) + " characters, as for IPVS)");
  }
}

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
