#include "controlplane/stats/estimator.h"

#include <gtest/gtest.h>

namespace sluice::stats {
namespace {

TEST(RateEstimator, FirstSampleIsABaselineThenRatesFollowTheIncrease) {
  RateEstimator e;
  const uint64_t key = RateEstimator::serviceKey(3);
  e.sample(key, Totals{100, 1000, 500, 100000, 50000}, 0);
  EXPECT_EQ(e.rates(key).cps, 0);
  // 2 s later: +20 connections = 10/s; the average moves a quarter of the way.
  e.sample(key, Totals{120, 1200, 600, 120000, 60000}, 2000);
  EXPECT_DOUBLE_EQ(e.rates(key).cps, 2.5);
  EXPECT_DOUBLE_EQ(e.rates(key).inPps, 25);
  EXPECT_DOUBLE_EQ(e.rates(key).outBps, 1250);
  // Samples closer than the interval are ignored.
  e.sample(key, Totals{1000, 1200, 600, 120000, 60000}, 2500);
  EXPECT_DOUBLE_EQ(e.rates(key).cps, 2.5);
}

TEST(RateEstimator, ASteadyRateConvergesAndAStopDecays) {
  RateEstimator e;
  const uint64_t key = RateEstimator::destKey(3);
  uint64_t conns = 0;
  for (uint64_t t = 0; t <= 60000; t += 2000, conns += 200) e.sample(key, Totals{conns, 0, 0, 0, 0}, t);
  EXPECT_NEAR(e.rates(key).cps, 100, 0.1);
  EXPECT_EQ(e.rates(RateEstimator::serviceKey(3)).cps, 0);  // a service and a real server never share a key
  for (uint64_t t = 62000; t <= 120000; t += 2000) e.sample(key, Totals{conns, 0, 0, 0, 0}, t);
  EXPECT_LT(e.rates(key).cps, 0.05);
}

}  // namespace
}  // namespace sluice::stats
