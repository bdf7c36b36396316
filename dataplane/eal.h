// The DPDK Environment Abstraction Layer, started once per process and
// cleaned up when this object goes away (after every port and pool).
#pragma once

#include <string>
#include <vector>

namespace sluice::dp {

class Eal {
 public:
  // args: argv for rte_eal_init, program name first. Throws
  // std::runtime_error with DPDK's reason.
  explicit Eal(std::vector<std::string> args);
  ~Eal();
  Eal(const Eal&) = delete;
  Eal& operator=(const Eal&) = delete;
};

}  // namespace sluice::dp
