#include "dataplane/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace sluice::dp {
namespace {

// Free hugepages of every size the kernel offers (0 when it offers none).
unsigned long freeHugepages() {
  unsigned long free = 0;
  std::error_code ec;
  for (const auto& size : std::filesystem::directory_iterator("/sys/kernel/mm/hugepages", ec)) {
    unsigned long n = 0;
    if (std::ifstream(size.path() / "free_hugepages") >> n) free += n;
  }
  return free;
}

}  // namespace

Eal::Eal(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // rte_eal_init may keep pointers into argv: args lives until it returns
  // and DPDK copies what it keeps.
  if (rte_eal_init(static_cast<int>(argv.size() - 1), argv.data()) < 0) {
    std::string why = std::string("cannot start DPDK (EAL): ") + rte_strerror(rte_errno);
    if (std::find(args.begin(), args.end(), "--no-huge") == args.end() && freeHugepages() == 0) {
      why += "; no free hugepages: reserve some (echo 512 > /proc/sys/vm/nr_hugepages, as scripts/setup does)"
             " or add no_huge to the dataplane block";
    }
    throw std::runtime_error(why);
  }
}

Eal::~Eal() { rte_eal_cleanup(); }

}  // namespace sluice::dp
