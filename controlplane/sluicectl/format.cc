// Everything sluicectl prints that ipvsadm has no layout for.
#include <algorithm>
#include <vector>

#include "controlplane/sluicectl/format.h"
#include "controlplane/sluicectl/json_fields.h"

namespace sluice::sluicectl {
namespace {

using nlohmann::json;
using Row = std::vector<std::string>;

// Columns as wide as their widest cell, two blanks apart, no trailing blanks.
std::string table(const Row& header, const std::vector<Row>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) {
    widths[i] = header[i].size();
    for (const auto& row : rows) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  const auto line = [&](const Row& cells) {
    std::string l;
    for (std::size_t i = 0; i < cells.size(); ++i) l += padRight(cells[i], widths[i] + 2);
    out += trimRight(l) + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

// A line before a table whose subsystem is off, so an all-default table is
// not mistaken for live state.
std::string notRunning(const json& reply, const std::string& what) {
  return field(reply, "running") == false ? what + ": not running\n" : "";
}

// "key: value"; an object's fields indented below its key; a list of
// objects one "N: field=value ..." line per element; a list of scalars on one line.
std::string keyValueLines(const std::string& key, const json& value, const std::string& indent) {
  if (value.is_object()) {
    std::string out = indent + key + ":\n";
    for (const auto& [k, v] : value.items()) out += keyValueLines(k, v, indent + "  ");
    return out;
  }
  if (value.is_array() && std::any_of(value.begin(), value.end(), [](const json& e) { return e.is_object(); })) {
    std::string out = indent + key + ":\n";
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::string line = indent + "  " + std::to_string(i) + ":";
      if (value[i].is_object()) {
        for (const auto& [k, v] : value[i].items()) line += " " + k + "=" + cellText(v);
      } else {
        line += " " + cellText(value[i]);
      }
      out += line + "\n";
    }
    return out;
  }
  if (value.is_array()) {
    std::string joined;
    for (const auto& e : value) joined += (joined.empty() ? "" : ", ") + cellText(e);
    return trimRight(indent + key + ": " + joined) + "\n";
  }
  return indent + key + ": " + cellText(value) + "\n";
}

}  // namespace

std::string formatVrrp(const json& vrrp) {
  std::vector<Row> rows;
  for (const auto& i : list(vrrp, "instances")) {
    rows.push_back({text(i, "name"), text(i, "interface"), text(i, "virtual_router_id"), text(i, "state"),
                    text(i, "priority"), text(i, "effective_priority"), text(i, "master_address")});
  }
  return notRunning(vrrp, "vrrp") +
         table({"Name", "Interface", "VRID", "State", "Prio", "EffPrio", "Master"}, rows);
}

std::string formatSync(const json& sync) {
  if (!field(sync, "enabled").is_boolean() || !sync.at("enabled").get<bool>()) {
    return "connection sync: off (no lvs_sync_daemon in global_defs)\n";
  }
  static const std::vector<std::string> kOrder = {"role",    "instance", "instance_state", "interface", "syncid",
                                                  "group",   "port",     "maxlen",         "ttl",       "peer",
                                                  "sent",    "received", "dropped",        "backlog",   "lag_ms",
                                                  "last_sent_ms_ago",    "last_received_ms_ago"};
  std::string out;
  for (const auto& key : kOrder) {
    if (sync.contains(key)) out += keyValueLines(key, sync.at(key), "");
  }
  return out;
}

std::string formatHealth(const json& health) {
  std::vector<Row> rows;
  for (const auto& c : list(health, "checkers")) {
    rows.push_back({text(c, "service"), text(c, "real_server"), text(c, "type"), text(c, "state"),
                    text(c, "last_error")});
  }
  return notRunning(health, "health checks") +
         table({"Service", "RealServer", "Check", "State", "LastError"}, rows);
}

std::string formatStatus(const json& status) {
  // The daemon's key order is lost in parsing; this one reads top-down, and
  // keys a newer daemon adds follow in alphabetical order.
  static const std::vector<std::string> kOrder = {"version", "pid",   "uptime_s",    "config_file", "table_version",
                                                  "workers", "worker_loops", "ports", "last_reload", "control"};
  std::vector<std::string> keys;
  for (const auto& key : kOrder) {
    if (status.contains(key)) keys.push_back(key);
  }
  if (status.is_object()) {
    for (const auto& [key, value] : status.items()) {
      if (std::find(kOrder.begin(), kOrder.end(), key) == kOrder.end()) keys.push_back(key);
    }
  }
  std::string out;
  for (const auto& key : keys) {
    if (key == "ports") {
      out += "ports:\n";
      for (const auto& p : list(status, "ports")) {
        out += "  " + text(p, "name") + " " + text(p, "mac") + " link " + text(p, "link") + "\n";
      }
    } else {
      out += keyValueLines(key, status.at(key), "");
    }
  }
  return out;
}

std::string formatConfigDiff(const json& diff) {
  const std::string file = text(diff, "file");
  if (field(diff, "same") == true) return "the running configuration is " + file + "'s\n";
  std::string out = "changed at run time (a reload of " + file + " undoes it):\n";
  const std::pair<const char*, const char*> parts[] = {
      {"added", "added"}, {"removed", "removed"}, {"changed", "changed"}};
  for (const auto& [key, word] : parts) {
    for (const auto& id : list(diff, key)) out += "  " + std::string(word) + " " + cellText(id) + "\n";
  }
  if (field(diff, "other_settings") == true) out += "  changed settings outside virtual_server blocks (such as timeouts)\n";
  return out;
}

std::string formatReload(const json& reply) {
  std::string out = "reloaded: " + std::to_string(list(reply, "added").size()) + " added, " +
                    std::to_string(list(reply, "removed").size()) + " removed, " +
                    std::to_string(list(reply, "changed").size()) + " changed\n";
  // Warnings the new file drew, and notes such as changes that wait for a restart.
  for (const auto& line : list(reply, "diagnostics")) out += cellText(line) + "\n";
  for (const auto& line : list(reply, "notes")) out += cellText(line) + "\n";
  return out;
}

std::string formatRefusal(int status, const std::string& body) {
  const json reply = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!field(reply, "error").is_string()) {
    // Not the API's error object (a proxy, a crash): show what came back.
    std::string first = body.substr(0, body.find('\n'));
    return "sluicectl: sluiced answered HTTP " + std::to_string(status) + (first.empty() ? "" : ": " + first) + "\n";
  }
  std::string out = "sluicectl: " + text(reply, "error");
  if (field(reply, "field").is_string()) out += " (field: " + text(reply, "field") + ")";
  out += "\n";
  for (const auto& d : list(reply, "diagnostics")) out += cellText(d) + "\n";
  return out;
}

}  // namespace sluice::sluicectl
