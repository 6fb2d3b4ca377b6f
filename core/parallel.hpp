#pragma once
// The one parallel facade of xgrad (only core/parallel.cpp includes TBB).
//
// parallel_for splits [begin, end) into chunks of at least `grain` iterations and runs them on the
// TBB pool, bounded by set_num_threads / XGRAD_NUM_THREADS. parallel_chunks cuts a range into
// fixed chunks whose boundaries do not depend on the thread count; reductions combine the per-chunk
// partials in chunk order, so results are bitwise identical at any number of threads.
#include <cstdint>
#include <functional>

namespace xg {

/// Bounds the threads every xgrad kernel may use (n >= 1). Also read from XGRAD_NUM_THREADS at start.
void set_num_threads(int n);
/// The current bound (defaults to the number of cores).
int get_num_threads();

/// Runs fn(chunk_begin, chunk_end) over [begin, end) in parallel chunks of >= grain iterations.
/// Runs inline when the range is small or one thread is allowed.
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& fn);

/// Splits [0, n) into ceil(n / chunk) fixed chunks and runs fn(chunk_index, begin, end) for each,
/// in parallel. Chunk boundaries depend only on n and chunk, never on the thread count.
void parallel_chunks(std::int64_t n, std::int64_t chunk,
                     const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& fn);

}  // namespace xg
