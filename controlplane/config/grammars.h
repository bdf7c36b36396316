// The keepalived.conf grammar, one function per kind of block. Internal to
// the parser: each add*Keywords() registers a top-level keyword.
#pragma once

#include <array>
#include <string_view>

#include "controlplane/config/grammar.h"
#include "controlplane/config/model.h"

namespace sluice::config {

// The whole grammar, top level first. Thread-safe (builds a new one).
Block<Config> configGrammar();

// global_defs { }. Thread-safe.
void addGlobalKeywords(Block<Config>& top);
// vrrp_script { }. Thread-safe.
void addVrrpScriptKeywords(Block<Config>& top);
// bfd_instance { }. Thread-safe.
void addBfdInstanceKeywords(Block<Config>& top);
// track_file { }, vrrp_track_file { }, vrrp_track_process { }. Thread-safe.
void addTrackerKeywords(Block<Config>& top);
// vrrp_sync_group { }. Thread-safe.
void addVrrpSyncGroupKeywords(Block<Config>& top);
// vrrp_instance { }. Thread-safe.
void addVrrpInstanceKeywords(Block<Config>& top);
// virtual_server_group { }. Thread-safe.
void addVirtualServerGroupKeywords(Block<Config>& top);
// virtual_server { } with its real servers and checks. Thread-safe.
void addVirtualServerKeywords(Block<Config>& top);
// sluice's dataplane { }. Thread-safe.
void addDataplaneKeywords(Block<Config>& top);

// sluice's api { } (the control API's listeners). Thread-safe.
void addApiKeywords(Block<Config>& top);

// `tcp N tcpfin N udp N` (any order, at least one), as in global_defs and
// dataplane. Not thread-safe (reads one statement).
LvsTimeouts readLvsTimeouts(const Args& a);

// The per-client limit keywords of a virtual_server and the dataplane
// block, and the reader of one of them into `limits`. Not thread-safe.
inline constexpr std::array<std::string_view, 4> kClientLimitKeywords = {
    "client_max_connections", "client_max_rate", "client_prefix_v4", "client_prefix_v6"};
void readClientLimit(ClientLimits& limits, std::string_view keyword, const Args& a);

// Errors (via Args) when value i, the interface of lvs_sync_daemon or
// lvs_sync_daemon_interface, is longer than IPVS allows. Not thread-safe.
void checkSyncInterfaceName(const Args& a, std::size_t i);

// The block of one check type (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, DNS_CHECK,
// SMTP_CHECK, UDP_CHECK, PING_CHECK). Thread-safe.
Block<HealthCheck> healthCheckGrammar(CheckType type);
// Errors (via Args) when a finished check lacks what its type needs. Not thread-safe.
void checkHealthCheck(const HealthCheck& check, const Args& a);
// The checks one finished block makes: itself, but an SMTP_CHECK with
// host { } blocks one per host (and its own connection when it has one),
// as keepalived does. Warns (via Args) of the deprecated hosts. Not thread-safe.
std::vector<HealthCheck> splitCheck(HealthCheck check, const Args& a);
// Fills the check's resolved timing from its own block, then the real
// server, then the virtual server, then keepalived's defaults. Thread-safe.
void resolveCheckTiming(HealthCheck& check, const CheckTiming& realServer, const CheckTiming& virtualServer);

}  // namespace sluice::config
