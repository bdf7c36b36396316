#include "perf/sluice_bench/report.h"

#include <cstdio>

namespace sluice::bench {
namespace {

double mpps(uint64_t packets, double s) { return s > 0 ? static_cast<double>(packets) / s / 1e6 : 0; }

// Bits of whole frames (FCS included), and as the line sees them (plus the
// 8-byte preamble and 12-byte gap).
double gbps(uint64_t packets, uint32_t size, double s) {
  return s > 0 ? static_cast<double>(packets) * size * 8 / s / 1e9 : 0;
}

double lossPercent(uint64_t tx, uint64_t rx) {
  return tx == 0 ? 0 : 100.0 * (static_cast<double>(tx) - static_cast<double>(rx)) / static_cast<double>(tx);
}

double us(double cycles, double hz) { return cycles / hz * 1e6; }

std::string format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += format("\\u%04x", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string progressLine(double elapsedS, double intervalS, uint32_t frameSize, double tscHz, const Counts& c) {
  const LatencyHistogram& l = c.latency;
  return format("%6.1fs  tx %7.3f Mpps  rx %7.3f Mpps  %6.2f Gbps  loss %6.2f%%  lat p50 %7.1f us  p99 %7.1f us",
                elapsedS, mpps(c.txPackets, intervalS), mpps(c.rxPackets, intervalS),
                gbps(c.rxPackets, frameSize, intervalS), lossPercent(c.txPackets, c.rxPackets),
                us(static_cast<double>(l.quantile(0.5)), tscHz), us(static_cast<double>(l.quantile(0.99)), tscHz));
}

std::string summaryText(const Summary& s) {
  const Counts& c = s.counts;
  const LatencyHistogram& l = c.latency;
  std::string out;
  out += format("mode %s, %u-byte frames, %.2f s\n", modeName(s.options->mode), s.frameSize, s.seconds);
  if (s.warmupSent) {
    out += format("warm-up:  sent %llu, received %llu\n", static_cast<unsigned long long>(s.warmupSent),
                  static_cast<unsigned long long>(s.warmupReceived));
  }
  out += format("sent:     %llu packets  %.3f Mpps  %.3f Gbps\n", static_cast<unsigned long long>(c.txPackets),
                mpps(c.txPackets, s.seconds), gbps(c.txPackets, s.frameSize, s.seconds));
  out += format("received: %llu packets  %.3f Mpps  %.3f Gbps\n", static_cast<unsigned long long>(c.rxPackets),
                mpps(c.rxPackets, s.seconds), gbps(c.rxPackets, s.frameSize, s.seconds));
  out += format("loss:     %.4f%%  (other frames %llu, earlier phases %llu, pool empty %llu)\n",
                lossPercent(c.txPackets, c.rxPackets), static_cast<unsigned long long>(c.rxOther),
                static_cast<unsigned long long>(c.rxStale), static_cast<unsigned long long>(c.txNoBuffer));
  out += format("latency:  min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f us\n",
                us(static_cast<double>(l.min()), s.tscHz), us(static_cast<double>(l.quantile(0.5)), s.tscHz),
                us(static_cast<double>(l.quantile(0.9)), s.tscHz), us(static_cast<double>(l.quantile(0.99)), s.tscHz),
                us(static_cast<double>(l.quantile(0.999)), s.tscHz), us(static_cast<double>(l.max()), s.tscHz));
  return out;
}

std::string summaryJson(const Summary& s) {
  const Counts& c = s.counts;
  const LatencyHistogram& l = c.latency;
  const Options& o = *s.options;
  auto q = [&](double x) { return us(static_cast<double>(l.quantile(x)), s.tscHz); };
  std::string out = "{";
  out += "\"label\":" + jsonString(o.label);
  out += format(",\"mode\":\"%s\",\"frame_size\":%u,\"flows\":%llu,\"target_mpps\":%g,\"seconds\":%.6f",
                modeName(o.mode), s.frameSize, static_cast<unsigned long long>(o.flows), o.rateMpps, s.seconds);
  out += format(",\"warmup\":{\"sent\":%llu,\"received\":%llu}", static_cast<unsigned long long>(s.warmupSent),
                static_cast<unsigned long long>(s.warmupReceived));
  out += format(",\"tx\":{\"packets\":%llu,\"mpps\":%.6f,\"gbps\":%.6f,\"gbps_l1\":%.6f,\"pool_empty\":%llu}",
                static_cast<unsigned long long>(c.txPackets), mpps(c.txPackets, s.seconds),
                gbps(c.txPackets, s.frameSize, s.seconds), gbps(c.txPackets, s.frameSize + 20, s.seconds),
                static_cast<unsigned long long>(c.txNoBuffer));
  out += format(",\"rx\":{\"packets\":%llu,\"mpps\":%.6f,\"gbps\":%.6f,\"gbps_l1\":%.6f,\"other\":%llu,\"stale\":%llu}",
                static_cast<unsigned long long>(c.rxPackets), mpps(c.rxPackets, s.seconds),
                gbps(c.rxPackets, s.frameSize, s.seconds), gbps(c.rxPackets, s.frameSize + 20, s.seconds),
                static_cast<unsigned long long>(c.rxOther), static_cast<unsigned long long>(c.rxStale));
  out += format(",\"loss_percent\":%.6f", lossPercent(c.txPackets, c.rxPackets));
  out += format(
      ",\"latency_us\":{\"samples\":%llu,\"min\":%.3f,\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
      "\"p999\":%.3f,\"max\":%.3f}",
      static_cast<unsigned long long>(l.count()), us(static_cast<double>(l.min()), s.tscHz), us(l.mean(), s.tscHz),
      q(0.5), q(0.9), q(0.99), q(0.999), us(static_cast<double>(l.max()), s.tscHz));
  return out + "}";
}

}  // namespace sluice::bench
