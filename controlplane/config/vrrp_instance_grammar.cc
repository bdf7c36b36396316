// vrrp_instance { }: one virtual router and the addresses it owns.
#include <algorithm>

#include "controlplane/config/tracking_weight_rules.h"
#include "controlplane/config/vrrp_tracking.h"

namespace sluice::config {
namespace {

// The instance while its block is read: the model plus what is needed to
// resolve defaults once the whole file is known.
struct InstanceDraft {
  VrrpInstance instance;
  std::optional<std::uint8_t> version;     // `version` as written
  std::optional<SourceLocation> advertAt;  // where advert_int was written
  // The deprecated `lvs_sync_daemon_interface IF`, and where it was written.
  std::optional<std::string> syncInterface;
  SourceLocation syncInterfaceAt;
  bool vmacFiveOctets = false;  // use_vmac's MAC ends with the VRID
};

std::string familyName(const wire::IpAddress& ip) { return ip.isV4() ? "IPv4" : "IPv6"; }

// A virtual_ipaddress line: ADDR[/LEN] [brd IP] [dev IF] [scope S] [label L] [no_track] ...
VirtualIp readVirtualIp(const Args& a) {
  VirtualIp vip;
  vip.address = a.prefix(0);
  for (std::size_t i = 1; i < a.size(); ++i) {
    const std::string& word = a.text(i);
    if (word == "dev") {
      vip.dev = a.text(++i);
      a.context().defer([dev = *vip.dev, where = a.whereOf(i)](Config& c, Diagnostics& d) {
        if (c.dataplane && c.dataplane->findPort(dev) == nullptr) {
          d.error(where, "virtual_ipaddress dev '" + dev + "' is not a port of the dataplane block");
        }
      });
    } else if (word == "label") {
      vip.label = a.text(++i);
    } else if (word == "brd" || word == "broadcast") {
      vip.broadcast = a.ip(++i);
    } else if (word == "scope") {
      vip.scope = std::string(a.oneOf(++i, {"site", "link", "host", "nowhere", "global"}));
    } else if (word == "no_track") {
      vip.noTrack = true;
    } else if (word == "home" || word == "-nodad" || word == "mngtmpaddr" || word == "noprefixroute" ||
               word == "autojoin" || word == "use_vmac") {
      a.context().diag().warning(a.whereOf(i),
                                 "virtual_ipaddress option '" + word + "' has no effect in sluice; ignored");
    } else if (word == "peer" || word == "preferred_lft") {
      a.text(++i);
      a.context().diag().warning(a.whereOf(i),
                                 "virtual_ipaddress option '" + word + "' has no effect in sluice; ignored");
    } else {
      a.fail(i, "unknown virtual_ipaddress option '" + word + "'");
    }
  }
  return vip;
}

std::string centiseconds(int cs) {
  std::string s = std::to_string(cs / 100);
  if (cs % 100 != 0) {
    s += "." + std::to_string(100 + cs % 100).substr(1);
    if (s.back() == '0') {
      s.pop_back();
    }
  }
  return s;
}

Block<VrrpAuthentication> authGrammar() {
  Block<VrrpAuthentication> b;
  b.value("auth_type", [](VrrpAuthentication& auth, const Args& a) {
    a.expect(1, 1);
    auth.type = a.oneOf(0, {"PASS", "AH"}) == "PASS" ? AuthType::kPass : AuthType::kAh;
  });
  b.value("auth_pass", [](VrrpAuthentication& auth, const Args& a) {
    a.expect(1, 1);
    auth.password = a.text(0);
    if (auth.password.size() > 8) {
      a.warn("auth_pass is longer than 8 characters; only the first 8 are used");
    }
  });
  return b;
}

// use_vmac [NAME] [MAC], in either order as keepalived reads them: a MAC
// of 6 octets, or of 5 that the VRID completes; any other word is the name
// of keepalived's macvlan interface, which sluice has no use for (the
// port itself takes the virtual MAC), so it is kept only to be shown.
void readUseVmac(InstanceDraft& d, const Args& a) {
  d.instance.useVmac = true;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string& word = a.text(i);
    std::optional<MacAddress> mac = MacAddress::parse(word);
    const bool fiveOctets = !mac && (mac = MacAddress::parse(word + ":00")).has_value();
    if (mac) {
      if ((mac->bytes[0] & 1) != 0) {
        a.context().diag().warning(a.whereOf(i), "VMAC MAC address " + word + " is multicast; ignored");
        continue;
      }
      d.instance.vmacAddress = mac;
      d.vmacFiveOctets = fiveOctets;
    } else if (d.instance.vmacInterface) {
      a.context().diag().warning(a.whereOf(i), "VMAC interface name already specified; '" + word + "' ignored");
    } else {
      d.instance.vmacInterface = word;
    }
  }
}

// Instance keywords that write one plain field.
void addInstanceValues(Block<InstanceDraft>& b) {
  b.value("state", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.state = a.oneOf(0, {"MASTER", "BACKUP"}) == "MASTER" ? VrrpState::kMaster : VrrpState::kBackup;
  });
  b.value("interface", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.interface = a.text(0);
    a.context().defer([name = a.text(0), where = a.whereOf(0)](Config& c, Diagnostics& diag) {
      if (c.dataplane && c.dataplane->findPort(name) == nullptr) {
        diag.error(where, "interface '" + name + "' is not a port of the dataplane block");
      }
    });
  });
  b.value("virtual_router_id", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.virtualRouterId = a.number<std::uint8_t>(0, 1, 255);
  });
  b.value("priority", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.priority = a.number<std::uint8_t>(0, 1, 255);
  });
  b.value("advert_int", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    const Duration t = a.timer(0, Duration{10}, std::chrono::seconds{255});
    if (t.count() % 10 != 0) {
      a.fail(0, "advert_int " + a.text(0) + " is finer than a centisecond");
    }
    d.instance.advertIntCs = static_cast<std::uint16_t>(t.count() / 10);
    d.advertAt = a.where();
  });
  b.value("version", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.version = a.number<std::uint8_t>(0, 2, 3);
  });
  b.value("nopreempt", [](InstanceDraft& d, const Args& a) {
    a.none();
    d.instance.nopreempt = true;
  });
  b.value("preempt", [](InstanceDraft& d, const Args& a) {
    a.none();
    d.instance.nopreempt = false;
  });
  b.value("preempt_delay", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.preemptDelay = a.timer(0, Duration{0}, std::chrono::seconds{1000});
  });
  b.value("garp_master_delay", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.garpMasterDelay = a.timer(0, Duration{0}, std::chrono::seconds{1000});
  });
  b.value("garp_master_repeat", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.garpMasterRepeat = a.number<std::uint32_t>(0, 1, 255);
  });
  b.value("garp_master_refresh", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.garpMasterRefresh = a.timer(0, Duration{0}, std::chrono::seconds{86400});
  });
  b.value("garp_master_refresh_repeat", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.garpMasterRefreshRepeat = a.number<std::uint32_t>(0, 1, 255);
  });
  b.value("smtp_alert", [](InstanceDraft& d, const Args& a) { d.instance.smtpAlert = a.flag(); });
  b.value("mcast_src_ip", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.mcastSrcIp = a.ip(0);
  });
  b.value("unicast_src_ip", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    d.instance.unicastSrcIp = a.ip(0);
  });
  b.value("accept", [](InstanceDraft& d, const Args& a) {
    a.none();
    d.instance.accept = true;
  });
  b.value("no_accept", [](InstanceDraft& d, const Args& a) {
    a.none();
    d.instance.accept = false;
  });
  b.value("dont_track_primary", [](InstanceDraft& d, const Args& a) {
    a.none();
    d.instance.dontTrackPrimary = true;
  });
  b.value("use_vmac", [](InstanceDraft& d, const Args& a) { readUseVmac(d, a); });
  b.value("vmac_xmit_base", [](InstanceDraft& d, const Args& a) {
    a.none();
    d.instance.vmacXmitBase = true;
  });
  // keepalived's older form of `lvs_sync_daemon IF THIS_INSTANCE`.
  b.value("lvs_sync_daemon_interface", [](InstanceDraft& d, const Args& a) {
    a.expect(1, 1);
    const std::string instead = "lvs_sync_daemon " + a.text(0) + " " + d.instance.name;
    a.keepalivedError("lvs_sync_daemon_interface in a vrrp_instance is deprecated, as in keepalived; write '" +
                      instead + "' in global_defs instead");
    checkSyncInterfaceName(a, 0);
    // keepalived keeps the first one and ignores the others.
    if (!a.context().define("lvs_sync_daemon_interface", "", a.where(), "lvs_sync_daemon_interface is given twice")) {
      return;
    }
    d.syncInterface = a.text(0);
    d.syncInterfaceAt = a.whereOf(0);
  });
}

Block<InstanceDraft> instanceGrammar() {
  Block<InstanceDraft> b;
  addInstanceValues(b);
  b.child<VrrpAuthentication>(
      "authentication",
      [](InstanceDraft&, const Args& a) {
        a.none();
        return VrrpAuthentication{};
      },
      authGrammar(),
      [](InstanceDraft& d, VrrpAuthentication&& auth, const Args& a) {
        if (auth.type == AuthType::kPass && auth.password.empty()) {
          a.fail("authentication with auth_type PASS needs an auth_pass");
        }
        d.instance.authentication = std::move(auth);
      });
  b.list("virtual_ipaddress",
         [](InstanceDraft& d, const Args& a) { d.instance.virtualIpAddresses.push_back(readVirtualIp(a)); });
  b.list("virtual_ipaddress_excluded", [](InstanceDraft& d, const Args& a) {
    d.instance.virtualIpAddressesExcluded.push_back(readVirtualIp(a));
  });
  // Each tracker kind, with keepalived's refusal of a second line for one object.
  const auto owner = [](const InstanceDraft& d) { return "vrrp_instance '" + d.instance.name + "'"; };
  b.list("track_bfd", [owner](InstanceDraft& d, const Args& a) {
    addTracked(d.instance.trackBfds, readTrackRef(a, "track_bfd"), a, owner(d), "track_bfd");
  });
  b.list("track_script", [owner](InstanceDraft& d, const Args& a) {
    addTracked(d.instance.trackScripts, readTrackScript(a), a, owner(d), "track_script");
  });
  b.list("track_interface", [owner](InstanceDraft& d, const Args& a) {
    addTracked(d.instance.trackInterfaces, readTrackInterface(a), a, owner(d), "track_interface");
  });
  b.list("track_file", [owner](InstanceDraft& d, const Args& a) {
    addTracked(d.instance.trackFiles, readTrackRef(a, "track_file"), a, owner(d), "track_file");
  });
  b.list("track_process", [owner](InstanceDraft& d, const Args& a) {
    addTracked(d.instance.trackProcesses, readTrackRef(a, "track_process"), a, owner(d), "track_process");
  });
  b.list("unicast_peer", [](InstanceDraft& d, const Args& a) {
    d.instance.unicastPeers.push_back(a.ip(0));
    for (std::size_t i = 1; i < a.size(); i += 2) {
      a.oneOf(i, {"min_ttl", "max_ttl"});
      a.number<std::uint8_t>(i + 1, 0, 255);
    }
    if (a.size() > 1) {
      a.warn("unicast_peer min_ttl/max_ttl are not checked by sluice; ignored");
    }
  });
  addNotifyKeywords(b, [](InstanceDraft& d) -> NotifyScripts& { return d.instance.notify; });
  // keepalived adds these routes and rules to the host's tables with the VIPs.
  for (const char* name : {"virtual_routes", "virtual_rules"}) {
    b.unsupported(name, "sluice does not change the host's routes or rules; skipped");
  }
  return b;
}

// Resolves the VRRP version and checks advert_int against it; runs after
// the whole file is read because global_defs may come later.
void resolveVersion(VrrpInstance& v, const InstanceDraft& draft, const GlobalDefs& global,
                    const SourceLocation& where, Diagnostics& diag) {
  const bool v6 = !v.virtualIpAddresses.empty() && !v.virtualIpAddresses.front().address.address.isV4();
  v.version = draft.version.value_or(global.vrrpVersion);
  if (v6 && v.version == 2) {
    if (draft.version) {
      diag.warning(where, "vrrp_instance '" + v.name + "' has IPv6 addresses; using VRRP version 3");
    }
    v.version = 3;
  }
  const SourceLocation advertAt = draft.advertAt.value_or(where);
  if (v.version == 2) {
    if (v.advertIntCs % 100 != 0) {
      const auto rounded = static_cast<std::uint16_t>(std::max(1, (v.advertIntCs + 50) / 100) * 100);
      diag.warning(advertAt, "VRRP version 2 counts advert_int in whole seconds; " +
                                 centiseconds(v.advertIntCs) + " rounded to " + centiseconds(rounded));
      v.advertIntCs = rounded;
    }
  } else if (v.advertIntCs > 4095) {
    diag.error(advertAt, "advert_int is at most 40.95 seconds with VRRP version 3");
  }
  if (v.version == 3 && v.authentication) {
    diag.warning(where, "VRRP version 3 has no authentication; the authentication block is ignored");
  }
}

// lvs_sync_daemon_interface: once the whole file is read (global_defs may
// come later), the sync daemon of this instance, unless global_defs has an
// lvs_sync_daemon, which keepalived reads first and so prefers.
void deferSyncInterface(ParseContext& ctx, const InstanceDraft& draft) {
  ctx.defer([name = draft.instance.name, vrid = draft.instance.virtualRouterId, interface = *draft.syncInterface,
             where = draft.syncInterfaceAt](Config& c, Diagnostics& diag) {
    if (c.globalDefs.lvsSyncDaemon) {
      diag.warning(where, "lvs_sync_daemon_interface of vrrp_instance '" + name +
                              "' is ignored: global_defs lvs_sync_daemon takes precedence, as in keepalived");
      return;
    }
    if (c.dataplane && c.dataplane->findPort(interface) == nullptr) {
      diag.error(where, "lvs_sync_daemon_interface '" + interface + "' is not a port of the dataplane block");
      return;
    }
    SyncDaemon s;
    s.interface = interface;
    s.instance = name;
    s.syncId = vrid;
    c.globalDefs.lvsSyncDaemon = s;
  });
}

void closeInstance(Config& c, InstanceDraft&& draft, const Args& a) {
  VrrpInstance& v = draft.instance;
  if (v.virtualRouterId == 0) {
    a.error("vrrp_instance '" + v.name + "' has no virtual_router_id");
  }
  if (!v.interface && v.unicastPeers.empty()) {
    a.error("vrrp_instance '" + v.name + "' has no interface");
  }
  if (v.virtualIpAddresses.empty()) {
    a.warn("vrrp_instance '" + v.name + "' has no virtual_ipaddress");
  } else {
    const auto family = v.virtualIpAddresses.front().address.address.family;
    for (const auto& vip : v.virtualIpAddresses) {
      if (vip.address.address.family != family) {
        a.error("virtual_ipaddress of vrrp_instance '" + v.name +
                "' mixes IPv4 and IPv6 (use virtual_ipaddress_excluded for the other family)");
        break;
      }
    }
  }
  if (v.vmacAddress && draft.vmacFiveOctets) {
    v.vmacAddress->bytes[5] = v.virtualRouterId;
  }
  if (v.vmacXmitBase && !v.useVmac) {
    a.warn("vrrp_instance '" + v.name + "': vmac_xmit_base is only valid with use_vmac; ignored");
    v.vmacXmitBase = false;
  }
  if (v.useVmac && !v.unicastPeers.empty() && !v.vmacXmitBase) {
    // keepalived too: unicast adverts go from the base interface.
    a.warn("vrrp_instance '" + v.name + "': unicast with use_vmac requires vmac_xmit_base; set");
    v.vmacXmitBase = true;
  }
  if (!a.context().define("vrrp_instance", v.name, a.where())) {
    return;
  }
  if (v.virtualRouterId != 0 && v.interface && !v.virtualIpAddresses.empty()) {
    const std::string key = std::to_string(v.virtualRouterId) + " on " + *v.interface + " (" +
                            familyName(v.virtualIpAddresses.front().address.address) + ")";
    a.context().define("virtual_router_id", key, a.where());
  }
  a.context().defer([draft, where = a.where()](Config& config, Diagnostics& diag) {
    for (auto& instance : config.vrrpInstances) {
      if (instance.name == draft.instance.name) {
        resolveVersion(instance, draft, config.globalDefs, where, diag);
        return;
      }
    }
  });
  if (draft.syncInterface) {
    deferSyncInterface(a.context(), draft);
  }
  deferInstanceTrackingWeights(a.context(), v.name, a.where());
  c.vrrpInstances.push_back(std::move(v));
}

}  // namespace

void addVrrpInstanceKeywords(Block<Config>& top) {
  top.child<InstanceDraft>(
      "vrrp_instance",
      [](Config&, const Args& a) {
        a.expect(1, 1);
        InstanceDraft d;
        d.instance.name = a.text(0);
        return d;
      },
      instanceGrammar(), closeInstance);
}

}  // namespace sluice::config
