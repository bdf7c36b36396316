// A ScriptSpec from the configuration's terms, resolved as keepalived does
// for notify, quorum and vrrp_script scripts: the script's own user (and
// group), else global_defs' script_user and script_group.
#pragma once

#include <chrono>

#include "controlplane/common/script_runner.h"
#include "controlplane/config/model.h"

namespace sluice::common {

// How `script` runs under `globals`, killed after `timeout`. Thread-safe.
ScriptSpec scriptSpec(const config::ScriptCommand& script, const config::GlobalDefs& globals,
                      std::chrono::milliseconds timeout);

}  // namespace sluice::common
