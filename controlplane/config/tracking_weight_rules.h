// Where keepalived refuses tracking weights: instances of a vrrp_sync_group
// (unless it sets sync_group_tracking_weight), address owners (priority
// 255) and the trackers of a sync group with an address owner among its
// members. keepalived reports each case as a configuration error and runs
// without the weight, so `sluiced -t` refuses such a file and sluiced runs
// it the way keepalived does.
#pragma once

#include <string>

#include "controlplane/config/parse_context.h"

namespace sluice::config {

// Once the whole file is read: the weighted trackers of vrrp_instance
// `instance` (its header at `where`) lose their weight or are dropped as in
// keepalived. Not thread-safe.
void deferInstanceTrackingWeights(ParseContext& ctx, const std::string& instance, const SourceLocation& where);

// Once the whole file is read: the trackers of vrrp_sync_group `group` get
// weight 0 when one of its members is an address owner. Not thread-safe.
void deferSyncGroupTrackingWeights(ParseContext& ctx, const std::string& group, const SourceLocation& where);

}  // namespace sluice::config
