// The keepalived keywords sluice knows of and skips, with the reason the
// keyword table of docs/config.md gives (the source is generated from it).
#pragma once

#include <optional>
#include <string_view>

namespace sluice::config {

// The reason sluice skips `keyword`, a keyword of keepalived's; none when
// keepalived does not know it either (or sluice reads it). Thread-safe.
std::optional<std::string_view> skippedKeywordReason(std::string_view keyword);

}  // namespace sluice::config
