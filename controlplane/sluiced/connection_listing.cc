#include "controlplane/sluiced/connection_listing.h"

#include <cstdio>
#include <vector>

#include "controlplane/api/api_error.h"
#include "controlplane/api/resources.h"
#include "controlplane/tables/keys.h"

namespace sluice::sluiced {
namespace {

using nlohmann::json;

constexpr unsigned kDumpTimeoutMs = 200;         // a worker answers a page request within this
constexpr uint64_t kSlotsPerListing = 1u << 22;  // slots one API call scans at most (then a cursor)

// Cursor text "WORKER:TABLE:SLOT" <-> (worker, dump cursor).
std::string cursorText(unsigned worker, uint64_t cursor) {
  return std::to_string(worker) + ":" + std::to_string(cursor >> 32) + ":" + std::to_string(cursor & 0xFFFFFFFFu);
}

std::pair<unsigned, uint64_t> parseCursor(const std::string& text, unsigned workers) {
  if (text.empty()) return {0, 0};
  unsigned w = 0, table = 0;
  unsigned long slot = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%u:%u:%lu%c", &w, &table, &slot, &tail) != 3 || w >= workers ||
      table >= dp::kDumpTables || slot > 0xFFFFFFFFul) {
    throw api::ApiError(400, "cursor '" + text + "' is not one this daemon gave (use next_cursor)", "cursor");
  }
  return {w, uint64_t{table} << 32 | slot};
}

}  // namespace

json listConnections(dp::DataplaneHandle& rt, const std::string& cursorAt, unsigned limit) {
  auto [worker, cursor] = parseCursor(cursorAt, rt.workerCount());
  const dp::ForwardingTable& table = *rt.table();
  std::vector<std::string> names(dp::kMaxServices);
  std::vector<uint8_t> protocols(dp::kMaxServices, 0);  // a template's, as ipvsadm shows it: 0 ("IP") for fwmark
  for (const dp::Service& s : table.services) {
    names[s.serviceId] = tables::serviceKey(s);
    protocols[s.serviceId] = s.byMark ? 0 : s.proto;
  }
  json list = json::array();
  std::vector<dp::ConnRecord> page(limit);
  uint64_t scanned = 0;
  while (worker < rt.workerCount() && list.size() < limit && scanned < kSlotsPerListing) {
    dp::ConnDumpRequest req;
    req.cursor = cursor;
    req.out = page.data();
    req.capacity = limit - static_cast<unsigned>(list.size());
    if (!rt.dumpConnections(worker, req, kDumpTimeoutMs)) {
      throw api::ApiError(503, "worker " + std::to_string(worker) + " did not answer; try again");
    }
    scanned += req.slotBudget;
    for (uint32_t i = 0; i < req.count; ++i) {
      dp::ConnRecord r = page[i];
      if (r.isTemplate) r.proto = protocols[r.serviceId];  // the table keys templates by a protocol of their own
      list.push_back(api::connectionJson(r, worker, names[r.serviceId]));
    }
    if (req.next == dp::kDumpEnd) {
      ++worker;
      cursor = 0;
    } else {
      cursor = req.next;
    }
  }
  const bool done = worker >= rt.workerCount();
  return {{"connections", std::move(list)}, {"next_cursor", done ? json(nullptr) : json(cursorText(worker, cursor))}};
}

}  // namespace sluice::sluiced
