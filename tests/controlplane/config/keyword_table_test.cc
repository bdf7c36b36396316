// docs/config.md's table of keepalived's keywords against the parser: a
// keyword the table calls supported must be known to its block, one it
// calls skipped must draw a warning. So the table cannot drift from the
// grammar unnoticed.
//
// The table is read from the lines after `<!-- keyword-table -->`: rows
// `| block | keyword | status | notes |`, the block written as the path of
// blocks that hold the keyword (`virtual_server > real_server > TCP_CHECK`,
// `(top level)`). A skipped keyword keepalived knows must also not be an
// "unknown keyword" (which sluiced -t, like keepalived -t, refuses).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "controlplane/config/parser.h"

namespace sluice::config {
namespace {

struct KeywordRow {
  std::string block;  // path of blocks, " > " between them; empty: top level
  std::string keyword;
  std::string status;
  int docLine = 0;
};

std::string trimCell(std::string s) {
  const auto first = s.find_first_not_of(" \t`");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t`");
  return s.substr(first, last - first + 1);
}

std::vector<std::string> cellsOf(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (line[i] == '|') {
      cells.push_back(trimCell(cell));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

// Every row of the keyword tables of `path`.
std::vector<KeywordRow> readKeywordTable(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<KeywordRow> rows;
  std::string line;
  int number = 0;
  enum class Part { kNone, kChecked } part = Part::kNone;
  bool inTable = false;
  while (std::getline(in, line)) {
    ++number;
    if (line == "<!-- keyword-table -->") {
      part = Part::kChecked;
      inTable = false;
      continue;
    }
    if (part == Part::kNone) continue;
    if (line.empty() || line[0] != '|') {
      if (inTable) part = Part::kNone;  // the table ended
      continue;
    }
    inTable = true;
    const auto cells = cellsOf(line);
    if (cells.size() < 3 || cells[0] == "block" || cells[0].rfind("---", 0) == 0) continue;
    KeywordRow row{cells[0] == "(top level)" ? "" : cells[0], cells[1], cells[2], number};
    rows.push_back(row);
  }
  return rows;
}

// The values a block's opening line needs, so the block itself is valid.
std::string blockValues(const std::string& name) {
  static const std::map<std::string, std::string> values = {
      {"virtual_server", " 10.0.0.1 80"}, {"real_server", " 10.0.0.2 80"}, {"vrrp_instance", " VI_1"},
      {"vrrp_sync_group", " G"},          {"vrrp_script", " chk"},         {"vrrp_track_process", " proc"},
      {"track_file", " tf"},              {"vrrp_track_file", " tf"},      {"bfd_instance", " bfd"},
      {"track_group", " tg"},
  };
  const auto it = values.find(name);
  return it == values.end() ? "" : it->second;
}

// A configuration with `keyword` alone on a line inside the blocks of
// `block`; `line` is set to that line's number.
std::string configWith(const KeywordRow& row, int& line) {
  std::vector<std::string> blocks;
  std::stringstream path(row.block);
  std::string part;
  while (std::getline(path, part, '>')) {
    const std::string name = trimCell(part);
    if (!name.empty()) blocks.push_back(name);
  }
  std::string text;
  for (const auto& b : blocks) text += b + blockValues(b) + " {\n";
  line = static_cast<int>(blocks.size()) + 1;
  text += row.keyword + "\n";
  for (std::size_t i = 0; i < blocks.size(); ++i) text += "}\n";
  return text;
}

std::string docPath() {
  const char* path = std::getenv("SLUICE_CONFIG_DOC");
  return path != nullptr ? path : "docs/config.md";
}

const std::set<std::string> kStatuses = {"supported", "differs", "skipped"};

TEST(KeywordTable, RowsAreWellFormed) {
  const auto rows = readKeywordTable(docPath());
  ASSERT_GT(rows.size(), 300u) << "no keyword table in " << docPath();
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& row : rows) {
    SCOPED_TRACE("config.md:" + std::to_string(row.docLine));
    EXPECT_TRUE(kStatuses.contains(row.status)) << "status '" << row.status << "'";
    EXPECT_TRUE(seen.emplace(row.block, row.keyword).second) << row.keyword << " is listed twice";
  }
}

TEST(KeywordTable, StatusesMatchTheParser) {
  const auto rows = readKeywordTable(docPath());
  for (const auto& row : rows) {
    SCOPED_TRACE("config.md:" + std::to_string(row.docLine) + ": " + row.block + " " + row.keyword);
    int line = 0;
    const auto result = parseString(configWith(row, line), "kw.conf");
    // Diagnostics of the keyword's line or of a block around it (a
    // skipped block takes its keywords with it).
    bool skippedHere = false;   // unknown or unsupported: the keyword or a block around it
    bool skippedAbove = false;  // the same, of a block around it
    bool warnedAtLine = false;
    bool unknownAtLine = false;  // keepalived -t's error: the table's note did not reach the parser
    for (const auto& d : result.diagnostics) {
      if (d.severity != Severity::kWarning || d.where.line < 1 || d.where.line > line) continue;
      warnedAtLine = warnedAtLine || d.where.line == line;
      unknownAtLine = unknownAtLine || (d.where.line == line && d.keepalivedError);
      const bool skip = d.message.rfind("unknown keyword '", 0) == 0 ||
                        d.message.find(" is not supported by sluice") != std::string::npos;
      skippedHere = skippedHere || skip;
      skippedAbove = skippedAbove || (skip && d.where.line < line);
    }
    if (row.status == "skipped") {
      EXPECT_TRUE(warnedAtLine || skippedAbove) << "a skipped keyword must draw a warning";
      EXPECT_FALSE(unknownAtLine) << "a keyword keepalived knows must not be an unknown keyword";
    } else {
      EXPECT_FALSE(skippedHere) << "a " << row.status << " keyword must be known to its block";
    }
  }
}

}  // namespace
}  // namespace sluice::config
