#include <xgrad/core/parallel.hpp>

#include <xgrad/core/error.hpp>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <cblas.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace xg {
namespace {

// ThreadSanitizer cannot see the synchronization inside Debian's libtbb, which is not
// instrumented: to it, a chunk on a worker and the code around the loop look unsynchronized, and
// TBB's own task objects look raced. A TSan build (cmake/XgradSanitizers.cmake) therefore compiles
// this file, the only one that includes TBB, uninstrumented with XGRAD_TSAN_FORK_JOIN, and the loop
// announces its fork and join: the caller releases `fork` before the loop, each chunk acquires it
// first and releases `join` last, the caller acquires `join` after the loop. Chunks do not
// synchronize with each other, so races between chunks are still reported.
#if defined(XGRAD_TSAN_FORK_JOIN)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
struct ForkJoin {
  char fork = 0, join = 0;
  ForkJoin() { __tsan_release(&fork); }
  ~ForkJoin() { __tsan_acquire(&join); }
  struct Chunk {
    ForkJoin& loop;
    explicit Chunk(ForkJoin& l) : loop(l) { __tsan_acquire(&loop.fork); }
    ~Chunk() { __tsan_release(&loop.join); }
  };
};
#else
struct ForkJoin {
  struct Chunk {
    explicit Chunk(ForkJoin&) {}
  };
};
#endif

struct ThreadLimit {
  std::mutex mutex;
  int threads = 0;
  std::unique_ptr<tbb::global_control> control;

  ThreadLimit() {
    int n = tbb::info::default_concurrency();
    if (const char* env = std::getenv("XGRAD_NUM_THREADS")) {
      try {
        n = std::stoi(env);
      } catch (...) {
        n = 0;
      }
      if (n < 1) n = tbb::info::default_concurrency();
    }
    apply(n);
  }
  void apply(int n) {
    threads = n;
    control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(n));
    // BLAS runs single-threaded inside TBB tasks: one thread pool, no oversubscription.
    openblas_set_num_threads(1);
  }
};

ThreadLimit& limit() {
  static ThreadLimit* instance = new ThreadLimit;
  return *instance;
}

}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw ValueError("set_num_threads: expected n >= 1, got " + std::to_string(n));
  auto& l = limit();
  std::lock_guard lock(l.mutex);
  l.apply(n);
}

int get_num_threads() { return limit().threads; }

void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& fn) {
  if (end <= begin) return;
  grain = std::max<std::int64_t>(grain, 1);
  if (end - begin <= grain || limit().threads == 1) {
    fn(begin, end);
    return;
  }
  ForkJoin loop;
  tbb::parallel_for(
      tbb::blocked_range<std::int64_t>(begin, end, grain),
      [&](const tbb::blocked_range<std::int64_t>& r) {
        const ForkJoin::Chunk chunk(loop);
        fn(r.begin(), r.end());
      },
      tbb::simple_partitioner());
}

void parallel_chunks(std::int64_t n, std::int64_t chunk,
                     const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& fn) {
  if (n <= 0) return;
  chunk = std::max<std::int64_t>(chunk, 1);
  const std::int64_t count = (n + chunk - 1) / chunk;
  parallel_for(0, count, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) fn(c, c * chunk, std::min(n, (c + 1) * chunk));
  });
}

}  // namespace xg
