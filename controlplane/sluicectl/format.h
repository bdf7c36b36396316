// The API's JSON as text for people: ipvsadm's tables for services and
// connections, small tables and "key: value" lines for the rest. Pure
// functions; a field that is missing or of an unexpected type prints as "-"
// (or 0 for a counter) rather than failing, so an older or newer daemon
// still gets a readable answer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/sluicectl/options.h"

namespace sluice::sluicectl {

// "10.0.0.1:80", "[2001:db8::1]:80" (ipvsadm -n) of an entry's address
// and port fields. Thread-safe.
std::string endpointName(const nlohmann::json& entry, std::string_view addressKey, std::string_view portKey);

// "TCP  10.0.0.1:80", "FWM  80"; a service that has neither (a group) by
// its id. Thread-safe.
std::string serviceName(const nlohmann::json& service);

// Services or real servers in ipvsadm's order (libipvs' ipvs_cmp_services,
// ipvs_cmp_dests): address services before fwmarks, then family, protocol,
// address, port. Pointers into entries. Thread-safe.
std::vector<const nlohmann::json*> ipvsOrder(const nlohmann::json& entries);

// `ipvsadm -Ln` (or --stats / --rate) of GET /v1/stats, sorted as ipvsadm
// sorts. Thread-safe.
std::string formatServices(const nlohmann::json& stats, Columns columns);

// `ipvsadm -Lnc` of a list of connections (a page's "connections"); the
// two title lines only withTitle, so pages print one after another. Thread-safe.
std::string formatConnections(const nlohmann::json& connections, bool withTitle = true);

// GET /v1/vrrp as a table: Name, Interface, VRID, State, Prio, EffPrio, Master. Thread-safe.
std::string formatVrrp(const nlohmann::json& vrrp);

// sluicectl sync: GET /v1/sync as "key: value" lines, nested counters
// indented; one line when sync is off.
std::string formatSync(const nlohmann::json& sync);

// GET /v1/health as a table: Service, RealServer, Check, State, LastError. Thread-safe.
std::string formatHealth(const nlohmann::json& health);

// GET /v1/status as "key: value" lines, nested objects indented. Thread-safe.
std::string formatStatus(const nlohmann::json& status);

// A successful POST /v1/config/reload: "reloaded: N added, N removed, N
// changed", then its diagnostics (warnings) and notes, a line each. Thread-safe.
std::string formatReload(const nlohmann::json& reply);

// GET /v1/config/diff: "the running configuration is FILE's" or what was
// added, removed and changed at run time, a service a line. Thread-safe.
std::string formatConfigDiff(const nlohmann::json& diff);

// What to print on stderr for a refused request: "sluicectl: ERROR (field:
// F)" and then each diagnostic line, whatever the body holds. Thread-safe.
std::string formatRefusal(int status, const std::string& body);

}  // namespace sluice::sluicectl
