#include "controlplane/sluicectl/top_render.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "controlplane/sluicectl/json_fields.h"

namespace sluice::sluicectl::top {
namespace {

struct Column {
  const char* title;
  std::size_t width;
  bool text;            // sorted as text (else as a number); left-aligned
  bool ascendingFirst;  // names sort A-Z first, numbers largest first
};

// A table cell: what is printed, and what it sorts by.
struct Cell {
  std::string shown;
  double number = 0;
};
using Row = std::vector<Cell>;

// Each view's sortable table. Widths hold the title and its sort mark.
const std::vector<Column> kServiceColumns = {
    {"Service / real server", 30, false, true},  // by position: ipvsadm's order
    {"Mode", 6, true, true},                     // scheduler; a real server's forwarding method
    {"Weight", 7, false, false},
    {"Health", 7, true, true},
    {"ActConn", 8, false, false},
    {"InActConn", 10, false, false},
    {"CPS", 7, false, false},
    {"InPPS", 7, false, false},
    {"OutPPS", 7, false, false},
    {"InBPS", 7, false, false},
    {"OutBPS", 7, false, false},
};
const std::vector<Column> kDropColumns = {
    {"Drop reason", 24, true, true},
    {"Packets", 12, false, false},
    {"Per second", 11, false, false},
};
const std::vector<Column> kVrrpColumns = {
    {"Instance", 14, true, true}, {"Interface", 10, true, true}, {"VRID", 5, false, true},
    {"State", 7, true, true},     {"Prio", 5, false, false},     {"EffPrio", 8, false, false},
    {"Master", 24, true, true},   {"Transitions", 12, false, false},
};

const std::vector<Column>& columnsOf(View view) {
  switch (view) {
    case View::kDrops:
      return kDropColumns;
    case View::kSystem:
      return kVrrpColumns;
    case View::kServices:
      break;
  }
  return kServiceColumns;
}

std::string format(const char* pattern, double n, char suffix = 0) {
  char buf[32];
  if (suffix) {
    std::snprintf(buf, sizeof(buf), pattern, n, suffix);
  } else {
    std::snprintf(buf, sizeof(buf), pattern, n);
  }
  return buf;
}

std::string rateText(const std::optional<double>& n) { return n ? shortNumber(*n) : "-"; }

Cell rateCell(const std::optional<double>& n) { return {rateText(n), n ? *n : -1}; }

Cell countCell(std::uint64_t n) { return {std::to_string(n), static_cast<double>(n)}; }

Cell textCell(const std::string& s) { return {s, 0}; }

// One table line: cells in their columns, the last one's blanks trimmed.
std::string line(const std::vector<std::string>& cells, const std::vector<Column>& columns) {
  std::string out;
  for (std::size_t i = 0; i < cells.size() && i < columns.size(); ++i) {
    const bool last = i + 1 == cells.size();
    if (columns[i].text || i == 0) {
      out += last ? cells[i] : padRight(cells[i], columns[i].width);
    } else {
      out += padLeft(cells[i], columns[i].width);
    }
    if (!last) out += ' ';
  }
  return trimRight(out);
}

std::string rowLine(const Row& row, const std::vector<Column>& columns) {
  std::vector<std::string> cells;
  for (const auto& c : row) cells.push_back(c.shown);
  return line(cells, columns);
}

// The titles, the sort column's marked '*' before and its direction after.
std::string headerLine(const std::vector<Column>& columns, std::size_t sortColumn, bool ascending) {
  std::vector<std::string> titles;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    std::string t = columns[i].title;
    if (i == sortColumn) t = "*" + t + (ascending ? "^" : "v");
    titles.push_back(t);
  }
  return line(titles, columns);
}

bool ascendingOf(const ViewState& state) {
  const auto v = static_cast<std::size_t>(state.view);
  return columnsOf(state.view)[state.sortColumn[v]].ascendingFirst != state.reversed[v];
}

// Rows in the view's order; equal ones keep their order (stable).
void sortRows(std::vector<Row>& rows, const ViewState& state) {
  const auto v = static_cast<std::size_t>(state.view);
  const std::size_t col = state.sortColumn[v];
  const bool asText = columnsOf(state.view)[col].text;
  const bool ascending = ascendingOf(state);
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (asText) return ascending ? a[col].shown < b[col].shown : b[col].shown < a[col].shown;
    return ascending ? a[col].number < b[col].number : b[col].number < a[col].number;
  });
}

Row trafficCells(Row row, const std::optional<Traffic>& r) {
  row.push_back(rateCell(r ? std::optional<double>(r->conns) : std::nullopt));
  row.push_back(rateCell(r ? std::optional<double>(r->inpkts) : std::nullopt));
  row.push_back(rateCell(r ? std::optional<double>(r->outpkts) : std::nullopt));
  row.push_back(rateCell(r ? std::optional<double>(r->inbytes) : std::nullopt));
  row.push_back(rateCell(r ? std::optional<double>(r->outbytes) : std::nullopt));
  return row;
}

std::vector<std::string> servicesView(const Sample& s, const ViewState& state) {
  std::vector<Row> services;
  std::map<std::size_t, std::vector<Row>> serversOf;  // by the service's position
  for (std::size_t i = 0; i < s.services.size(); ++i) {
    const ServiceRow& svc = s.services[i];
    Row row = {{svc.name, static_cast<double>(i)}, textCell(svc.scheduler), {"", -1},
               textCell(svc.quorumLost ? "QUORUM" : ""), countCell(svc.active), countCell(svc.inactive)};
    services.push_back(trafficCells(row, svc.rates));
    for (std::size_t j = 0; j < svc.servers.size(); ++j) {
      const ServerRow& rs = svc.servers[j];
      Row r = {{"  -> " + rs.name, static_cast<double>(j)}, textCell(rs.method), countCell(rs.weight),
               textCell(rs.health), countCell(rs.active), countCell(rs.inactive)};
      serversOf[i].push_back(trafficCells(r, rs.rates));
    }
  }
  sortRows(services, state);
  std::vector<std::string> out;
  for (const Row& svc : services) {
    out.push_back(rowLine(svc, kServiceColumns));
    auto& servers = serversOf[static_cast<std::size_t>(svc[0].number)];
    sortRows(servers, state);
    for (const Row& r : servers) out.push_back(rowLine(r, kServiceColumns));
  }
  if (s.services.empty()) out.push_back("no services");
  return out;
}

std::vector<std::string> dropsView(const Sample& s, const ViewState& state) {
  std::vector<Row> rows;
  for (const auto& d : s.drops) rows.push_back({textCell(d.reason), countCell(d.total), rateCell(d.rate)});
  sortRows(rows, state);
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(rowLine(r, kDropColumns));
  if (rows.empty()) out.push_back("no packet dropped");
  out.push_back("");
  const std::vector<Column> workerColumns = {
      {"Worker", 8, false, true}, {"RxPkts/s", 10, false, false}, {"TxPkts/s", 10, false, false},
      {"Connections", 12, false, false}};
  out.push_back(line({"Worker", "RxPkts/s", "TxPkts/s", "Connections"}, workerColumns));
  for (std::size_t i = 0; i < s.workers.size(); ++i) {
    const WorkerRow& w = s.workers[i];
    out.push_back(line({std::to_string(i), rateText(w.rxRate), rateText(w.txRate), std::to_string(w.connections)},
                       workerColumns));
  }
  return out;
}

std::vector<std::string> systemView(const Sample& s, const ViewState& state) {
  std::vector<Row> rows;
  for (const auto& v : s.vrrp) {
    rows.push_back({textCell(v.name), textCell(v.interface), {v.vrid, std::atof(v.vrid.c_str())},
                    textCell(v.state), {v.priority, std::atof(v.priority.c_str())},
                    {v.effectivePriority, std::atof(v.effectivePriority.c_str())}, textCell(v.master),
                    countCell(v.transitions)});
  }
  sortRows(rows, state);
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(rowLine(r, kVrrpColumns));
  if (rows.empty()) out.push_back(s.vrrpRunning ? "no VRRP instance" : "VRRP not running: this router holds every VIP");
  out.push_back("");
  const SyncInfo& sync = s.sync;
  if (!sync.enabled) {
    out.push_back("Connection sync: off");
  } else {
    out.push_back("Connection sync: " + sync.role + ", peer " + sync.peer);
    out.push_back("  sent " + std::to_string(sync.sentMessages) + " messages (" + rateText(sync.sentRate) +
                  "/s), received " + std::to_string(sync.receivedMessages) + " (" + rateText(sync.receivedRate) +
                  "/s)");
    out.push_back("  dropped " + std::to_string(sync.dropped) + ", backlog " + std::to_string(sync.backlog) +
                  ", lag " + std::to_string(sync.lagMs) + " ms");
  }
  out.push_back("");
  std::string quorum;
  for (const auto& svc : s.services) {
    if (svc.quorumLost) quorum += (quorum.empty() ? "" : ", ") + svc.id;
  }
  out.push_back("Health checks: " + std::to_string(s.checks) + ", " + std::to_string(s.checksDown) + " not up" +
                (quorum.empty() ? "" : "; quorum lost: " + quorum));
  return out;
}

std::string summaryVrrp(const Sample& s) {
  if (!s.vrrpRunning) return "VRRP off";
  std::map<std::string, int> byState;
  for (const auto& v : s.vrrp) ++byState[v.state];
  std::string out = "VRRP";
  for (const auto& [state, n] : byState) out += " " + std::to_string(n) + " " + state;
  return out;
}

std::string summaryLine(const Sample& s) {
  std::size_t servers = 0, down = 0;
  std::optional<double> cps = 0;
  for (const auto& svc : s.services) {
    servers += svc.servers.size();
    for (const auto& rs : svc.servers) down += rs.health != "UP" && rs.health != "-";
    cps = cps && svc.rates ? std::optional<double>(*cps + svc.rates->conns) : std::nullopt;
  }
  std::optional<double> drops = 0;
  for (const auto& d : s.drops) drops = drops && d.rate ? std::optional<double>(*drops + *d.rate) : std::nullopt;
  return "Services " + std::to_string(s.services.size()) + ", real servers " + std::to_string(servers) + " (" +
         std::to_string(down) + " down), " + rateText(cps) + " conn/s | " + summaryVrrp(s) + " | sync " +
         (s.sync.enabled ? s.sync.role : "off") + " | drops " + rateText(drops) + "/s";
}

std::string viewsLine(const ViewState& state) {
  static constexpr const char* kNames[kViewCount] = {"Services", "Drops", "VRRP+sync"};
  std::string out;
  for (std::size_t i = 0; i < kViewCount; ++i) {
    const std::string name = std::to_string(i + 1) + " " + kNames[i];
    out += (i == static_cast<std::size_t>(state.view) ? "[" + name + "]" : " " + name + " ") + " ";
  }
  const auto v = static_cast<std::size_t>(state.view);
  out += "  sort: " + std::string(columnsOf(state.view)[state.sortColumn[v]].title) +
         (ascendingOf(state) ? " ascending" : " descending");
  return out + "   q quit, v view, < > sort, r reverse, d delay";
}

}  // namespace

std::size_t sortableColumns(View view) { return columnsOf(view).size(); }

std::string shortNumber(double n) {
  if (n < 0) return "-";
  if (n < 99.95) return format("%.1f", n);
  if (n < 99999.5) return format("%.0f", n);
  static constexpr char kSuffixes[] = "KMGTPE";
  double scaled = n;
  for (char suffix : std::string_view(kSuffixes)) {
    scaled /= 1000;
    if (scaled < 99.95) return format("%.1f%c", scaled, suffix);
    if (scaled < 999.5) return format("%.0f%c", scaled, suffix);
  }
  return format("%.0f%c", scaled, 'E');
}

Screen render(const Sample& sample, const ViewState& state, std::string_view problem, std::size_t width,
              std::size_t height) {
  Screen screen;
  auto& lines = screen.lines;
  lines.push_back("sluicectl top - sluiced " + sample.version + ", up " + sample.uptime + ", refresh every " +
                  secondsText(state.delayMs) + " s");
  lines.push_back(summaryLine(sample));
  if (state.delayPrompt) {
    lines.push_back("Change delay from " + secondsText(state.delayMs) + " s to: " + *state.delayPrompt);
  } else {
    lines.push_back(!problem.empty() ? std::string(problem) : state.notice);
  }
  lines.push_back(viewsLine(state));
  const auto v = static_cast<std::size_t>(state.view);
  screen.highlighted = lines.size();
  lines.push_back(headerLine(columnsOf(state.view), state.sortColumn[v], ascendingOf(state)));
  std::vector<std::string> body;
  switch (state.view) {
    case View::kServices:
      body = servicesView(sample, state);
      break;
    case View::kDrops:
      body = dropsView(sample, state);
      break;
    case View::kSystem:
      body = systemView(sample, state);
      break;
  }
  lines.insert(lines.end(), body.begin(), body.end());
  if (height && lines.size() > height) lines.resize(height);
  if (width) {
    for (auto& l : lines) {
      if (l.size() > width) l.resize(width);
    }
  }
  return screen;
}

}  // namespace sluice::sluicectl::top
