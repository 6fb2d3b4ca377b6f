// A small CNN must be able to memorize a handful of MNIST-sized images: the end-to-end check that
// conv, pooling, flatten, dense, the loss and an optimizer fit together.
#include <boost/test/unit_test.hpp>

#include <xgrad/xgrad.hpp>

BOOST_AUTO_TEST_SUITE(cnn_overfit)

BOOST_AUTO_TEST_CASE(small_cnn_memorizes_sixteen_images) {
  namespace nn = xg::nn;
  xg::manual_seed(11);
  const xg::Tensor images = xg::rand({16, 1, 28, 28});
  const xg::Tensor labels = xg::randint(0, 10, {16});
  nn::Sequential net{nn::Conv2d(8, {.kernel_size = 3, .activation = "relu"}), nn::MaxPool2d(2), nn::Flatten(),
                     nn::Dense(10)};
  net(images);  // build the lazy layers
  xg::optim::Adam optimizer(net.parameters(), {.lr = 1e-2});
  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < 60; ++step) {
    optimizer.zero_grad();
    const xg::Tensor loss = nn::cross_entropy(net(images), labels);
    loss.backward();
    optimizer.step();
    if (step == 0) first_loss = loss.item();
    last_loss = loss.item();
  }
  xg::NoGradGuard no_grad;
  BOOST_TEST(last_loss < 0.05 * first_loss, "loss went from " << first_loss << " to " << last_loss);
  BOOST_TEST(nn::accuracy(net(images), labels) == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
