#include "controlplane/common/script_config.h"

namespace sluice::common {

ScriptSpec scriptSpec(const config::ScriptCommand& script, const config::GlobalDefs& globals,
                      std::chrono::milliseconds timeout) {
  ScriptSpec spec;
  spec.command = script.command;
  spec.timeout = timeout;
  // A script's own group goes with its own user only: script_group belongs
  // to script_user.
  spec.user = script.user ? script.user : globals.scriptUser;
  spec.group = script.user ? script.group : globals.scriptGroup;
  spec.scriptSecurity = globals.enableScriptSecurity;
  return spec;
}

}  // namespace sluice::common
