// xg::set_num_threads really bounds the cores xgrad uses: the distinct OS threads that run the
// chunks of a big parallel_for are counted at n = 1 and n = 2, BLAS is shown to stay on one core
// (process CPU time vs wall time of a large GEMM at n = 1), and invalid counts are rejected.
#include <boost/test/unit_test.hpp>

#include <xgrad/core/kernels/gemm.hpp>
#include <xgrad/xgrad.hpp>

#include "expect.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

namespace {

// Restores the thread bound on scope exit.
struct ThreadBound {
  int saved = xg::get_num_threads();
  ~ThreadBound() { xg::set_num_threads(saved); }
};

// The ids of the threads that ran chunks of a parallel_for with enough work for every worker.
std::set<std::thread::id> threads_running_chunks(int n) {
  xg::set_num_threads(n);
  std::mutex mutex;
  std::set<std::thread::id> ids;
  xg::parallel_for(0, 1 << 14, 16, [&](std::int64_t begin, std::int64_t end) {
    volatile double sink = 0;
    for (std::int64_t i = begin; i < end; ++i)
      for (int j = 0; j < 2000; ++j) sink = sink + std::sqrt(static_cast<double>(i + j));
    std::lock_guard lock(mutex);
    ids.insert(std::this_thread::get_id());
  });
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(threads)

BOOST_AUTO_TEST_CASE(one_thread_runs_every_chunk_on_the_calling_thread) {
  ThreadBound restore;
  const auto ids = threads_running_chunks(1);
  BOOST_TEST(xg::get_num_threads() == 1);
  BOOST_TEST(ids.size() == 1u);
  BOOST_TEST(ids.count(std::this_thread::get_id()) == 1u);
}

BOOST_AUTO_TEST_CASE(two_threads_use_at_most_two_os_threads) {
  ThreadBound restore;
  const auto ids = threads_running_chunks(2);
  BOOST_TEST(xg::get_num_threads() == 2);
  BOOST_TEST(ids.size() >= 1u);
  BOOST_TEST(ids.size() <= 2u);
}

BOOST_AUTO_TEST_CASE(blas_stays_on_one_core_at_one_thread) {
  ThreadBound restore;
  xg::set_num_threads(1);
  const xg::Tensor a = xg::ones({512, 512}), b = xg::ones({512, 512});
  xg::kernels::matmul_raw(a, b, false, false);  // warm-up: BLAS buffers, first-touch pages
  const std::clock_t cpu0 = std::clock();
  const auto wall0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) xg::kernels::matmul_raw(a, b, false, false);
  const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  // Two busy cores would use about twice the wall time in CPU time.
  BOOST_TEST(cpu <= 1.4 * wall + 0.01, "CPU time " << cpu << " s for " << wall << " s of wall time");
}

BOOST_AUTO_TEST_CASE(invalid_thread_counts_are_rejected) {
  ThreadBound restore;
  xg::set_num_threads(2);
  xg::test::expect_error<xg::ValueError>([] { xg::set_num_threads(0); }, {"set_num_threads", "n >= 1", "got 0"});
  xg::test::expect_error<xg::ValueError>([] { xg::set_num_threads(-3); }, {"got -3"});
  BOOST_TEST(xg::get_num_threads() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
