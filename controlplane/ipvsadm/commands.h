// sluice-ipvsadm: ipvsadm's commands carried out through sluiced's control
// API (docs/ipvsadm.md). Each command is one or a few API requests; what
// the kernel would refuse, the API refuses, and the refusal is printed in
// ipvsadm's words with its exit status.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "controlplane/ipvsadm/listing.h"
#include "controlplane/sluicectl/client.h"

namespace sluice::ipvsadm {

class Runner {
 public:
  // `program` is argv[0] as typed (ipvsadm's messages repeat it).
  Runner(sluicectl::ApiClient& api, std::string program, Names names);

  // The whole command line after the program name; no arguments lists the
  // table, as ipvsadm does. -R reads `in`. Returns the exit status.
  int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);

 private:
  int process(const std::vector<std::string>& args, bool fromRestore, std::istream& in, std::ostream& out,
              std::ostream& err);
  int restore(std::istream& in, std::ostream& out, std::ostream& err);

  sluicectl::ApiClient& api_;
  std::string program_;
  Names names_;
};

}  // namespace sluice::ipvsadm
