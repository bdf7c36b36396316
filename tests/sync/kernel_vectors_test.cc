// Known answers from the real kernel: datagrams Linux's IPVS master sync
// daemon sent (tests/sync/capture_vectors.sh, under the reference kernel),
// with their fields as an independent decoder (Python's struct) read them
// and the VM's ipvsadm -Lnc after the traffic. Each datagram must decode
// to those fields, version-1 ones must re-encode to the same bytes, the
// builder must fill and split messages where the kernel's maxlen did, and
// the last state synced for each connection must be what ipvsadm lists.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "sync/message.h"
#include "tests/sync/kernel_vectors.h"
#include "tests/sync/test_support.h"

namespace sluice::sync {
namespace {

using json = nlohmann::json;
using test::endpoint;
using test::fromHex;
using test::ip;
using test::recordedEntry;
using test::vectorsDir;
using test::toHex;

std::vector<std::filesystem::path> vectorFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(vectorsDir())) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

json load(const std::filesystem::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

std::string name(const std::filesystem::path& p) { return p.stem().string(); }

class KernelVectors : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(KernelVectors, DecodeToTheRecordedFields) {
  const json v = load(GetParam());
  const auto syncId = v.at("syncid").get<uint8_t>();
  ASSERT_FALSE(v.at("datagrams").empty());
  for (const json& d : v.at("datagrams")) {
    const auto bytes = fromHex(d.at("hex").get<std::string>());
    const bool v1 = d.at("version").get<int>() == 1;
    const auto r = decodeMessage(bytes, syncId);
    ASSERT_TRUE(r.ok()) << decodeErrorName(r.error) << " at " << r.offset;
    EXPECT_EQ(r.message.version, v1 ? MessageVersion::kV1 : MessageVersion::kV0);
    EXPECT_EQ(r.message.syncId, d.at("syncid").get<uint8_t>());
    EXPECT_EQ(r.message.ignored, OptionCounts{});
    const json& entries = d.at("entries");
    ASSERT_EQ(r.message.entries.size(), entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      SCOPED_TRACE(entries[i].dump());
      EXPECT_EQ(r.message.entries[i], recordedEntry(entries[i], v1));
      EXPECT_EQ(r.message.entries[i].family() == wire::IpFamily::kV6 ? 6 : 4, entries[i].at("family").get<int>());
      if (v1) {
        EXPECT_EQ(MessageBuilder::entrySize(r.message.entries[i]), entries[i].at("size").get<std::size_t>());
      }
    }
    // Another sync id is refused; 0 takes any.
    EXPECT_EQ(decodeMessage(bytes, static_cast<uint8_t>(syncId + 1)).error, DecodeError::kWrongSyncId);
    EXPECT_TRUE(decodeMessage(bytes, 0).ok());
  }
}

// Re-encoding gives the kernel's bytes; the builder, with the daemon's
// maxlen, takes every entry the kernel put in a datagram, and refuses the
// next datagram's first entry exactly where the kernel's numbers say it
// would not have fitted (the kernel also sends a message after 2 s, full
// or not: then the builder takes the entry).
TEST_P(KernelVectors, ReencodeByteForByteAndSplitWhereTheKernelDid) {
  const json v = load(GetParam());
  const auto syncId = v.at("syncid").get<uint8_t>();
  const auto maxLength = v.at("maxlen").get<std::size_t>();
  const json& datagrams = v.at("datagrams");
  std::size_t splitsForSize = 0;
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    if (datagrams[i].at("version").get<int>() != 1) continue;
    const auto bytes = fromHex(datagrams[i].at("hex").get<std::string>());
    ASSERT_LE(bytes.size(), maxLength);
    const auto r = decodeMessage(bytes, syncId);
    ASSERT_TRUE(r.ok());
    MessageBuilder m(syncId, maxLength);
    for (const Entry& e : r.message.entries) ASSERT_TRUE(m.add(e)) << "the kernel fitted more into " << maxLength;
    EXPECT_EQ(toHex(m.bytes()), toHex(bytes)) << "datagram " << i;
    if (i + 1 < datagrams.size() && datagrams[i + 1].at("version").get<int>() == 1) {
      const json& next = datagrams[i + 1].at("entries").at(0);
      const std::size_t nextSize = next.at("size").get<std::size_t>();
      const bool fits = ((bytes.size() + 3) & ~std::size_t{3}) + nextSize <= maxLength;
      Entry first = recordedEntry(next, true);
      EXPECT_EQ(m.add(first), fits) << "datagram " << i << " of " << bytes.size() << " bytes, next entry " << nextSize;
      if (!fits) ++splitsForSize;
    }
  }
  if (name(GetParam()) == "kernel_v1") {
    EXPECT_GE(splitsForSize, 1u) << "the v1 capture uses a small maxlen so that the kernel splits by size";
  }
}

// One row of ipvsadm -Lnc: pro, expire, state, source, virtual, destination.
struct Row {
  std::string protocol, state;
};

// The state synced last for a connection is the state ipvsadm lists for it
// (the capture lists after the traffic has settled), and every synced
// connection is listed.
TEST_P(KernelVectors, LastSyncedStateIsWhatIpvsadmLists) {
  const json v = load(GetParam());
  std::map<std::string, Row> listed;  // "source virtual destination" -> row
  for (const json& line : v.at("ipvsadm_lnc")) {
    std::istringstream in(line.get<std::string>());
    std::string pro, expire, state, source, virt, destination;
    in >> pro >> expire >> state >> source >> virt >> destination;
    listed[source + " " + virt + " " + destination] = Row{pro, state};
  }
  std::map<std::string, std::pair<std::string, std::string>> last;  // key -> (protocol, state name)
  for (const json& d : v.at("datagrams")) {
    const auto r = decodeMessage(fromHex(d.at("hex").get<std::string>()), 0);
    ASSERT_TRUE(r.ok());
    for (const Entry& e : r.message.entries) {
      const std::string key = endpoint(e.client, e.clientPort) + " " + endpoint(e.virtualAddress, e.virtualPort) +
                              " " + endpoint(e.destination, e.destinationPort);
      last[key] = {protocolName(e.protocol), std::string(stateName(e))};
    }
  }
  ASSERT_FALSE(last.empty());
  for (const auto& [key, synced] : last) {
    SCOPED_TRACE(key);
    const auto row = listed.find(key);
    ASSERT_NE(row, listed.end()) << "a synced connection ipvsadm -Lnc does not list";
    EXPECT_EQ(row->second.protocol, synced.first);
    EXPECT_EQ(row->second.state, synced.second);
  }
}

// What the captures must hold to be worth their name.
TEST(KernelVectorsCoverage, TheCapturesHoldWhatTheyClaim) {
  std::map<std::string, int> seen;
  for (const auto& path : vectorFiles()) {
    const json v = load(path);
    for (const json& d : v.at("datagrams")) {
      const auto r = decodeMessage(fromHex(d.at("hex").get<std::string>()), 0);
      ASSERT_TRUE(r.ok());
      const std::string version = r.message.version == MessageVersion::kV1 ? "v1 " : "v0 ";
      for (const Entry& e : r.message.entries) {
        ++seen[version + protocolName(e.protocol) + (e.family() == wire::IpFamily::kV6 ? "6 " : "4 ") +
               (e.isTemplate() ? "template" : std::string(stateName(e)))];
      }
    }
  }
  for (const char* wanted : {"v1 TCP4 ESTABLISHED", "v1 TCP4 TIME_WAIT", "v1 TCP4 CLOSE_WAIT", "v1 TCP4 CLOSE",
                             "v1 UDP4 UDP", "v1 TCP4 template", "v1 TCP6 ESTABLISHED", "v1 TCP6 TIME_WAIT",
                             "v0 TCP4 ESTABLISHED", "v0 TCP4 TIME_WAIT", "v0 UDP4 UDP", "v0 TCP4 template"}) {
    EXPECT_GT(seen[wanted], 0) << wanted;
  }
}

std::string paramName(const ::testing::TestParamInfo<std::filesystem::path>& info) { return name(info.param); }

INSTANTIATE_TEST_SUITE_P(Captured, KernelVectors, ::testing::ValuesIn(vectorFiles()), paramName);

}  // namespace
}  // namespace sluice::sync
