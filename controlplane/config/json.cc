#include "controlplane/config/json.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <vector>

#include "controlplane/config/sched_flags.h"

namespace sluice::config {
namespace {

using nlohmann::json;

// Each struct lists its fields once, in fields(io, s); the same list
// drives writing and reading, which is what keeps the round trip lossless.

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, ScriptCommand> {
  io("command", s.command);
  io("user", s.user);
  io("group", s.group);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, BfdInstance> {
  io("name", s.name);
  io("neighbor_ip", s.neighbor);
  io("source_ip", s.source);
  io("min_rx_us", s.minRxUs);
  io("min_tx_us", s.minTxUs);
  io("idle_tx_us", s.idleTxUs);
  io("multiplier", s.multiplier);
  io("passive", s.passive);
  io("ttl", s.ttl);
  io("max_hops", s.maxHops);
  io("weight", s.weight);
  io("weight_reverse", s.weightReverse);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, LvsTimeouts> {
  io("tcp", s.tcp);
  io("tcpfin", s.tcpFin);
  io("udp", s.udp);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, SmtpServer> {
  io("host", s.host);
  io("port", s.port);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, SyncDaemon> {
  io("interface", s.interface);
  io("instance", s.instance);
  io("id", s.syncId);
  io("maxlen", s.maxLen);
  io("port", s.port);
  io("ttl", s.ttl);
  io("group", s.group);
  io("master", s.master);
  io("backup", s.backup);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, GlobalDefs> {
  io("router_id", s.routerId);
  io("notification_email", s.notificationEmail);
  io("notification_email_from", s.notificationEmailFrom);
  io("smtp_server", s.smtpServer);
  io("smtp_helo_name", s.smtpHeloName);
  io("smtp_connect_timeout", s.smtpConnectTimeout);
  io("smtp_alert", s.smtpAlert);
  io("smtp_alert_vrrp", s.smtpAlertVrrp);
  io("smtp_alert_checker", s.smtpAlertChecker);
  io("vrrp_version", s.vrrpVersion);
  io("script_user", s.scriptUser);
  io("script_group", s.scriptGroup);
  io("enable_script_security", s.enableScriptSecurity);
  io("lvs_timeouts", s.lvsTimeouts);
  io("vrrp_garp_master_delay", s.vrrpGarpMasterDelay);
  io("vrrp_garp_master_repeat", s.vrrpGarpMasterRepeat);
  io("vrrp_garp_master_refresh", s.vrrpGarpMasterRefresh);
  io("vrrp_garp_master_refresh_repeat", s.vrrpGarpMasterRefreshRepeat);
  io("vrrp_garp_interval", s.vrrpGarpInterval);
  io("vrrp_gna_interval", s.vrrpGnaInterval);
  io("vrrp_mcast_group4", s.vrrpMcastGroup4);
  io("vrrp_mcast_group6", s.vrrpMcastGroup6);
  io("vrrp_strict", s.vrrpStrict);
  io("lvs_sync_daemon", s.lvsSyncDaemon);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, VrrpScript> {
  io("name", s.name);
  io("script", s.script);
  io("interval", s.interval);
  io("timeout", s.timeout);
  io("weight", s.weight);
  io("weight_reverse", s.weightReverse);
  io("rise", s.rise);
  io("fall", s.fall);
  io("user", s.user);
  io("group", s.group);
  io("init_fail", s.initFail);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, TrackScript> {
  io("name", s.name);
  io("weight", s.weight);
  io("reverse", s.reverse);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, TrackInterface> {
  io("name", s.name);
  io("weight", s.weight);
  io("reverse", s.reverse);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, TrackFile> {
  io("name", s.name);
  io("file", s.path);
  io("weight", s.weight);
  io("weight_reverse", s.weightReverse);
  io("init_file", s.initValue);
  io("init_overwrite", s.initOverwrite);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, TrackProcess> {
  io("name", s.name);
  io("process", s.process);
  io("params", s.params);
  io("param_match", s.paramMatch);
  io("full_command", s.fullCommand);
  io("quorum", s.quorum);
  io("quorum_max", s.quorumMax);
  io("weight", s.weight);
  io("weight_reverse", s.weightReverse);
  io("terminate_delay", s.terminateDelay);
  io("fork_delay", s.forkDelay);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, TrackRef> {
  io("name", s.name);
  io("weight", s.weight);
  io("reverse", s.reverse);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, FileCheck> {
  io("track_file", s.trackFile);
  io("weight", s.weight);
  io("reverse", s.reverse);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, NotifyScripts> {
  io("master", s.master);
  io("backup", s.backup);
  io("fault", s.fault);
  io("stop", s.stop);
  io("any", s.any);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, VrrpSyncGroup> {
  io("name", s.name);
  io("group", s.instances);
  io("notify", s.notify);
  io("smtp_alert", s.smtpAlert);
  io("track_script", s.trackScripts);
  io("track_interface", s.trackInterfaces);
  io("track_file", s.trackFiles);
  io("track_process", s.trackProcesses);
  io("track_bfd", s.trackBfds);
  io("sync_group_tracking_weight", s.trackingWeight);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, VrrpAuthentication> {
  io("auth_type", s.type);
  io("auth_pass", s.password);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, VirtualIp> {
  io("address", s.address);
  io("dev", s.dev);
  io("label", s.label);
  io("brd", s.broadcast);
  io("scope", s.scope);
  io("no_track", s.noTrack);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, VrrpInstance> {
  io("name", s.name);
  io("state", s.state);
  io("interface", s.interface);
  io("virtual_router_id", s.virtualRouterId);
  io("priority", s.priority);
  io("advert_int_cs", s.advertIntCs);
  io("authentication", s.authentication);
  io("virtual_ipaddress", s.virtualIpAddresses);
  io("virtual_ipaddress_excluded", s.virtualIpAddressesExcluded);
  io("track_script", s.trackScripts);
  io("track_interface", s.trackInterfaces);
  io("track_file", s.trackFiles);
  io("track_process", s.trackProcesses);
  io("track_bfd", s.trackBfds);
  io("nopreempt", s.nopreempt);
  io("preempt_delay", s.preemptDelay);
  io("garp_master_delay", s.garpMasterDelay);
  io("garp_master_repeat", s.garpMasterRepeat);
  io("garp_master_refresh", s.garpMasterRefresh);
  io("garp_master_refresh_repeat", s.garpMasterRefreshRepeat);
  io("notify", s.notify);
  io("smtp_alert", s.smtpAlert);
  io("mcast_src_ip", s.mcastSrcIp);
  io("unicast_src_ip", s.unicastSrcIp);
  io("unicast_peer", s.unicastPeers);
  io("version", s.version);
  io("accept", s.accept);
  io("dont_track_primary", s.dontTrackPrimary);
  io("use_vmac", s.useVmac);
  io("vmac_interface", s.vmacInterface);
  io("vmac_address", s.vmacAddress);
  io("vmac_xmit_base", s.vmacXmitBase);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, AddressRange> {
  io("first", s.first);
  io("last", s.last);
  io("port", s.port);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, VirtualServerGroup> {
  io("name", s.name);
  io("ranges", s.ranges);
  io("fwmarks", s.fwmarks);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, CheckTiming> {
  io("delay_loop", s.delayLoop);
  io("connect_timeout", s.connectTimeout);
  io("retry", s.retry);
  io("delay_before_retry", s.delayBeforeRetry);
  io("warmup", s.warmup);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, StatusRange> {
  io("first", s.first);
  io("last", s.last);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, UrlCheck> {
  io("path", s.path);
  io("digest", s.digest);
  io("status_code", s.statusCodes);
  io("virtualhost", s.virtualhost);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, UdpCheck> {
  io("payload", s.payload);
  io("require_reply", s.requireReply);
  io("reply", s.reply);
  io("min_reply_length", s.minReplyLength);
  io("max_reply_length", s.maxReplyLength);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, HealthCheck> {
  io("type", s.type);
  io("configured", s.configured);
  io("delay_loop", s.delayLoop);
  io("connect_timeout", s.connectTimeout);
  io("retry", s.retry);
  io("delay_before_retry", s.delayBeforeRetry);
  io("warmup", s.warmup);
  io("rise", s.rise);
  io("fall", s.fall);
  io("connect_ip", s.connectIp);
  io("connect_port", s.connectPort);
  io("bindto", s.bindTo);
  io("bind_port", s.bindPort);
  io("url", s.urls);
  io("virtualhost", s.virtualhost);
  io("enable_sni", s.enableSni);
  io("misc_path", s.miscPath);
  io("misc_timeout", s.miscTimeout);
  io("misc_dynamic", s.miscDynamic);
  io("user", s.user);
  io("group", s.group);
  io("dns_type", s.dnsType);
  io("dns_name", s.dnsName);
  io("helo_name", s.heloName);
  io("bfd_name", s.bfdName);
  io("bfd_alpha", s.bfdAlpha);
  io("udp", s.udp);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, TunnelSpec> {
  io("type", s.type);
  io("port", s.port);
  io("csum", s.checksum);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, RealServer> {
  io("address", s.address);
  io("port", s.port);
  io("weight", s.weight);
  io("lvs_method", s.method);
  io("tunnel", s.tunnel);
  io("inhibit_on_failure", s.inhibitOnFailure);
  io("notify_up", s.notifyUp);
  io("notify_down", s.notifyDown);
  io("uthreshold", s.upperThreshold);
  io("lthreshold", s.lowerThreshold);
  io("virtualhost", s.virtualhost);
  io("smtp_alert", s.smtpAlert);
  io("check_defaults", s.checkDefaults);
  io("checks", s.checks);
  io("file_checks", s.fileChecks);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, ClientLimits> {
  io("client_max_connections", s.maxConnections);
  io("client_max_rate", s.maxRate);
  io("client_prefix_v4", s.prefixV4);
  io("client_prefix_v6", s.prefixV6);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, SorryServer> {
  io("address", s.address);
  io("port", s.port);
  io("inhibit", s.inhibit);
  io("lvs_method", s.method);
  io("tunnel", s.tunnel);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, VirtualServer> {
  io("kind", s.kind);
  io("address", s.address);
  io("port", s.port);
  io("fwmark", s.fwmark);
  io("group", s.group);
  io("protocol", s.protocol);
  io("lvs_sched", s.scheduler);
  // Named for the scheduler, so read after it.
  io.schedFlags("sched_flags", s.scheduler, s.schedFlags);
  io("ops", s.ops);
  io("lvs_method", s.method);
  io("tunnel", s.tunnel);
  io("persistence_timeout", s.persistenceTimeout);
  io("persistence_granularity", s.persistenceGranularity);
  io("sorry_server", s.sorryServer);
  io("quorum", s.quorum);
  io("hysteresis", s.hysteresis);
  io("quorum_up", s.quorumUp);
  io("quorum_down", s.quorumDown);
  io("inhibit_on_failure", s.inhibitOnFailure);
  io("alpha", s.alpha);
  io("omega", s.omega);
  io("ha_suspend", s.haSuspend);
  io("virtualhost", s.virtualhost);
  io("smtp_alert", s.smtpAlert);
  io("check_defaults", s.checkDefaults);
  io("client_limits", s.clientLimits);
  io("real_servers", s.realServers);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, DataplanePort> {
  io("name", s.name);
  io("device", s.device);
  io("address", s.addresses);
  io("gateway", s.gateway);
  io("queues", s.queues);
  io("mtu", s.mtu);
  io("exception_tap", s.exceptionTap);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, StaticRoute> {
  io("destination", s.destination);
  io("via", s.via);
  io("dev", s.dev);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, StaticNeighbor> {
  io("address", s.address);
  io("lladdr", s.lladdr);
  io("dev", s.dev);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, PortRange> {
  io("first", s.first);
  io("last", s.last);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, FwmarkMatch> {
  io("destination", s.destination);
  io("protocol", s.protocol);
  io("ports", s.ports);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, FwmarkRule> {
  io("mark", s.mark);
  io("match", s.matches);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, Dataplane> {
  io("lcores", s.lcores);
  io("lcore_map", s.lcoreMap);
  io("no_huge", s.noHuge);
  io("memory", s.memoryMb);
  io("conn_table_size", s.connTableSize);
  io("lvs_timeouts", s.lvsTimeouts);
  io("expire_nodest_conn", s.expireNodestConn);
  io("ftp_helper", s.ftpHelper);
  io("ftp_ports", s.ftpPorts);
  io("sync_threshold", s.syncThreshold);
  io("sync_period", s.syncPeriod);
  io("sync_refresh_period", s.syncRefreshPeriod);
  io("sync_retries", s.syncRetries);
  io("sync_takeover_wait", s.syncTakeoverWait);
  io("sync_bulk_port", s.syncBulkPort);
  io("client_limits", s.clientLimits);
  io("ports", s.ports);
  io("routes", s.routes);
  io("neighbors", s.neighbors);
  io("fwmarks", s.fwmarks);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, ApiConfig> {
  io("socket", s.socket);
  io("listen_address", s.listenAddress);
  io("listen_port", s.listenPort);
  io("token", s.token);
  io("token_file", s.tokenFile);
  io("tls_certificate", s.tlsCertificate);
  io("tls_key", s.tlsKey);
  io("tls_client_ca", s.tlsClientCa);
  io("allow_plain_tcp", s.allowPlainTcp);
  io("auth_failure_limit", s.authFailureLimit);
}

template <class Io, class S>
void fields(Io& io, S& s) requires std::is_same_v<std::remove_const_t<S>, Config> {
  io("global_defs", s.globalDefs);
  io("vrrp_scripts", s.vrrpScripts);
  io("track_files", s.trackFiles);
  io("track_processes", s.trackProcesses);
  io("vrrp_sync_groups", s.vrrpSyncGroups);
  io("vrrp_instances", s.vrrpInstances);
  io("virtual_server_groups", s.virtualServerGroups);
  io("virtual_servers", s.virtualServers);
  io("dataplane", s.dataplane);
  io("api", s.api);
  io("bfd_instances", s.bfdInstances);
}

// ------------------------------------------------------------ values

template <class T>
struct IsOptional : std::false_type {};

template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
struct IsVector : std::false_type {};

template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

struct Writer;
struct Reader;

// Every enum value, for decoding by name.
template <class E>
constexpr auto allValues() {
  if constexpr (std::is_same_v<E, Protocol>) {
    return std::array{Protocol::kTcp, Protocol::kUdp, Protocol::kSctp};
  } else if constexpr (std::is_same_v<E, ForwardingMethod>) {
    return std::array{ForwardingMethod::kNat, ForwardingMethod::kDr, ForwardingMethod::kTun};
  } else if constexpr (std::is_same_v<E, TunnelType>) {
    return std::array{TunnelType::kIpip, TunnelType::kGue, TunnelType::kGre};
  } else if constexpr (std::is_same_v<E, VrrpState>) {
    return std::array{VrrpState::kBackup, VrrpState::kMaster};
  } else if constexpr (std::is_same_v<E, AuthType>) {
    return std::array{AuthType::kPass, AuthType::kAh};
  } else if constexpr (std::is_same_v<E, ParamMatch>) {
    return std::array{ParamMatch::kNone, ParamMatch::kExact, ParamMatch::kPartial, ParamMatch::kInitial};
  } else if constexpr (std::is_same_v<E, CheckType>) {
    return std::array{CheckType::kTcp, CheckType::kHttp, CheckType::kSsl, CheckType::kMisc, CheckType::kDns,
                      CheckType::kSmtp, CheckType::kBfd, CheckType::kUdp, CheckType::kPing};
  } else {
    static_assert(std::is_same_v<E, VirtualServerKind>);
    return std::array{VirtualServerKind::kAddress, VirtualServerKind::kFwmark, VirtualServerKind::kGroup};
  }
}

template <class T>
json encode(const T& v);

// Strict decoding refuses keys the model does not have (the API's input);
// lenient decoding ignores them (files written by a newer sluice).
enum class Keys : bool { kIgnoreUnknown, kRefuseUnknown };

template <class T>
void decode(const json& j, T& out, const std::string& key, Keys keys = Keys::kIgnoreUnknown);

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw std::invalid_argument("json: '" + key + "': " + why);
}

struct Writer {
  json out = json::object();

  template <class T>
  void operator()(const char* key, const T& value) {
    if constexpr (IsOptional<T>::value) {
      if (value) {
        out[key] = encode(*value);
      }
    } else {
      out[key] = encode(value);
    }
  }

  // The scheduler flags as ipvsadm names them for the scheduler.
  void schedFlags(const char* key, const std::string& scheduler, std::uint8_t flags) {
    out[key] = schedFlagNames(flags, scheduler);
  }
};

struct Reader {
  const json& in;
  Keys keys;
  std::vector<std::string_view> known{};

  template <class T>
  void operator()(const char* key, T& value) {
    known.emplace_back(key);
    const auto it = in.find(key);
    if (it == in.end()) {
      return;  // keep the model's default
    }
    if constexpr (IsOptional<T>::value) {
      if (it->is_null()) {
        value.reset();
        return;
      }
      typename T::value_type inner{};
      decode(*it, inner, key, keys);
      value = std::move(inner);
    } else {
      decode(*it, value, key, keys);
    }
  }

  // Scheduler flags by any name that fits the scheduler already read
  // (ipvsadm refuses sh-port with rr, for one).
  void schedFlags(const char* key, const std::string& scheduler, std::uint8_t& flags) {
    known.emplace_back(key);
    const auto it = in.find(key);
    if (it == in.end()) return;
    std::vector<std::string> names;
    decode(*it, names, key);
    flags = 0;
    for (const std::string& name : names) {
      if (schedFlagBit(name) == 0) {
        bad(key, "unknown scheduler flag '" + name + "' (known: " + std::string(schedFlagList()) + ")");
      }
      if (!schedFlagFits(name, scheduler)) {
        bad(key, "incompatible scheduler flag '" + name + "' for lvs_sched " + scheduler);
      }
      flags |= schedFlagBit(name);
    }
  }

  // Throws naming the first key no field of the model read.
  void refuseUnknown() const {
    for (const auto& [key, value] : in.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        throw std::invalid_argument("json: '" + key + "': unknown field");
      }
    }
  }
};

template <class T>
json encode(const T& v) {
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_integral_v<T>) {
    return v;
  } else if constexpr (std::is_same_v<T, Duration>) {
    return v.count();
  } else if constexpr (std::is_enum_v<T>) {
    return std::string(toString(v));
  } else if constexpr (std::is_same_v<T, wire::IpAddress>) {
    return config::toString(v);
  } else if constexpr (std::is_same_v<T, IpPrefix> || std::is_same_v<T, MacAddress>) {
    return v.toString();
  } else if constexpr (IsVector<T>::value) {
    json arr = json::array();
    for (const auto& item : v) {
      arr.push_back(encode(item));
    }
    return arr;
  } else {
    Writer w;
    fields(w, v);
    return w.out;
  }
}

template <class T>
void decode(const json& j, T& out, const std::string& key, Keys keys) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) {
      bad(key, "expected true or false");
    }
    out = j.get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) {
      bad(key, "expected a string");
    }
    out = j.get<std::string>();
  } else if constexpr (std::is_integral_v<T>) {
    // Range-checked: a plain get<uint8_t>() would wrap 300 to 44.
    if (!j.is_number_integer()) {
      bad(key, "expected an integer");
    }
    if (j.is_number_unsigned()) {
      const auto v = j.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        bad(key, std::to_string(v) + " is out of range");
      }
      out = static_cast<T>(v);
    } else {
      const auto v = j.get<std::int64_t>();
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          (v > 0 &&
           static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))) {
        bad(key, std::to_string(v) + " is out of range");
      }
      out = static_cast<T>(v);
    }
  } else if constexpr (std::is_same_v<T, Duration>) {
    std::int64_t ms = 0;
    decode(j, ms, key);
    out = Duration{ms};
  } else if constexpr (std::is_enum_v<T>) {
    std::string name;
    decode(j, name, key);
    for (const auto value : allValues<T>()) {
      if (toString(value) == name) {
        out = value;
        return;
      }
    }
    bad(key, "unknown value '" + name + "'");
  } else if constexpr (std::is_same_v<T, wire::IpAddress> || std::is_same_v<T, IpPrefix> ||
                       std::is_same_v<T, MacAddress>) {
    std::string text;
    decode(j, text, key);
    std::optional<T> parsed;
    if constexpr (std::is_same_v<T, wire::IpAddress>) {
      parsed = parseAddress(text);
    } else {
      parsed = T::parse(text);
    }
    if (!parsed) {
      bad(key, "'" + text + "' is not a valid address");
    }
    out = *parsed;
  } else if constexpr (IsVector<T>::value) {
    if (!j.is_array()) {
      bad(key, "expected an array");
    }
    out.clear();
    for (const auto& item : j) {
      typename T::value_type v{};
      decode(item, v, key, keys);
      out.push_back(std::move(v));
    }
  } else {
    if (!j.is_object()) {
      bad(key, "expected an object");
    }
    Reader r{j, keys};
    fields(r, out);
    if (keys == Keys::kRefuseUnknown) {
      r.refuseUnknown();
    }
  }
}

}  // namespace

nlohmann::json toJson(const Config& config) { return encode(config); }

Config configFromJson(const nlohmann::json& j) {
  Config config;
  decode(j, config, "config");
  return config;
}

void to_json(nlohmann::json& j, const Config& v) { j = encode(v); }

void from_json(const nlohmann::json& j, Config& v) { decode(j, v, "config"); }

void to_json(nlohmann::json& j, const VrrpInstance& v) { j = encode(v); }

void from_json(const nlohmann::json& j, VrrpInstance& v) { decode(j, v, "vrrp_instance"); }

void to_json(nlohmann::json& j, const VirtualServer& v) { j = encode(v); }

void from_json(const nlohmann::json& j, VirtualServer& v) { decode(j, v, "virtual_server"); }

void to_json(nlohmann::json& j, const RealServer& v) { j = encode(v); }

void from_json(const nlohmann::json& j, RealServer& v) { decode(j, v, "real_server"); }

void to_json(nlohmann::json& j, const Dataplane& v) { j = encode(v); }

void from_json(const nlohmann::json& j, Dataplane& v) { decode(j, v, "dataplane"); }

VirtualServer virtualServerFromJsonStrict(const nlohmann::json& j) {
  VirtualServer v;
  decode(j, v, "virtual_server", Keys::kRefuseUnknown);
  return v;
}

RealServer realServerFromJsonStrict(const nlohmann::json& j) {
  RealServer v;
  decode(j, v, "real_server", Keys::kRefuseUnknown);
  return v;
}

}  // namespace sluice::config
