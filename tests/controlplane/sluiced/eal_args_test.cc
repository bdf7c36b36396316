// The DPDK EAL command line sluiced derives from the dataplane block.
#include "controlplane/sluiced/eal_args.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "controlplane/config/parser.h"
#include "dataplane/xdp_steering.h"

namespace sluice::sluiced {
namespace {

using Args = std::vector<std::string>;

config::Dataplane dataplane(std::vector<uint32_t> lcores, std::vector<std::string> devices) {
  config::Dataplane d;
  d.lcores = std::move(lcores);
  int i = 0;
  for (auto& device : devices) {
    config::DataplanePort p;
    p.name = "eth" + std::to_string(i++);
    p.device = std::move(device);
    d.ports.push_back(std::move(p));
  }
  return d;
}

bool has(const Args& a, const std::string& flag) { return std::find(a.begin(), a.end(), flag) != a.end(); }

// The value after the first occurrence of `flag`, "" when absent.
std::string valueOf(const Args& a, const std::string& flag) {
  const auto it = std::find(a.begin(), a.end(), flag);
  return it == a.end() || it + 1 == a.end() ? "" : *(it + 1);
}

// Every value given with `flag`, in order.
Args valuesOf(const Args& a, const std::string& flag) {
  Args out;
  for (std::size_t i = 0; i + 1 < a.size(); ++i) {
    if (a[i] == flag) out.push_back(a[i + 1]);
  }
  return out;
}

TEST(EalArgs, ProgramNameLcoresAndMainLcore) {
  const Args a = ealArguments(dataplane({2, 3, 5}, {"net_ring0"}), "sluiced-x");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a[0], "sluiced");
  EXPECT_EQ(valueOf(a, "-l"), "2,3,5");
  EXPECT_EQ(valueOf(a, "--main-lcore"), "2");  // the first listed: the control plane
  EXPECT_EQ(valuesOf(a, "-l").size(), 1u);
}

// catches: an lcore map given to the EAL as a plain list (-l), which
// refuses it, or without the main lcore.
TEST(EalArgs, AnLcoreMapGoesToTheEalAsLcores) {
  config::Dataplane d = dataplane({0, 1, 2}, {"net_ring0"});
  d.lcoreMap = "0@0,(1-2)@1";
  const Args a = ealArguments(d, "p");
  EXPECT_EQ(valueOf(a, "--lcores"), "0@0,(1-2)@1");
  EXPECT_TRUE(valuesOf(a, "-l").empty());
  EXPECT_EQ(valueOf(a, "--main-lcore"), "0");
}

TEST(EalArgs, MemoryDefaultsTo1024AndFollowsTheBlock) {
  config::Dataplane d = dataplane({0, 1}, {"net_ring0"});
  EXPECT_EQ(valueOf(ealArguments(d, "p"), "-m"), "1024");
  EXPECT_EQ(kDefaultMemoryMb, 1024u);
  d.memoryMb = 256;
  EXPECT_EQ(valueOf(ealArguments(d, "p"), "-m"), "256");
}

TEST(EalArgs, VirtualDevicesAsVdevAndPciAddressesAsAllowList) {
  const Args a = ealArguments(
      dataplane({0, 1}, {"net_af_packet0,iface=veth0", "0000:03:00.0", "net_ring1", "0000:03:00.1"}), "p");
  EXPECT_EQ(valuesOf(a, "--vdev"), (Args{"net_af_packet0,iface=veth0", "net_ring1"}));
  EXPECT_EQ(valuesOf(a, "-a"), (Args{"0000:03:00.0", "0000:03:00.1"}));
  EXPECT_FALSE(has(a, "--no-pci"));  // a device on the PCI bus
}

TEST(EalArgs, NoPciOnlyWithoutAPciDevice) {
  const Args virt = ealArguments(dataplane({0, 1}, {"net_af_xdp0,iface=eth0", "net_ring0"}), "p");
  EXPECT_TRUE(has(virt, "--no-pci"));
  EXPECT_TRUE(valuesOf(virt, "-a").empty());
  const Args pci = ealArguments(dataplane({0, 1}, {"net_ring0", "0000:3b:00.1"}), "p");
  EXPECT_FALSE(has(pci, "--no-pci"));
}

TEST(EalArgs, HugepagesWithoutMemifRunInMemory) {
  const Args a = ealArguments(dataplane({0, 1}, {"net_ring0", "0000:03:00.0"}), "sluiced-test");
  EXPECT_TRUE(has(a, "--in-memory"));
  EXPECT_FALSE(has(a, "--no-huge"));
  EXPECT_FALSE(has(a, "--file-prefix"));  // no runtime files to name
}

TEST(EalArgs, NoHugeNamesItsFilesInsteadOfInMemory) {
  config::Dataplane d = dataplane({0, 1}, {"net_ring0"});
  d.noHuge = true;
  const Args a = ealArguments(d, "sluiced-test");
  EXPECT_TRUE(has(a, "--no-huge"));
  EXPECT_EQ(valueOf(a, "--file-prefix"), "sluiced-test");
  EXPECT_FALSE(has(a, "--in-memory"));  // DPDK refuses it with --no-huge
}

TEST(EalArgs, MemifNeedsRuntimeFiles) {
  const Args a = ealArguments(dataplane({0, 1}, {"net_memif0,role=server,socket=/run/memif.sock"}), "pfx");
  EXPECT_EQ(valuesOf(a, "--vdev"), (Args{"net_memif0,role=server,socket=/run/memif.sock"}));
  EXPECT_EQ(valueOf(a, "--file-prefix"), "pfx");
  EXPECT_FALSE(has(a, "--in-memory"));
  EXPECT_FALSE(has(a, "--no-huge"));
}

TEST(EalArgs, NeverInMemoryTogetherWithNoHuge) {
  for (const bool noHuge : {false, true}) {
    for (const Args& devices : {Args{"net_ring0"}, Args{"0000:03:00.0"}, Args{"net_memif0"},
                                Args{"net_memif1,role=client", "0000:03:00.0"}}) {
      config::Dataplane d = dataplane({0, 1}, devices);
      d.noHuge = noHuge;
      const Args a = ealArguments(d, "p");
      EXPECT_FALSE(has(a, "--in-memory") && has(a, "--no-huge")) << ::testing::PrintToString(a);
      // Exactly one of the two ways to handle DPDK's runtime files.
      EXPECT_NE(has(a, "--in-memory"), has(a, "--file-prefix")) << ::testing::PrintToString(a);
    }
  }
}

TEST(EalArgs, FromAParsedDataplaneBlock) {
  const auto r = config::parseString(R"(dataplane {
    lcores 4-6
    no_huge
    memory 512
    port eth0 {
        device net_af_packet0,iface=veth0
        address 10.0.0.2/24
    }
    port eth1 {
        device 0000:03:00.1
        address 192.168.1.254/24
    }
}
)");
  ASSERT_TRUE(r.ok());
  const Args a = ealArguments(*r.config->dataplane, "sluiced-ns1");
  EXPECT_EQ(a, (Args{"sluiced", "-l", "4,5,6", "--main-lcore", "4", "--no-huge", "-m", "512", "--vdev",
                     "net_af_packet0,iface=veth0", "-a", "0000:03:00.1", "--file-prefix", "sluiced-ns1",
                     "--no-telemetry", "--log-level", "*:warning"}));
}

TEST(EalArgs, AfXdpPortsGetSluicesSteeringProgramUnlessTheyNameOne) {
  const Args a = ealArguments(
      dataplane({0, 1}, {"net_af_xdp0,iface=eth0", "net_af_xdp1,iface=eth1,xdp_prog=/opt/mine.o", "net_ring0"}),
      "p");
  EXPECT_EQ(valuesOf(a, "--vdev"), (Args{"net_af_xdp0,iface=eth0,xdp_prog=" + dp::steeringProgramPath(),
                                         "net_af_xdp1,iface=eth1,xdp_prog=/opt/mine.o", "net_ring0"}));
  EXPECT_TRUE(dp::steeringProgramPath().ends_with("sluice_steer.bpf.o"));
}

TEST(EalArgs, AnExceptionTapIsANetTapDevice) {
  config::Dataplane d = dataplane({0, 1}, {"0000:03:00.0", "net_memif0"});
  d.ports[1].exceptionTap = "sl-eth1";
  const Args a = ealArguments(d, "p");
  EXPECT_EQ(valuesOf(a, "--vdev"), (Args{"net_memif0", "net_tap_exc1,iface=sl-eth1"}));
  EXPECT_EQ(valuesOf(a, "-a"), (Args{"0000:03:00.0"}));
}

TEST(EalArgs, KernelInterfaceBehindAfPacketAndAfXdpPorts) {
  EXPECT_EQ(dp::kernelInterfaceOf("net_af_xdp0,iface=eth1"), "eth1");
  EXPECT_EQ(dp::kernelInterfaceOf("net_af_packet0,iface=veth0,qpairs=2"), "veth0");
  EXPECT_EQ(dp::kernelInterfaceOf("net_af_xdp0,start_queue=0,iface=eth2,xdp_prog=/x.o"), "eth2");
  EXPECT_EQ(dp::kernelInterfaceOf("net_tap0,iface=tap0"), std::nullopt);
  EXPECT_EQ(dp::kernelInterfaceOf("0000:03:00.0"), std::nullopt);
  EXPECT_EQ(dp::kernelInterfaceOf("net_af_xdp0"), std::nullopt);
}

}  // namespace
}  // namespace sluice::sluiced
