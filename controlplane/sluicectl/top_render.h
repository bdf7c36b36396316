// sluicectl top's screen: a sample and the view state as lines of text for
// a terminal of a given size. Pure (no terminal, no clock), so sorting,
// view switching and truncation are tested on strings; the caller adds the
// escapes (the highlighted line in reverse video).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/sluicectl/top_model.h"
#include "controlplane/sluicectl/top_view.h"

namespace sluice::sluicectl::top {

struct Screen {
  std::vector<std::string> lines;  // none longer than the width; no more than the height
  std::size_t highlighted = 0;     // the column header's line, drawn in reverse video
};

// The frame: two summary lines (daemon, services, VRRP, sync, drops), a
// line for a problem, a notice or the delay prompt, the views' names and
// the sort, the column header and the rows, sorted. width 0: lines are not
// cut; height 0: no line is left out. Thread-safe.
Screen render(const Sample& sample, const ViewState& state, std::string_view problem, std::size_t width,
              std::size_t height);

// A rate or count in at most 7 characters: "0.5", "12.3", "8123", "12.3K",
// "4.1M"; "-" for none. Thread-safe.
std::string shortNumber(double n);

}  // namespace sluice::sluicectl::top
