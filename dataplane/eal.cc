#include "dataplane/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <stdexcept>

namespace sluice::dp {

Eal::Eal(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // rte_eal_init may keep pointers into argv: args lives until it returns
  // and DPDK copies what it keeps.
  if (rte_eal_init(static_cast<int>(argv.size() - 1), argv.data()) < 0) {
    throw std::runtime_error(std::string("cannot start DPDK (EAL): ") + rte_strerror(rte_errno));
  }
}

Eal::~Eal() { rte_eal_cleanup(); }

}  // namespace sluice::dp
