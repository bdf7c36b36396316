// keepalived's configuration language: @ID lines, $PARAMETERS, ~SEQ, ~LST, and
// that every message still names the line the user wrote.
#include <sys/utsname.h>

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "controlplane/config/parser.h"
#include "controlplane/config/reader.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::TempDir;
using testing::warningsOf;
using Lines = std::vector<std::string>;

// The expanded statements, one "file:line: keyword values" per statement
// (blocks flattened with braces), so tests see text and origin together.
void flatten(const std::vector<Statement>& statements, Lines& out) {
  for (const auto& st : statements) {
    std::string line = st.where().file + ":" + std::to_string(st.where().line) + ": " + st.keyword.text;
    for (const auto& v : st.values) {
      line += " " + v.text;
    }
    out.push_back(line + (st.hasBlock ? " {" : ""));
    if (st.hasBlock) {
      flatten(st.body, out);
      out.push_back("}");
    }
  }
}

struct Expanded {
  Lines lines;
  Lines errors;
  Lines warnings;
};

Expanded expand(const std::string& text, const std::string& id = "main") {
  Diagnostics diag;
  Reader reader(diag, id);
  Expanded e;
  flatten(reader.readString(text, "k.conf"), e.lines);
  for (const auto& d : diag.all()) {
    (d.severity == Severity::kError ? e.errors : e.warnings).push_back(d.toString());
  }
  return e;
}

TEST(Language, ConditionalLinesFollowTheConfigId) {
  const std::string text =
      "@main router_id main_router\n"    // 1
      "@backup router_id backup_router\n"  // 2
      "peers {\n"                         // 3
      "  @^main 1.2.3.4\n"                // 4
      "  @^backup\t1.2.3.5\n"             // 5
      "}\n"                               // 6
      "@main\n"                           // 7: nothing after the id: dropped
      "@mai x\n";                         // 8: ids compare whole
  EXPECT_EQ(expand(text, "main").lines,
            (Lines{"k.conf:1: router_id main_router", "k.conf:3: peers {", "k.conf:5: 1.2.3.5", "}"}));
  EXPECT_EQ(expand(text, "backup").lines,
            (Lines{"k.conf:2: router_id backup_router", "k.conf:3: peers {", "k.conf:4: 1.2.3.4", "}"}));
  EXPECT_EQ(expand(text, "other").lines,
            (Lines{"k.conf:3: peers {", "k.conf:4: 1.2.3.4", "k.conf:5: 1.2.3.5", "}"}));
  EXPECT_TRUE(expand(text, "other").warnings.empty());
}

TEST(Language, DefaultConfigIdIsTheHostNameUpToItsFirstDot) {
  struct utsname u {};
  ASSERT_EQ(uname(&u), 0);
  const std::string node = u.nodename;
  const std::string id = node.substr(0, node.find('.'));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(hostConfigId(), id);
  Diagnostics diag;
  Reader reader(diag);  // no id given
  Lines lines;
  flatten(reader.readString("@" + id + " a 1\n@^" + id + " b 2\n", "k.conf"), lines);
  EXPECT_EQ(lines, Lines{"k.conf:1: a 1"});
  // sluiced -i sets the id of every later parse that names none.
  setDefaultConfigId("lb-east");
  const auto r = parseString("@lb-east global_defs {\n@lb-east router_id east\n@lb-east }\n", "k.conf");
  setDefaultConfigId(id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->globalDefs.routerId, "east");
  // An id given to the parse wins over the default.
  const auto west = parseString("@lb-east global_defs {\n@lb-east router_id east\n@lb-east }\n", "k.conf",
                                ParseOptions{"lb-west"});
  ASSERT_TRUE(west.ok());
  EXPECT_FALSE(west.config->globalDefs.routerId.has_value());
}

TEST(Language, ParametersAreReplacedWhenUsedNotWhenDefined) {
  // keepalived's own example: ADDRESS_BASE uses a parameter defined later.
  const auto e = expand(
      "$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n"
      "$ADDRESS_BASE_SUB=0\n"
      "a ${ADDRESS_BASE}.100/32\n"
      "$ADDRESS_BASE_SUB=10\n"
      "b ${ADDRESS_BASE}.100/32\n"
      "$P=7 # a comment is not part of the value\n"
      "c $P,$P) $P\n"
      "$EMPTY=\n"
      "d x${EMPTY}y\n");
  EXPECT_EQ(e.lines, (Lines{"k.conf:3: a 10.2.0.100/32", "k.conf:5: b 10.2.10.100/32", "k.conf:7: c 7,7) 7",
                            "k.conf:9: d xy"}));
  EXPECT_TRUE(e.errors.empty());
  EXPECT_TRUE(e.warnings.empty());
}

TEST(Language, UndefinedParametersStayAsWrittenWithAWarningOutsideQuotes) {
  const auto e = expand(
      "$A=1\n"
      "x $B ${C}d $A.b $1 \"$HOME\"\n");
  // $A.b is no reference ($A not followed by a blank); $1 is no name.
  EXPECT_EQ(e.lines, Lines{"k.conf:2: x $B ${C}d $A.b $1 $HOME"});
  EXPECT_EQ(e.warnings, (Lines{"k.conf:2: parameter '$B' is not defined; kept as written",
                               "k.conf:2: parameter '$C' is not defined; kept as written"}));
}

TEST(Language, ConditionalDefinitionsAndParametersThatHoldAConditional) {
  const std::string text =
      "@main $PRIORITY=240\n"
      "@backup $PRIORITY=200\n"
      "priority $PRIORITY\n"
      "$IF_MAIN=@main\n"
      "$IF_MAIN weight 3\n";
  EXPECT_EQ(expand(text, "main").lines, (Lines{"k.conf:3: priority 240", "k.conf:5: weight 3"}));
  EXPECT_EQ(expand(text, "backup").lines, (Lines{"k.conf:3: priority 200"}));
}

TEST(Language, MultiLineDefinitionsRepeatABlockAndNameTheirOwnLines) {
  const auto e = expand(
      "$INSTANCE= \\\n"                    // 1
      "vrrp_instance VI_${NUM} { \\\n"     // 2
      "    interface eth0.${NUM} \\\n"     // 3
      "    @main priority 130 \\\n"        // 4
      "    @backup priority 120 \\\n"      // 5
      "\\\n"                               // 6: a lone '\' adds nothing
      "    # a comment line is skipped\n"  // 7
      "}\n"                                // 8: no '\': the last line
      "$NUM=0\n"                           // 9
      "$INSTANCE\n"                        // 10
      "$NUM=1\n"                           // 11
      "$INSTANCE\n");                      // 12
  EXPECT_EQ(e.lines, (Lines{"k.conf:2: vrrp_instance VI_0 {", "k.conf:3: interface eth0.0", "k.conf:4: priority 130",
                            "}", "k.conf:2: vrrp_instance VI_1 {", "k.conf:3: interface eth0.1",
                            "k.conf:4: priority 130", "}"}));
  EXPECT_TRUE(e.errors.empty());
}

TEST(Language, MultiLineDefinitionsNestAndEndAtAnEmptyLine) {
  const auto e = expand(
      "$RS= \\\n"
      "real_server 192.168.${VS}.${RSN} 80\n"
      "$VS_BODY=virtual_server 10.0.${VS}.4 80 { \\\n"  // first line kept with the value
      "  $RSN=1 \\\n"
      "  $RS \\\n"
      "  $RSN=2 \\\n"
      "  $RS \\\n"
      "\n"  // an empty line ends it; the '}' comes later
      "$VS=5\n"
      "$VS_BODY\n"
      "}\n");
  EXPECT_EQ(e.lines, (Lines{"k.conf:3: virtual_server 10.0.5.4 80 {", "k.conf:2: real_server 192.168.5.1 80",
                            "k.conf:2: real_server 192.168.5.2 80", "}"}));
  EXPECT_TRUE(e.errors.empty()) << e.errors.front();
}

TEST(Language, AMultiLineParameterOnlyEndsALine) {
  const auto e = expand(
      "$M=a \\\n"
      "b\n"
      "x $M y\n"
      "x $M\n");
  EXPECT_EQ(e.lines, (Lines{"k.conf:3: x $M y", "k.conf:4: x a", "k.conf:2: b"}));
  EXPECT_EQ(e.warnings, Lines{"k.conf:3: multi-line parameter '$M' must end the line that uses it; kept as written"});
}

TEST(Language, SequencesCountLikeKeepalived) {
  EXPECT_EQ(expand("~SEQ(SUBNET, 0, 3) ip 10.0.${SUBNET}.1\n").lines,
            (Lines{"k.conf:1: ip 10.0.0.1", "k.conf:1: ip 10.0.1.1", "k.conf:1: ip 10.0.2.1", "k.conf:1: ip 10.0.3.1"}));
  EXPECT_EQ(expand("~SEQ(N, 3) n $N\n").lines, (Lines{"k.conf:1: n 1", "k.conf:1: n 2", "k.conf:1: n 3"}));
  EXPECT_EQ(expand("~SEQ(N, -2) n $N\n").lines, (Lines{"k.conf:1: n -1", "k.conf:1: n -2"}));
  EXPECT_EQ(expand("~SEQ(N, 3, 1) n $N\n").lines, (Lines{"k.conf:1: n 3", "k.conf:1: n 2", "k.conf:1: n 1"}));
  EXPECT_EQ(expand("~SEQ(N, 0, 5, 12) n $N\n").lines, (Lines{"k.conf:1: n 0", "k.conf:1: n 5", "k.conf:1: n 10"}));
  EXPECT_EQ(expand("~SEQx(S, 0x90, 0x10, 0xc0) ip fe80::20:${S}:1\n").lines,
            (Lines{"k.conf:1: ip fe80::20:90:1", "k.conf:1: ip fe80::20:a0:1", "k.conf:1: ip fe80::20:b0:1",
                   "k.conf:1: ip fe80::20:c0:1"}));
  // Several on one line nest, the first outermost; numbers may be parameters.
  EXPECT_EQ(expand("$LAST=2\n~SEQ(A, 1, $LAST) ~SEQ(B, 0, 1) p ${A}.${B}\n").lines,
            (Lines{"k.conf:2: p 1.0", "k.conf:2: p 1.1", "k.conf:2: p 2.0", "k.conf:2: p 2.1"}));
}

TEST(Language, SequencesRepeatMultiLineParameters) {
  const auto e = expand(
      "$VI= \\\n"
      "vrrp_instance VI_${ID} { \\\n"
      "  virtual_router_id ${ID} \\\n"
      "}\n"
      "~SEQ(ID, 1, 2) $VI\n");
  EXPECT_EQ(e.lines, (Lines{"k.conf:2: vrrp_instance VI_1 {", "k.conf:3: virtual_router_id 1", "}",
                            "k.conf:2: vrrp_instance VI_2 {", "k.conf:3: virtual_router_id 2", "}"}));
}

TEST(Language, BadSequencesAreErrorsOnTheirLine) {
  for (const auto& [line, why] : std::vector<std::pair<std::string, std::string>>{
           {"~SEQ(N, 1, 0, 3) x", "step 0 never goes from 1 to 3"},
           {"~SEQ(N, 1, -1, 3) x", "step -1 never goes from 1 to 3"},
           {"~SEQ(N, 1, 3 x", "no closing ')'"},
           {"~SEQ N, 3) x", "'(' expected after ~SEQ"},
           {"~SEQ(N) x", "it takes a variable and one to three numbers: ~SEQ(VAR, [[start,] step,] end)"},
           {"~SEQ(N, one) x", "numbers expected, not 'one'"},
           {"~SEQ(N, 1, 2, 3, 4) x", "more than three numbers"},
           {"~SEQ(9N, 3) x", "'9N' is not a parameter name"},
           {"~SEQx(N, -3, 3) x", "~SEQx takes no negative numbers"}}) {
    SCOPED_TRACE(line);
    const auto e = expand("a 1\n" + line + "\n");
    EXPECT_EQ(e.errors, Lines{"k.conf:2: invalid ~SEQ: " + why});
    EXPECT_EQ(e.lines, Lines{"k.conf:1: a 1"});
  }
}

TEST(Language, ListsRepeatTheRestOfTheLineForEachValue) {
  EXPECT_EQ(expand("~LST(IP, 1, 2, 3) ip 10.0.0.$IP\n").lines,
            (Lines{"k.conf:1: ip 10.0.0.1", "k.conf:1: ip 10.0.0.2", "k.conf:1: ip 10.0.0.3"}));
  // keepalived's man page example: several variables per set, in braces.
  EXPECT_EQ(expand("~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) 192.168.${IP}.${IP1}\n").lines,
            (Lines{"k.conf:1: 192.168.10.1", "k.conf:1: 192.168.20.4", "k.conf:1: 192.168.5.6",
                   "k.conf:1: 192.168.12.8"}));
  // Nested, the first outermost; with ~SEQ too; a short set leaves the rest empty.
  EXPECT_EQ(expand("~LST(A, x, y) ~SEQ(B, 1, 2) p ${A}${B}\n").lines,
            (Lines{"k.conf:1: p x1", "k.conf:1: p x2", "k.conf:1: p y1", "k.conf:1: p y2"}));
  EXPECT_EQ(expand("~LST({A, B}, {1, 2}, {3}) p ${A}-${B}-\n").lines, (Lines{"k.conf:1: p 1-2-", "k.conf:1: p 3--"}));
  // The rest may be a multi-line parameter.
  const auto e = expand("$RS= \\\nreal_server 10.0.0.${N} 80 { \\\n  weight ${W} \\\n}\n~LST({N, W}, {1, 5}, {2, 7}) $RS\n");
  EXPECT_EQ(e.lines, (Lines{"k.conf:2: real_server 10.0.0.1 80 {", "k.conf:3: weight 5", "}",
                            "k.conf:2: real_server 10.0.0.2 80 {", "k.conf:3: weight 7", "}"}));
  EXPECT_TRUE(e.errors.empty() && e.warnings.empty());
}

TEST(Language, BadListsAreErrorsOnTheirLine) {
  for (const auto& [line, why] : std::vector<std::pair<std::string, std::string>>{
           {"~LST(V) x", "no values"},
           {"~LST(V, 1, 2 x", "',' or ')' expected at 'x'"},
           {"~LST(V, 1, 2", "no closing ')'"},
           {"~LST V, 1) x", "'(' expected after ~LST"},
           {"~LST(V, {1, 2}) x", "more values in a set than the 1 variable(s)"},
           {"~LST({A, B, 1) x", "the variables end without '}'"},
           {"~LST(A, {1, 2) x", "a set of values ends without '}'"},
           {"~LST(9V, 1) x", "'9V' is not a parameter name"}}) {
    SCOPED_TRACE(line);
    const auto e = expand("a 1\n" + line + "\n");
    EXPECT_EQ(e.errors, Lines{"k.conf:2: invalid ~LST: " + why});
    EXPECT_EQ(e.lines, Lines{"k.conf:1: a 1"});
  }
}

TEST(Language, RandomIsANewNumberInItsRangeAtEachUse) {
  const auto e = expand("~SEQ(N, 400) r ${_RANDOM 3 6} ${_RANDOM} $_RANDOM ${_RANDOM 32760}\n");
  ASSERT_EQ(e.lines.size(), 400u);
  EXPECT_TRUE(e.warnings.empty() && e.errors.empty());
  std::set<unsigned long> narrow;
  std::set<unsigned long> wide;
  for (const auto& line : e.lines) {
    std::istringstream words(line.substr(line.find(" r ") + 3));
    unsigned long a = 0, b = 0, c = 0, d = 0;
    ASSERT_TRUE(words >> a >> b >> c >> d) << line;
    EXPECT_TRUE(a >= 3 && a <= 6) << line;
    EXPECT_LE(b, 32767u) << line;
    EXPECT_LE(c, 32767u) << line;
    EXPECT_TRUE(d >= 32760 && d <= 32767) << line;
    narrow.insert(a);
    wide.insert(b);
  }
  EXPECT_EQ(narrow, (std::set<unsigned long>{3, 4, 5, 6}));  // 400 draws of 4 values: all seen
  EXPECT_GT(wide.size(), 300u);                               // not one number reused
  // Not numbers: no reference, kept as written.
  EXPECT_EQ(expand("r \"${_RANDOM x}\"\n").lines, Lines{"k.conf:1: r ${_RANDOM x}"});
}

TEST(Language, AParameterThatUsesItselfIsAnErrorNotALoop) {
  const auto e = expand("$A=x $A\nkey $A\n");
  ASSERT_EQ(e.errors.size(), 1u);
  EXPECT_EQ(e.errors[0], "k.conf:2: parameters or ~SEQ nested deeper than 64 levels (a parameter whose value uses itself?)");
}

TEST(Language, ExpansionIsBoundedOnAHostileFile) {
  // Each parameter doubles the line: refused once past the length limit.
  std::string text = "$A0=xxxxxxxx\n";
  for (int k = 1; k <= 20; ++k) {
    text += "$A" + std::to_string(k) + "=${A" + std::to_string(k - 1) + "}${A" + std::to_string(k - 1) + "}\n";
  }
  text += "key $A20\n";
  const auto grown = expand(text);
  EXPECT_EQ(grown.errors, Lines{"k.conf:22: parameters make a line longer than 65536 bytes"});
  EXPECT_TRUE(grown.lines.empty());
  // A sequence that emits nothing still counts.
  const auto counted = expand("~SEQ(N, 1, 9000000000) $X=$N\nkey $X\n");
  EXPECT_EQ(counted.errors, Lines{"k.conf:1: parameters and ~SEQ make more than 2000000 lines"});
}

TEST(Language, ParseOptionsCanForbidIncludesAndBoundTheLines) {
  ParseOptions options;
  options.includes = false;
  options.maxExpandedLines = 10;
  const auto r = parseString("$I=incl\n${I}ude /etc/keepalived/keepalived.conf\n~SEQ(N, 1, 20) $X=$N\n", "k.conf",
                             options);
  EXPECT_EQ(errorsOf(r), (Lines{"k.conf:2: 'include' is not allowed here",
                                "k.conf:3: parameters and ~SEQ make more than 10 lines"}));
}

TEST(Language, PredefinedParameters) {
  TempDir dir;
  const auto path = dir.write("sub/k.conf",
                              "a ${_PWD}/x\n"
                              "b ${_INSTANCE}\n"
                              "c x${_HASH}y ${_BANG}z \"in ${_HASH} quotes\"\n"
                              "$_INSTANCE=mine\n"
                              "d $_INSTANCE\n");
  Diagnostics diag;
  Reader reader(diag, "lb2");
  Lines lines;
  flatten(reader.readFile(path), lines);
  EXPECT_EQ(lines, (Lines{path + ":1: a " + dir.path() + "/sub/x", path + ":2: b lb2",
                          path + ":3: c x#y !z in # quotes", path + ":5: d mine"}));
  EXPECT_TRUE(diag.all().empty());
}

TEST(Language, IncludedFilesSeeTheParametersDefinedAboveTheInclude) {
  TempDir dir;
  dir.write("rs.conf", "real_server 10.0.0.$N 80\n$FROM_CHILD=yes\n");
  const auto main = dir.write("k.conf",
                              "$N=1\n"
                              "include rs.conf\n"
                              "$N=2\n"
                              "include rs.conf\n"
                              "child $FROM_CHILD\n");
  Diagnostics diag;
  Reader reader(diag, "x");
  Lines lines;
  flatten(reader.readFile(main), lines);
  const std::string rs = dir.path() + "/rs.conf";
  EXPECT_EQ(lines, (Lines{rs + ":1: real_server 10.0.0.1 80", rs + ":1: real_server 10.0.0.2 80",
                          main + ":5: child yes"}));
}

TEST(Language, ErrorsNameTheLineTheUserWrote) {
  const auto r = parseString(
      "$PRIO=300\n"                     // 1
      "$VI= \\\n"                       // 2
      "vrrp_instance VI_${N} { \\\n"    // 3
      "  interface eth0 \\\n"           // 4
      "  virtual_router_id ${N}0 \\\n"  // 5
      "  priority $PRIO \\\n"           // 6
      "  virtual_ipaddress { \\\n"      // 7
      "    10.0.0.${N} \\\n"            // 8
      "  } \\\n"                        // 9
      "}\n"                             // 10
      "~SEQ(N, 1, 2) $VI\n"             // 11
      "vrrp_instance VI_9 {\n"          // 12
      "  interface eth0\n"              // 13
      "  virtual_router_id 99\n"        // 14
      "  priority $PRIO\n"              // 15
      "  virtual_ipaddress {\n"         // 16
      "    10.0.9.9\n"                  // 17
      "  }\n"                           // 18
      "}\n",                            // 19
      "k.conf", ParseOptions{"x"});
  EXPECT_EQ(errorsOf(r), (Lines{"k.conf:6: priority 300 is out of range 1-255",
                                "k.conf:6: priority 300 is out of range 1-255",
                                "k.conf:15: priority 300 is out of range 1-255"}));
}

TEST(Language, ConditionalConfigurationDrivesTheModel) {
  const std::string text =
      "vrrp_instance VI_0 {\n"
      "  interface eth0\n"
      "  virtual_router_id 1\n"
      "@high priority 170\n"
      "@low  priority 85\n"
      "  virtual_ipaddress {\n"
      "    ~SEQ(H, 1, 3) 10.1.0.${H}/32\n"
      "  }\n"
      "}\n";
  const auto high = parseString(text, "k.conf", ParseOptions{"high"});
  const auto low = parseString(text, "k.conf", ParseOptions{"low"});
  ASSERT_TRUE(high.ok() && low.ok());
  EXPECT_EQ(high.config->vrrpInstances.at(0).priority, 170);
  EXPECT_EQ(low.config->vrrpInstances.at(0).priority, 85);
  EXPECT_EQ(high.config->vrrpInstances.at(0).virtualIpAddresses.size(), 3u);
  EXPECT_TRUE(warningsOf(high).empty());
}

}  // namespace
}  // namespace sluice::config
