// A training job in which rank 1 fails at step 3, for rank_failure.sh: `rank_failure MODE` with
//   kill   rank 1 is killed (SIGKILL): mpirun notices and ends the job;
//   throw  rank 1 throws an exception nobody catches: it reports it and aborts the job;
//   leave  rank 1 leaves the training loop and finalizes normally: rank 0 waits in the gradient
//          all-reduce until the watchdog (2 s here) aborts the job with a message.
// In every case the job must end quickly with a non-zero status, never hang.
#include <xgrad/distributed/distributed.hpp>
#include <xgrad/xgrad.hpp>

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>

int main(int argc, char** argv) {
  namespace dist = xg::distributed;
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "kill" && mode != "throw" && mode != "leave") {
    std::fprintf(stderr, "usage: %s kill|throw|leave\n", argv[0]);
    return 2;
  }
  dist::init({.timeout_seconds = 2});
  xg::manual_seed(1);
  auto model = std::make_shared<xg::nn::Sequential>(xg::nn::Dense(4, {.in_features = 8, .activation = "softmax"}));
  dist::DataParallel ddp(model);
  xg::optim::SGD opt(model->parameters(), {.lr = 0.1});
  const xg::Tensor x = xg::randn({16, 8}), y = xg::datasets::to_categorical(xg::randint(0, 4, {16}), 4);
  for (int step = 0; step < 10; ++step) {
    if (dist::rank() == 1 && step == 3) {
      std::printf("rank 1: failing at step 3 (%s)\n", mode.c_str());
      std::fflush(stdout);
      if (mode == "kill") std::raise(SIGKILL);
      if (mode == "throw") throw std::runtime_error("simulated failure of rank 1 at step 3");
      break;  // leave
    }
    opt.zero_grad();
    ddp.backward(xg::nn::categorical_crossentropy(ddp(x), y));
    opt.step();
  }
  dist::finalize();
  return 0;
}
