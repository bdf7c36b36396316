// Between the workers' connection records (dp::ConnRecord, in the ids of
// one forwarding table) and the IPVS sync protocol's entries (addresses,
// ports, protocol, fwmark, IPVS's flags and state numbers), both ways:
//
//   * out: a master's worker names a connection by its service and real
//     server ids; the entry names them as IPVS does (a template of a
//     fwmark service is protocol 0 with the mark as its virtual address).
//   * in: a peer's entry is matched to this router's own configuration by
//     (VIP, protocol, port) or fwmark, and the real server by address and
//     port (by address alone for a template of real server port 0, as the
//     kernel writes those of fwmark and port-0 services); the record then
//     carries this table's ids, which the worker checks against the
//     snapshot it runs.
//
// A peer may run another configuration: an entry without a matching
// service or real server is refused with its reason, and counted.
// Control thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "dataplane/conn_dump.h"
#include "dataplane/forwarding_table.h"
#include "sync/entry.h"

namespace sluice::connsync {

enum class Unmatched : uint8_t { kNone, kNoService, kNoServer };

struct Matched {
  std::optional<dp::ConnRecord> record;
  Unmatched why = Unmatched::kNone;  // when no record
};

class EntryMapper {
 public:
  // Indexes `table` (again only when it is another snapshot than last time).
  void use(const dp::ForwardingTable& table);

  // The entry of a worker's record; nullopt when its service is no longer
  // in the table (the record is of an older snapshot).
  std::optional<sync::Entry> toEntry(const dp::ConnRecord& r) const;
  // The record for a peer's entry, with this table's ids.
  Matched toRecord(const sync::Entry& e) const;

 private:
  const dp::Service* service(const sync::Entry& e) const;

  const dp::ForwardingTable* table_ = nullptr;
  uint64_t version_ = 0;
  std::unordered_map<uint16_t, const dp::Service*> byId_;
  std::map<std::tuple<wire::IpAddress, uint8_t, uint16_t>, const dp::Service*> byKey_;  // (VIP, protocol, port)
  std::unordered_map<uint32_t, const dp::Service*> byMark_;
};

}  // namespace sluice::connsync
