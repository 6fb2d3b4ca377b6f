#pragma once
// xg::distributed in one include: the job (runtime.hpp), DataParallel for manual training loops
// (data_parallel.hpp) and DistributedSampler for DataLoaders (sampler.hpp). Model::fit needs none
// of them: FitOptions{.distributed = true} does the same. See docs/distributed.md.
#include <xgrad/distributed/data_parallel.hpp>
#include <xgrad/distributed/runtime.hpp>
#include <xgrad/distributed/sampler.hpp>
