// The keepalived.conf grammar, one function per family of blocks. Internal
// to the parser; each adds its top-level keywords to the Config grammar.
#pragma once

#include "controlplane/config/grammar.h"
#include "controlplane/config/model.h"

namespace sluice::config {

// global_defs { }. Thread-safe (builds a new grammar).
void addGlobalKeywords(Block<Config>& top);
// vrrp_script, vrrp_sync_group, vrrp_instance. Thread-safe.
void addVrrpKeywords(Block<Config>& top);
// virtual_server_group, virtual_server (real servers, checks). Thread-safe.
void addLvsKeywords(Block<Config>& top);
// sluice's dataplane { }. Thread-safe.
void addDataplaneKeywords(Block<Config>& top);

// `tcp N tcpfin N udp N` (any order, at least one), as in global_defs and
// dataplane. Not thread-safe (reads one statement).
LvsTimeouts readLvsTimeouts(const Args& a);

// The whole grammar. Thread-safe.
Block<Config> configGrammar();

}  // namespace sluice::config

namespace sluice::config {

// The block of one check type. Thread-safe.
Block<HealthCheck> healthCheckGrammar(CheckType type);
// Errors (via Args) when a finished check lacks what its type needs. Not thread-safe.
void checkHealthCheck(const HealthCheck& check, const Args& a);
// Fills the check's resolved timing from its own block, then the real
// server, then the virtual server, then keepalived's defaults. Thread-safe.
void resolveCheckTiming(HealthCheck& check, const CheckTiming& realServer,
                        const CheckTiming& virtualServer);

}  // namespace sluice::config
