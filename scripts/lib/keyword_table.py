#!/usr/bin/env python3
"""Writes the C++ list of keepalived keywords sluice skips, for the build.

Usage: keyword_table.py CONFIG_MD OUTPUT

Reads the keyword table of docs/config.md (the rows after
`<!-- keyword-table -->`, and those after `<!-- keyword-table landing -->`)
and writes OUTPUT, which defines sluice::config::skippedKeywordReason():
for each keyword whose status is "skipped", the table's note. The parser
uses it so that a keyword keepalived knows and sluice skips draws a warning
saying why, while a keyword keepalived does not know either stays an
"unknown keyword" (an error for keepalived -t, and so for sluiced -t).
The documentation stays the one place the reasons are written.
"""
import sys


def cpp_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, target = sys.argv[1:]
    reasons = {}
    in_table = False
    with open(source, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("<!-- keyword-table"):
                in_table = True
                continue
            if not in_table or not line.startswith("|"):
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) < 4 or cells[2] != "skipped":
                continue
            keyword = cells[1].strip("`")
            # A keyword skipped in several blocks keeps its first note.
            reasons.setdefault(keyword, cells[3] or "skipped")
    if not reasons:
        print(f"keyword_table.py: no skipped keyword in {source}", file=sys.stderr)
        return 1
    rows = "\n".join(f"    {{{cpp_string(k)}, {cpp_string(v)}}}," for k, v in sorted(reasons.items()))
    with open(target, "w", encoding="utf-8") as out:
        out.write(f"""// Generated from {source.split('/')[-2]}/{source.split('/')[-1]} by scripts/lib/keyword_table.py: do not edit.
#include "controlplane/config/skipped_keywords.h"

#include <algorithm>
#include <iterator>

namespace sluice::config {{
namespace {{

struct Row {{
  std::string_view keyword;
  std::string_view why;
}};

constexpr Row kRows[] = {{
{rows}
}};

}}  // namespace

std::optional<std::string_view> skippedKeywordReason(std::string_view keyword) {{
  const auto it = std::lower_bound(std::begin(kRows), std::end(kRows), keyword,
                                   [](const Row& r, std::string_view k) {{ return r.keyword < k; }});
  if (it == std::end(kRows) || it->keyword != keyword) return std::nullopt;
  return it->why;
}}

}}  // namespace sluice::config
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
