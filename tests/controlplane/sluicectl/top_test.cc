// sluicectl top without a terminal: samples read from the API's JSON, rates
// from two samples, the keys, and the frame rendered for a width and height.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controlplane/sluicectl/options.h"
#include "controlplane/sluicectl/top_model.h"
#include "controlplane/sluicectl/top_render.h"
#include "controlplane/sluicectl/top_view.h"

namespace sluice::sluicectl::top {
namespace {

using nlohmann::json;

// Two real servers; rs .21 has more connections, .20 comes first in ipvsadm's order.
json stats(std::uint64_t conns20, std::uint64_t conns21, std::uint64_t noService) {
  const auto server = [](const char* address, std::uint64_t conns) {
    return json{{"id", std::string(address) + "-80"}, {"address", address}, {"port", 80}, {"weight", 1},
                {"method", "NAT"}, {"conns", conns}, {"inpkts", conns * 7}, {"outpkts", conns * 5},
                {"inbytes", conns * 700}, {"outbytes", conns * 5000}, {"activeconns", 1}, {"inactconns", 2},
                {"cps", 1}, {"inpps", 7}, {"outpps", 5}, {"inbps", 700}, {"outbps", 5000}};
  };
  json web = {{"id", "tcp-10.0.0.1-80"}, {"virtual_server", "tcp-10.0.0.1-80"}, {"protocol", "TCP"},
              {"address", "10.0.0.1"}, {"port", 80}, {"scheduler", "rr"}, {"conns", conns20 + conns21},
              {"inpkts", 0}, {"outpkts", 0}, {"inbytes", 0}, {"outbytes", 0}, {"activeconns", 2},
              {"inactconns", 4}, {"cps", 2}, {"inpps", 0}, {"outpps", 0}, {"inbps", 0}, {"outbps", 0},
              {"real_servers", {server("192.168.1.21", conns21), server("192.168.1.20", conns20)}}};
  json dns = {{"id", "udp-10.0.0.1-53"}, {"protocol", "UDP"}, {"address", "10.0.0.1"}, {"port", 53},
              {"scheduler", "wrr"}, {"conns", 5}, {"real_servers", json::array()}};
  return {{"services", {web, dns}},
          {"drops", {{"no_service", noService}, {"bad_l2", 3}}},
          {"workers", {{{"rx_packets", 1000}, {"tx_packets", 900}, {"connections", 4}}}}};
}

const json kHealth = json::parse(R"({"running": true, "checkers": [
  {"service": "tcp-10.0.0.1-80", "real_server": "192.168.1.20-80", "type": "TCP_CHECK", "state": "UP"},
  {"service": "tcp-10.0.0.1-80", "real_server": "192.168.1.21-80", "type": "TCP_CHECK", "state": "UP"},
  {"service": "tcp-10.0.0.1-80", "real_server": "192.168.1.21-80", "type": "HTTP_GET", "state": "DOWN"}],
  "quorum_lost": ["udp-10.0.0.1-53"]})");
const json kVrrp = json::parse(R"({"running": true, "instances": [
  {"name": "RH_EXT", "interface": "eth0", "virtual_router_id": 50, "state": "MASTER", "priority": 100,
   "effective_priority": 100, "master_address": "10.0.0.2", "transitions": 1},
  {"name": "RH_INT", "interface": "eth1", "virtual_router_id": 2, "state": "BACKUP", "priority": 150,
   "effective_priority": 150, "master_address": "192.168.1.3", "transitions": 4}]})");
const json kSync = json::parse(R"({"enabled": true, "role": "master", "peer": null,
  "sent": {"messages": 10}, "received": {"messages": 0},
  "dropped": {"stale": 1, "refused": {"bad_version": 2}}, "backlog": 0, "lag_ms": 0})");
const json kStatus = json::parse(R"({"version": "0.1.0", "uptime_s": 90061})");

Sample sampleAt(std::uint64_t ms, std::uint64_t conns20, std::uint64_t conns21, std::uint64_t noService) {
  return readSample(stats(conns20, conns21, noService), kHealth, kVrrp, kSync, kStatus, ms);
}

std::string joined(const Screen& s) {
  std::string out;
  for (const auto& l : s.lines) out += l + "\n";
  return out;
}

// The line that holds needle, or "" (rows are found by what they show).
std::size_t lineOf(const Screen& s, const std::string& needle) {
  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    if (s.lines[i].find(needle) != std::string::npos) return i;
  }
  ADD_FAILURE() << "no line with '" << needle << "' in\n" << joined(s);
  return 0;
}

TEST(SluicectlTopModel, ReadsServicesServersHealthVrrpAndSync) {
  const Sample s = sampleAt(1000, 10, 20, 0);
  ASSERT_EQ(s.services.size(), 2u);
  EXPECT_EQ(s.services[0].name, "TCP  10.0.0.1:80") << "ipvsadm's order: TCP before UDP";
  EXPECT_EQ(s.services[1].name, "UDP  10.0.0.1:53");
  EXPECT_FALSE(s.services[0].quorumLost);
  EXPECT_TRUE(s.services[1].quorumLost);
  const auto& servers = s.services[0].servers;
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].name, "192.168.1.20:80");
  EXPECT_EQ(servers[0].health, "UP");
  EXPECT_EQ(servers[1].health, "DOWN") << "one of its two checks is down";
  EXPECT_EQ(servers[1].totals.conns, 20);
  EXPECT_EQ(s.services[0].active, 2u);
  EXPECT_EQ(s.services[0].inactive, 4u);
  ASSERT_TRUE(servers[1].rates.has_value()) << "the first frame shows the API's rates";
  EXPECT_EQ(servers[1].rates->inpkts, 7);
  EXPECT_EQ(s.drops.size(), 2u);
  EXPECT_FALSE(s.drops[0].rate.has_value()) << "the API has no drop rates";
  EXPECT_EQ(s.vrrp.size(), 2u);
  EXPECT_TRUE(s.sync.enabled);
  EXPECT_EQ(s.sync.dropped, 3u) << "nested refusal reasons count too";
  EXPECT_EQ(s.uptime, "1d 01:01:01");
  EXPECT_EQ(s.checks, 3u);
  EXPECT_EQ(s.checksDown, 1u);
}

TEST(SluicectlTopModel, RatesComeFromTwoSamples) {
  const Sample before = sampleAt(10'000, 10, 20, 100);
  const Sample after = withRates(&before, sampleAt(12'000, 14, 40, 160));  // 2 s later
  const auto& rs20 = after.services[0].servers[0];
  const auto& rs21 = after.services[0].servers[1];
  ASSERT_TRUE(rs20.rates && rs21.rates);
  EXPECT_DOUBLE_EQ(rs20.rates->conns, 2.0);
  EXPECT_DOUBLE_EQ(rs21.rates->conns, 10.0);
  EXPECT_DOUBLE_EQ(rs21.rates->inpkts, 70.0);
  EXPECT_DOUBLE_EQ(rs21.rates->outbytes, 50000.0);
  EXPECT_DOUBLE_EQ(after.services[0].rates->conns, 12.0);
  const auto noService = std::find_if(after.drops.begin(), after.drops.end(),
                                      [](const DropRow& d) { return d.reason == "no_service"; });
  ASSERT_NE(noService, after.drops.end());
  ASSERT_TRUE(noService->rate.has_value());
  EXPECT_DOUBLE_EQ(*noService->rate, 30.0);
  ASSERT_TRUE(after.sync.sentRate.has_value());
  EXPECT_DOUBLE_EQ(*after.sync.sentRate, 0.0);
}

TEST(SluicectlTopModel, ACounterThatWentBackKeepsTheApisRate) {
  const Sample before = sampleAt(10'000, 50, 50, 0);
  const Sample after = withRates(&before, sampleAt(11'000, 3, 60, 0));  // .20 was zeroed
  EXPECT_DOUBLE_EQ(after.services[0].servers[0].rates->conns, 1.0) << "the API's cps";
  EXPECT_DOUBLE_EQ(after.services[0].servers[1].rates->conns, 10.0);
  const Sample same = withRates(&before, sampleAt(10'000, 60, 60, 0));
  EXPECT_DOUBLE_EQ(same.services[0].servers[1].rates->conns, 1.0) << "no time passed: the API's rate";
}

TEST(SluicectlTopRender, ServicesViewListsServicesAndServersUnderThem) {
  const Sample s = withRates(nullptr, sampleAt(1000, 10, 20, 0));
  const Screen screen = render(s, ViewState{}, "", 0, 0);
  const std::string text = joined(screen);
  EXPECT_NE(text.find("sluiced 0.1.0, up 1d 01:01:01, refresh every 2 s"), std::string::npos) << text;
  EXPECT_NE(text.find("Services 2, real servers 2 (1 down)"), std::string::npos) << text;
  EXPECT_NE(text.find("VRRP 1 BACKUP 1 MASTER"), std::string::npos) << text;
  EXPECT_NE(text.find("[1 Services]"), std::string::npos) << text;
  EXPECT_EQ(screen.highlighted, lineOf(screen, "*Service / real server^"));
  const std::size_t web = lineOf(screen, "TCP  10.0.0.1:80");
  EXPECT_EQ(lineOf(screen, "-> 192.168.1.20:80"), web + 1);
  EXPECT_EQ(lineOf(screen, "-> 192.168.1.21:80"), web + 2);
  EXPECT_EQ(lineOf(screen, "UDP  10.0.0.1:53"), web + 3);
  EXPECT_NE(screen.lines[web + 2].find("DOWN"), std::string::npos) << screen.lines[web + 2];
  EXPECT_NE(screen.lines[web + 3].find("QUORUM"), std::string::npos) << screen.lines[web + 3];
}

TEST(SluicectlTopRender, SortKeysOrderRowsAndMarkTheColumn) {
  const Sample before = sampleAt(10'000, 10, 20, 0);
  const Sample s = withRates(&before, sampleAt(11'000, 30, 25, 0));  // .20: 20/s, .21: 5/s
  ViewState state;
  // Service, Mode, Weight, Health, ActConn, InActConn, CPS: six steps right.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(handleKey(state, '>'), KeyEffect::kRedraw);
  Screen screen = render(s, state, "", 0, 0);
  EXPECT_NE(screen.lines[screen.highlighted].find("*CPSv"), std::string::npos) << screen.lines[screen.highlighted];
  EXPECT_NE(joined(screen).find("sort: CPS descending"), std::string::npos);
  EXPECT_LT(lineOf(screen, "-> 192.168.1.20:80"), lineOf(screen, "-> 192.168.1.21:80"));
  EXPECT_LT(lineOf(screen, "TCP  10.0.0.1:80"), lineOf(screen, "UDP  10.0.0.1:53")) << "25/s before 0/s";
  EXPECT_EQ(handleKey(state, 'r'), KeyEffect::kRedraw);
  screen = render(s, state, "", 0, 0);
  EXPECT_NE(screen.lines[screen.highlighted].find("*CPS^"), std::string::npos);
  EXPECT_GT(lineOf(screen, "-> 192.168.1.20:80"), lineOf(screen, "-> 192.168.1.21:80"));
  EXPECT_GT(lineOf(screen, "TCP  10.0.0.1:80"), lineOf(screen, "UDP  10.0.0.1:53"));
  // '<' and 'S' go back; from the first column to the last.
  state = ViewState{};
  handleKey(state, 'S');
  EXPECT_EQ(state.sortColumn[0], sortableColumns(View::kServices) - 1);
  handleKey(state, 's');
  EXPECT_EQ(state.sortColumn[0], 0u);
}

TEST(SluicectlTopRender, ViewKeysSwitchToDropsAndVrrp) {
  const Sample before = sampleAt(10'000, 10, 20, 100);
  const Sample s = withRates(&before, sampleAt(12'000, 10, 20, 160));
  ViewState state;
  EXPECT_EQ(handleKey(state, 'v'), KeyEffect::kRedraw);
  EXPECT_EQ(state.view, View::kDrops);
  Screen screen = render(s, state, "", 0, 0);
  EXPECT_NE(joined(screen).find("[2 Drops]"), std::string::npos);
  EXPECT_NE(screen.lines[screen.highlighted].find("*Drop reason^"), std::string::npos);
  EXPECT_LT(lineOf(screen, "bad_l2"), lineOf(screen, "no_service")) << "A-Z first";
  EXPECT_NE(screen.lines[lineOf(screen, "no_service")].find("30.0"), std::string::npos);
  EXPECT_NE(joined(screen).find("drops 30.0/s"), std::string::npos);
  handleKey(state, '>');
  screen = render(s, state, "", 0, 0);
  EXPECT_LT(lineOf(screen, "no_service"), lineOf(screen, "bad_l2")) << "most packets first";
  EXPECT_EQ(handleKey(state, '\t'), KeyEffect::kRedraw);
  EXPECT_EQ(state.view, View::kSystem);
  screen = render(s, state, "", 0, 0);
  EXPECT_NE(joined(screen).find("[3 VRRP+sync]"), std::string::npos);
  EXPECT_LT(lineOf(screen, "RH_EXT"), lineOf(screen, "RH_INT"));
  EXPECT_NE(joined(screen).find("Connection sync: master, peer -"), std::string::npos) << joined(screen);
  EXPECT_NE(joined(screen).find("quorum lost: udp-10.0.0.1-53"), std::string::npos);
  handleKey(state, 'v');
  EXPECT_EQ(state.view, View::kServices) << "v wraps around";
  handleKey(state, '3');
  EXPECT_EQ(state.view, View::kSystem);
  handleKey(state, 'V');
  EXPECT_EQ(state.view, View::kDrops);
}

TEST(SluicectlTopRender, LinesAreCutToTheWidthAndTheHeight) {
  const Sample s = sampleAt(1000, 10, 20, 0);
  const Screen wide = render(s, ViewState{}, "", 0, 0);
  const std::size_t longest =
      std::max_element(wide.lines.begin(), wide.lines.end(), [](const auto& a, const auto& b) {
        return a.size() < b.size();
      })->size();
  ASSERT_GT(longest, 60u);
  const Screen narrow = render(s, ViewState{}, "", 40, 6);
  ASSERT_EQ(narrow.lines.size(), 6u);
  for (std::size_t i = 0; i < narrow.lines.size(); ++i) {
    EXPECT_LE(narrow.lines[i].size(), 40u) << narrow.lines[i];
    EXPECT_EQ(narrow.lines[i], wide.lines[i].substr(0, 40));
  }
}

TEST(SluicectlTopRender, AProblemShowsOnItsLine) {
  const Screen screen = render(Sample{}, ViewState{}, "cannot reach sluiced at /x: refused", 0, 0);
  EXPECT_EQ(screen.lines[2], "cannot reach sluiced at /x: refused");
  EXPECT_NE(joined(screen).find("no services"), std::string::npos);
}

TEST(SluicectlTopKeys, DelayPromptTakesSecondsAndRefusesNonsense) {
  ViewState state;
  EXPECT_EQ(handleKey(state, 'd'), KeyEffect::kRedraw);
  for (char k : std::string("0.x5")) handleKey(state, k);
  EXPECT_EQ(render(Sample{}, state, "", 0, 0).lines[2], "Change delay from 2 s to: 0.5");
  EXPECT_EQ(handleKey(state, 'q'), KeyEffect::kNone) << "q is not a digit, and does not quit the prompt";
  EXPECT_EQ(handleKey(state, '\r'), KeyEffect::kRefresh);
  EXPECT_EQ(state.delayMs, 500u);
  EXPECT_FALSE(state.delayPrompt);
  handleKey(state, 'd');
  handleKey(state, '0');
  EXPECT_EQ(handleKey(state, '\r'), KeyEffect::kRedraw);
  EXPECT_EQ(state.delayMs, 500u);
  EXPECT_NE(state.notice.find("delay '0'"), std::string::npos) << state.notice;
  handleKey(state, 'd');
  handleKey(state, '9');
  handleKey(state, '\x7f');
  handleKey(state, '7');
  handleKey(state, '\x1b');
  EXPECT_EQ(state.delayMs, 500u) << "Esc forgets what was typed";
  EXPECT_EQ(handleKey(state, 'q'), KeyEffect::kQuit);
  EXPECT_EQ(handleKey(state, ' '), KeyEffect::kRefresh);
  EXPECT_EQ(handleKey(state, 'x'), KeyEffect::kNone);
}

TEST(SluicectlTopRender, ShortNumbers) {
  EXPECT_EQ(shortNumber(0), "0.0");
  EXPECT_EQ(shortNumber(0.46), "0.5");
  EXPECT_EQ(shortNumber(99.9), "99.9");
  EXPECT_EQ(shortNumber(8123.4), "8123");
  EXPECT_EQ(shortNumber(123456), "123K");
  EXPECT_EQ(shortNumber(12345678), "12.3M");
  EXPECT_EQ(shortNumber(-1), "-");
  EXPECT_EQ(secondsText(2000), "2");
  EXPECT_EQ(secondsText(1250), "1.25");
}

TEST(SluicectlTopOptions, DelayIterationsBatchAndView) {
  const auto p = parseCommandLine({"top", "-d", "0.5", "-n", "3", "-b", "--view", "drops"}, "/s");
  ASSERT_TRUE(p.command) << p.error;
  EXPECT_EQ(p.command->verb, Verb::kTop);
  EXPECT_EQ(p.command->delayMs, 500u);
  EXPECT_EQ(p.command->iterations, 3u);
  EXPECT_TRUE(p.command->batch);
  EXPECT_EQ(p.command->view, "drops");
  const auto once = parseCommandLine({"top", "--once"}, "/s");
  ASSERT_TRUE(once.command) << once.error;
  EXPECT_EQ(once.command->iterations, 1u);
  EXPECT_TRUE(once.command->batch);
  EXPECT_EQ(once.command->delayMs, 2000u) << "top's default";
  EXPECT_EQ(parseCommandLine({"-n"}, "/s").command->verb, Verb::kList) << "ipvsadm's -n stays a listing";
  EXPECT_EQ(parseCommandLine({"top", "-d", "0.05"}, "/s").error,
            "-d '0.05': delay is out of range (0.1..3600 seconds)");
  EXPECT_EQ(parseCommandLine({"top", "-d", "two"}, "/s").error,
            "-d 'two': delay is not a number of seconds (such as 2 or 0.5)");
  EXPECT_EQ(parseCommandLine({"top", "-n", "0"}, "/s").error, "-n '0': iterations is out of range (1..4294967295)");
  EXPECT_EQ(parseCommandLine({"top", "--view", "x"}, "/s").error,
            "--view 'x': the views are services, drops and vrrp");
  EXPECT_EQ(parseCommandLine({"list", "-d", "1"}, "/s").error, "option '-d' does not apply to 'list'");
  EXPECT_EQ(parseCommandLine({"top", "--once", "-n", "2"}, "/s").error, "--once and '-n' cannot be combined");
}

}  // namespace
}  // namespace sluice::sluicectl::top
